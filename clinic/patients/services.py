"""Patient rules: creating, editing (refusing stale copies), archiving, searching."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date

from clinic.audit.services import record
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import Patient, PatientConcern

RECORD_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone


class StaleEdit(Exception):
    """Someone else saved the record after this form was opened."""


@dataclass
class PatientDetails:
    first_name: str
    last_name: str
    date_of_birth: date
    sex: str = "unknown"
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    timezone: str = "America/New_York"
    fitzpatrick: int | None = None
    concerns: list[str] = field(default_factory=list)
    allergies: str | None = None
    medications: str | None = None
    notes: str | None = None


def digits_of(phone: str | None) -> str | None:
    digits = re.sub(r"\D", "", phone or "")
    return digits or None


def new_record_number() -> str:
    return "P" + "".join(secrets.choice(RECORD_NUMBER_ALPHABET) for _ in range(7))


def _apply(patient: Patient, details: PatientDetails) -> None:
    for name in ("first_name", "last_name", "date_of_birth", "sex", "address", "timezone", "fitzpatrick",
                 "allergies", "medications", "notes", "phone"):
        setattr(patient, name, getattr(details, name))
    patient.email = details.email.strip().lower() if details.email else None
    patient.phone_digits = digits_of(details.phone)
    wanted = set(details.concerns)
    patient.concern_rows = [row for row in patient.concern_rows if row.concern in wanted] + [
        PatientConcern(concern=c) for c in sorted(wanted - set(patient.concerns))
    ]


def create_patient(clinic: Clinic, details: PatientDetails, *, audit: bool = True) -> Patient:
    patient = Patient(clinic_id=clinic.id, record_number=new_record_number())
    _apply(patient, details)
    db.session.add(patient)
    db.session.flush()
    if audit:
        record("patient.create", patient_id=patient.id, object_type="patient", object_id=patient.id)
    return patient


def update_patient(patient: Patient, details: PatientDetails, *, loaded_version: int) -> None:
    """Save an edit made on a copy loaded at `loaded_version`; refuse if the record moved on since."""
    if patient.version != loaded_version:
        raise StaleEdit
    _apply(patient, details)
    record("patient.update", patient_id=patient.id, object_type="patient", object_id=patient.id)
