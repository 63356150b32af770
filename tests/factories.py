"""Callable factories: each makes a valid object with sensible defaults and flushes it.

They use the test's app context and session; commit (or call `db.session.commit()`) before requests
need to see the rows.
"""

from __future__ import annotations

import itertools
from datetime import date

import sqlalchemy as sa

from clinic.auth.models import User
from clinic.auth.services import create_user
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import MedicalHistory, Patient
from clinic.patients.services import PatientDetails, create_patient

PASSWORD = "correct horse battery staple"  # noqa: S105
_counter = itertools.count(1)


def make_clinic(name: str | None = None, timezone: str = "America/New_York") -> Clinic:
    # Second factor optional in tests unless a test turns it on (tests/auth/test_two_factor.py does).
    clinic = Clinic(name=name or f"Clinic {next(_counter)}", timezone=timezone, totp_required_roles="")
    db.session.add(clinic)
    db.session.flush()
    return clinic


def default_clinic() -> Clinic:
    return db.session.scalars(sa.select(Clinic).order_by(Clinic.id)).first() or make_clinic("Test Clinic")


def make_patient(clinic: Clinic | None = None, *, history: dict | None = None, **overrides) -> Patient:
    clinic = clinic or default_clinic()
    n = next(_counter)
    fields = dict(
        first_name="Pat",
        last_name=f"Ient{n}",
        date_of_birth=date(1985, 5, 17),
        sex="female",
        email=f"patient{n}@example.test",
        phone=f"555-010-{n:04d}",
        timezone=clinic.timezone,
        fitzpatrick=3,
        concerns=["aging"],
    )
    fields.update(overrides)
    patient = create_patient(clinic, PatientDetails(**fields), audit=False)
    db.session.add(MedicalHistory(patient_id=patient.id, **(history or {})))
    db.session.flush()
    return patient


def make_user(
    role: str = "dermatologist",
    *,
    clinic: Clinic | None = None,
    email: str | None = None,
    password: str | None = PASSWORD,
    patient: Patient | None = None,
    **extra,
) -> User:
    clinic = clinic or (patient and db.session.get(Clinic, patient.clinic_id)) or default_clinic()
    if role == "patient" and patient is None:
        patient = make_patient(clinic)
    n = next(_counter)
    user = create_user(
        clinic_id=clinic.id,
        email=email or f"{role}{n}@example.test",
        full_name=extra.pop("full_name", f"{role.title()} {n}"),
        role=role,
        password=password,
        patient_id=patient.id if patient else None,
    )
    for key, value in extra.items():
        setattr(user, key, value)
    db.session.flush()
    return user
