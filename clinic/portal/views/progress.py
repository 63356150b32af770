"""The patient's own progress: outcome scores over time in plain words and the photos staff shared."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.outcomes.services import patient_progress
from clinic.patients.access import get_patient
from clinic.photos.services import shared_photos
from clinic.portal.views.blueprint import bp
from clinic.roles import Role


@bp.get("/progress")
@role_required(Role.PATIENT)
def progress():
    patient = get_patient(current_user.patient_id)
    record("outcomes.view", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="portal")
    return render_template(
        "portal/progress.html", progress=patient_progress(patient.id), photos=shared_photos(patient.id)
    )
