"""What a patient sees of their own record: their profile and who at the clinic looked at it."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload

from clinic.access import role_required
from clinic.audit.models import AuditEvent
from clinic.audit.services import record
from clinic.auth.models import User
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.patients.models import CONCERNS, SEXES, Patient
from clinic.portal.views.blueprint import bp
from clinic.roles import Role

#: What an audit action means, in words a patient understands.
ACCESS_WORDS: dict[str, str] = {
    "patient.view": "Opened your record",
    "patient.list": "Saw your name in the patient list",
    "routine.adherence_list": "Saw your name in the routine adherence list",
    "user.list": "Saw your name in the clinic's list of accounts",
    "patient.create": "Created your record",
    "patient.update": "Changed your details",
    "patient.history_update": "Updated your medical history",
    "patient.archive": "Archived your record",
    "patient.unarchive": "Restored your record",
    "patient.portal_account_created": "Created your portal account",
    "patient.portal_invite_resent": "Re-sent your portal invitation",
    "auth.invitation_sent": "Sent you a portal invitation",
}
ACCESS_LOG_LIMIT = 200


@bp.get("")
@role_required(Role.PATIENT)
def home():
    patient = get_patient(current_user.patient_id, selectinload(Patient.concern_rows))
    record("patient.view", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="portal")
    return render_template("portal/home.html", patient=patient, sexes=SEXES, concern_labels=CONCERNS)


@bp.get("/access-log")
@role_required(Role.PATIENT)
def access_log():
    """Who looked at or changed my record: staff accesses only, newest first."""
    patient = get_patient(current_user.patient_id)
    rows = db.session.execute(
        sa.select(AuditEvent, User.full_name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(
            AuditEvent.patient_id == patient.id, AuditEvent.role != Role.PATIENT.value, AuditEvent.outcome == "success"
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(ACCESS_LOG_LIMIT)
    ).all()
    return render_template(
        "portal/access_log.html", patient=patient, rows=rows, words=ACCESS_WORDS, limit=ACCESS_LOG_LIMIT
    )
