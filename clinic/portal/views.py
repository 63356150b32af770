"""What a patient sees of their own record."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.models import AuditEvent
from clinic.audit.services import record
from clinic.auth.roles import Role
from clinic.extensions import db
from clinic.patients.access import get_patient

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.get("")
@role_required(Role.PATIENT)
def home():
    patient = get_patient(current_user.patient_id)
    record("patient.view", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="portal")
    db.session.commit()
    return render_template("portal/home.html", patient=patient)


@bp.get("/access-log")
@role_required(Role.PATIENT)
def access_log():
    """Who looked at or changed my record: staff accesses only, newest first."""
    patient = get_patient(current_user.patient_id)
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.patient_id == patient.id, AuditEvent.role != Role.PATIENT.value)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(200)
    ).all()
    db.session.commit()
    return render_template("portal/access_log.html", patient=patient, events=events)
