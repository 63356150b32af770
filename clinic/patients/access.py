"""The scoped lookup for patients: every view that takes a patient id loads it through here."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm.interfaces import ORMOption

from clinic.access import deny
from clinic.auth.roles import Role
from clinic.extensions import db
from clinic.patients.models import Patient


def get_patient(patient_id: int, *options: ORMOption) -> Patient:
    """The patient, if the logged-in user may see them; otherwise 404 (and an audit event).

    Staff see their own clinic's patients; a patient sees only their own record. `options` are loader
    options (selectinload...) for what the page will touch.
    """
    query = (
        sa.select(Patient)
        .where(Patient.id == patient_id, Patient.clinic_id == current_user.clinic_id)
        .options(*options)
    )
    if current_user.role == Role.PATIENT:
        query = query.where(Patient.id == current_user.patient_id)
    patient = db.session.scalar(query)
    if patient is None:
        deny(404, detail=f"patient {patient_id} out of scope")
    return patient
