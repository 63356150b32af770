"""Catalog changes made by admins, and the lot recall list. Services flush; the view commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from clinic.audit.services import record
from clinic.catalog.models import Product, ProductLot, ProductTag, Protocol
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.treatments.errors import Invalid
from clinic.treatments.models import SessionProduct, TreatmentSession


def parse_numbers(text: str | None) -> list[int]:
    return [int(part) for part in (text or "").replace(" ", "").split(",") if part]


def set_product_tags(product: Product, tags: Sequence[str]) -> None:
    wanted = set(tags)
    product.tag_rows = [row for row in product.tag_rows if row.tag in wanted] + [
        ProductTag(tag=tag) for tag in sorted(wanted - set(product.tags))
    ]


def check_product_unique(product: Product, brand: str, name: str) -> None:
    clash = db.session.scalar(
        sa.select(Product.id).where(
            Product.clinic_id == product.clinic_id,
            Product.brand == brand,
            Product.name == name,
            Product.id != (product.id or 0),
        )
    )
    if clash:
        raise Invalid({"name": "The catalog already has a product with this brand and name."})


def apply_protocol(protocol: Protocol, form) -> None:
    offsets = parse_numbers(form.induction_day_offsets.data)
    if not offsets and not form.induction_count.data:
        raise Invalid({"induction_count": "Give day offsets or a number of induction sessions."})
    if offsets and offsets != sorted(set(offsets)):
        raise Invalid({"induction_day_offsets": "Offsets must rise, without repeats."})
    protocol.name = form.name.data
    protocol.induction_day_offsets = offsets or None
    protocol.induction_count = None if offsets else form.induction_count.data
    protocol.min_interval_days = form.min_interval_days.data
    protocol.max_interval_days = form.max_interval_days.data
    protocol.maintenance_interval_days = form.maintenance_interval_days.data
    protocol.checkpoint_months = parse_numbers(form.checkpoint_months.data)
    protocol.active = form.active.data


def check_lot_unique(lot: ProductLot, product_id: int, lot_number: str) -> None:
    clash = db.session.scalar(
        sa.select(ProductLot.id).where(
            ProductLot.product_id == product_id,
            sa.func.lower(ProductLot.lot_number) == lot_number.strip().lower(),
            ProductLot.id != (lot.id or 0),
        )
    )
    if clash:
        raise Invalid({"lot_number": "This product already has a lot with that number."})


@dataclass(frozen=True)
class Recipient:
    patient: Patient
    session_id: int
    started_at: datetime
    volume_ml: object


def lot_recipients(lot: ProductLot) -> list[Recipient]:
    """Everyone who received `lot`, one row per session, oldest first."""
    rows = db.session.execute(
        sa.select(Patient, TreatmentSession.id, TreatmentSession.started_at, SessionProduct.volume_ml)
        .join(TreatmentSession, TreatmentSession.patient_id == Patient.id)
        .join(SessionProduct, SessionProduct.session_id == TreatmentSession.id)
        .where(SessionProduct.lot_id == lot.id, TreatmentSession.clinic_id == lot.clinic_id)
        .order_by(TreatmentSession.started_at, TreatmentSession.id)
    ).all()
    return [Recipient(*row) for row in rows]


def audit_recall(lot: ProductLot, recipients: list[Recipient], action: str) -> None:
    """One audit event per patient whose data the recall list (or its export) shows."""
    for patient_id in sorted({r.patient.id for r in recipients}):
        record(
            action,
            patient_id=patient_id,
            object_type="product_lot",
            object_id=lot.id,
            detail=f"lot {lot.lot_number}",
        )
    record(
        action,
        object_type="product_lot",
        object_id=lot.id,
        detail=f"lot {lot.lot_number}: {len(recipients)} session(s)",
    )
