"""What a patient sees of their own record: their profile, who at the clinic looked at it, and the download of
everything the clinic holds about them (a ZIP: FHIR Bundle, HTML summary, photos)."""

from __future__ import annotations

import tempfile

from flask import render_template, send_file
from flask_login import current_user
from sqlalchemy.orm import selectinload

from clinic.access import role_required
from clinic.audit.services import record
from clinic.extensions import db
from clinic.interop.fhir.access_log import ACCESS_WORDS, access_log_query
from clinic.interop.fhir.archive import write_record_zip
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


@bp.get("/my-record.zip")
@role_required(Role.PATIENT)
def download_record():
    """Everything the clinic holds about me, built in a temporary file (bounded memory) and sent from there."""
    patient = get_patient(current_user.patient_id, selectinload(Patient.concern_rows))
    out = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it when the response ends
    held = write_record_zip(out, patient)
    out.seek(0)
    detail = f"zip: {held['resources']} resources, {held['photos']} photos"
    record("patient.export", patient_id=patient.id, object_type="patient", object_id=patient.id, detail=detail)
    name = f"my-record-{patient.record_number}.zip"
    return send_file(out, mimetype="application/zip", as_attachment=True, download_name=name)
