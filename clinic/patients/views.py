"""Patient list and chart (staff)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from clinic.access import role_required
from clinic.audit.services import record
from clinic.auth.roles import CLINICAL_STAFF
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.patients.models import Patient

bp = Blueprint("patients", __name__, url_prefix="/patients")


@bp.get("")
@role_required(*CLINICAL_STAFF)
def list_patients():
    query = (
        sa.select(Patient)
        .where(Patient.clinic_id == current_user.clinic_id, Patient.archived_at.is_(None))
        .options(selectinload(Patient.concern_rows))
        .order_by(Patient.last_name, Patient.first_name, Patient.id)
    )
    page = db.paginate(query, page=request.args.get("page", 1, type=int),
                       per_page=current_user.clinic and 25, error_out=False)
    record("patient.list", detail=f"page={page.page}")
    db.session.commit()
    return render_template("patients/list.html", page=page)


@bp.get("/<int:patient_id>")
@role_required(*CLINICAL_STAFF)
def chart(patient_id: int):
    patient = get_patient(patient_id)
    record("patient.view", patient_id=patient.id, object_type="patient", object_id=patient.id)
    db.session.commit()
    return render_template("patients/chart.html", patient=patient)
