"""What a patient sees of their own record: their profile and who at the clinic looked at it."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload

from clinic.access import role_required
from clinic.audit.services import record
from clinic.extensions import db
from clinic.interop.fhir.access_log import ACCESS_WORDS, access_log_query
from clinic.patients.access import get_patient
from clinic.patients.models import CONCERNS, SEXES, Patient
from clinic.portal.views.blueprint import bp
from clinic.roles import Role

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
    rows = db.session.execute(access_log_query(patient.id).limit(ACCESS_LOG_LIMIT)).all()
    return render_template(
        "portal/access_log.html", patient=patient, rows=rows, words=ACCESS_WORDS, limit=ACCESS_LOG_LIMIT
    )
