"""Factories for treatments: the catalog defaults, lots, draft and signed sessions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from clinic.catalog.defaults import install_defaults
from clinic.catalog.models import Procedure, Product, ProductLot
from clinic.clinics.models import Clinic
from clinic.db import now_utc
from clinic.extensions import db
from clinic.treatments.models import TreatmentSession
from clinic.treatments.services import ProductUse, SessionDetails, save_session
from clinic.treatments.signing import sign_session
from tests.factories import default_clinic


def catalog(clinic: Clinic | None = None) -> Clinic:
    clinic = clinic or default_clinic()
    install_defaults(clinic)
    return clinic


def procedure(code: str = "microneedling_exosome", clinic: Clinic | None = None) -> Procedure:
    clinic = catalog(clinic)
    return db.session.scalar(sa.select(Procedure).filter_by(clinic_id=clinic.id, code=code))


def exosome_product(clinic: Clinic | None = None) -> Product:
    clinic = catalog(clinic)
    return db.session.scalar(sa.select(Product).filter_by(clinic_id=clinic.id, brand="DP Derm"))


def make_lot(
    product: Product | None = None,
    *,
    lot_number: str | None = None,
    quantity: int = 10,
    expires_on: date | None = None,
    **extra,
) -> ProductLot:
    product = product or exosome_product()
    lot = ProductLot(
        clinic_id=product.clinic_id,
        product_id=product.id,
        lot_number=lot_number or f"LOT-{product.id}-{db.session.scalar(sa.select(sa.func.count(ProductLot.id))) + 1}",
        expires_on=expires_on or date.today() + timedelta(days=365),
        quantity_on_hand=quantity,
        manufacturer=extra.pop("manufacturer", "DP Derm Labs"),
        source=extra.pop("source", product.exosome_source),
        **extra,
    )
    db.session.add(lot)
    db.session.flush()
    return lot


def make_session(patient, provider, *, code: str = "microneedling_exosome") -> TreatmentSession:
    """A draft session opened without the pre-check (tests of later steps)."""
    proc = procedure(code, db.session.get(Clinic, patient.clinic_id))
    session = TreatmentSession(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        procedure_id=proc.id,
        provider_id=provider.id,
        started_at=now_utc() - timedelta(hours=1),
        precheck={},
    )
    session.procedure = proc
    db.session.add(session)
    db.session.flush()
    return session


def recorded_session(patient, provider, lot: ProductLot | None = None) -> TreatmentSession:
    session = make_session(patient, provider)
    lot = lot or make_lot()
    details = SessionDetails(
        started_at=session.started_at,
        ended_at=now_utc() - timedelta(minutes=5),
        device="Dermapen 4",
        areas=[("Cheeks", Decimal("1.0"), 3)],
        products=[ProductUse(lot.product_id, lot.lot_number, Decimal("2.5"))],
    )
    save_session(session, details, loaded_version=session.version, user=provider)
    return session


def signed_session(patient, provider, lot: ProductLot | None = None) -> TreatmentSession:
    session = recorded_session(patient, provider, lot)
    sign_session(session, provider, loaded_version=session.version)
    db.session.flush()
    db.session.refresh(session)
    return session


def make_appointment(
    patient,
    provider,
    *,
    code: str = "microneedling_exosome",
    starts_at=None,
    status: str = "booked",
):
    """An appointment for `patient` (default: starting now, in the patient's clinic), bypassing booking rules."""
    from clinic.scheduling.models import Appointment
    from tests.scheduling.factories import make_room, make_type

    clinic = db.session.get(Clinic, patient.clinic_id)
    catalog(clinic)
    kind = make_type(clinic, code=code, role="dermatologist")
    starts_at = starts_at or now_utc()
    appointment = Appointment(
        clinic_id=clinic.id,
        patient_id=patient.id,
        provider_id=provider.id,
        room_id=make_room(clinic).id,
        appointment_type_id=kind.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=kind.duration_minutes),
        blocks_until=starts_at + timedelta(minutes=kind.duration_minutes + kind.buffer_minutes),
        local_date=starts_at.astimezone(clinic.zone).date(),
        status=status,
    )
    db.session.add(appointment)
    db.session.flush()
    return appointment
