"""The scoped lookup for patients: every view that takes a patient id loads it through here."""

from __future__ import annotations

from sqlalchemy.orm.interfaces import ORMOption

from clinic.access import scoped_get
from clinic.patients.models import Patient


def get_patient(patient_id: int, *options: ORMOption) -> Patient:
    """The patient, if the logged-in user may see them; otherwise 404 (and an audit event).

    Staff see their own clinic's patients; a patient sees only their own record. `options` are loader
    options (selectinload...) for what the page will touch.
    """
    return scoped_get(Patient, patient_id, *options, patient_column=Patient.id)
