"""Factories for routines: a clinic catalog, a routine with steps, an aftercare record."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from clinic.catalog.defaults import install_defaults
from clinic.catalog.models import Procedure, Product
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.routines.models import Routine, RoutineStep
from clinic.routines.services import refresh_run_out


def catalog(clinic: Clinic) -> None:
    install_defaults(clinic)


def product(clinic_id: int, name: str) -> Product:
    return db.session.scalar(sa.select(Product).where(Product.clinic_id == clinic_id, Product.name == name))


def procedure(clinic_id: int, code: str = "microneedling_exosome") -> Procedure:
    return db.session.scalar(sa.select(Procedure).where(Procedure.clinic_id == clinic_id, Procedure.code == code))


def make_routine(
    patient: Patient,
    steps: list[dict] | None = None,
    *,
    starts_on: date = date(2026, 11, 1),
    ends_on: date | None = None,
) -> Routine:
    """A routine with steps given as dicts: product (a catalog name) or label, slot, other step fields."""
    clinic = db.session.get(Clinic, patient.clinic_id)
    if product(clinic.id, "Daily Serum") is None:
        catalog(clinic)
    routine = Routine(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        concern="aging",
        goal="Test goal",
        starts_on=starts_on,
        ends_on=ends_on,
    )
    db.session.add(routine)
    for position, spec in enumerate(steps or [], start=1):
        spec = dict(spec)
        name = spec.pop("product", None)
        step = RoutineStep(
            routine=routine,
            product=product(clinic.id, name) if name else None,
            position=position,
            **{"frequency": "daily", **spec},
        )
        db.session.add(step)
        refresh_run_out(step, routine)
    db.session.flush()
    return routine


AGING_STEPS = [
    dict(product="Gentle Cream Cleanser", slot="am"),
    dict(product="Vitamin C 15% Serum", slot="am"),
    dict(product="Mineral Sunscreen SPF 50", slot="am"),
    dict(product="Daily Serum", slot="pm"),
    dict(product="Retinol 0.3% Night Serum", slot="pm"),
]
