"""Lots and stock: finding a lot by number, drawing units atomically, returning them, stock warnings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from clinic.catalog.models import Product, ProductLot
from clinic.extensions import db

EXPIRY_WARNING_DAYS = 30


class OutOfStock(Exception):
    pass


def find_lot(clinic_id: int, lot_number: str) -> ProductLot | None:
    return db.session.scalar(
        sa.select(ProductLot)
        .where(
            ProductLot.clinic_id == clinic_id,
            sa.func.lower(ProductLot.lot_number) == lot_number.strip().lower(),
        )
        .order_by(ProductLot.id)
    )


def lot_problem(lot: ProductLot | None, lot_number: str, product: Product, on: date) -> str | None:
    """Why this lot cannot be used for `product` on `on`, or None if it can."""
    if lot is None:
        return f"Unknown lot {lot_number!r}: add it under Lots first."
    if lot.product_id != product.id:
        return f"Lot {lot.lot_number} is a lot of {lot.product.display_name}, not {product.display_name}."
    if not lot.in_use:
        return f"Lot {lot.lot_number} is {lot.status} ({lot.status_reason}): it cannot be used in a session."
    if lot.is_expired(on):
        return f"Lot {lot.lot_number} expired on {lot.expires_on:%d %b %Y}."
    return None


def draw(lot: ProductLot, units: int) -> None:
    """Take `units` from the lot in one conditional UPDATE, so two sessions can never overdraw it, and a recalled
    or quarantined lot (its stock frozen) gives nothing even if the recall lands between check and draw."""
    result = db.session.execute(
        sa.update(ProductLot)
        .where(ProductLot.id == lot.id, ProductLot.quantity_on_hand >= units, ProductLot.status == "active")
        .values(quantity_on_hand=ProductLot.quantity_on_hand - units)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise OutOfStock(lot.lot_number)
    db.session.expire(lot, ["quantity_on_hand"])


def give_back(lot_id: int, units: int) -> None:
    db.session.execute(
        sa.update(ProductLot)
        .where(ProductLot.id == lot_id)
        .values(quantity_on_hand=ProductLot.quantity_on_hand + units)
        .execution_options(synchronize_session=False)
    )


def usable_lots(clinic_id: int, on: date) -> list[ProductLot]:
    """Lots with stock that have not expired: what the record form suggests."""
    return list(
        db.session.scalars(
            sa.select(ProductLot)
            .where(
                ProductLot.clinic_id == clinic_id,
                ProductLot.quantity_on_hand > 0,
                ProductLot.expires_on >= on,
                ProductLot.status == "active",
            )
            .order_by(ProductLot.expires_on, ProductLot.lot_number)
        )
    )


@dataclass(frozen=True)
class LotWarning:
    lot: ProductLot
    message: str


def stock_warnings(clinic_id: int, on: date) -> list[LotWarning]:
    """Low stock and expiry within 30 days (or already expired but still on hand)."""
    lots = db.session.scalars(
        sa.select(ProductLot)
        .where(ProductLot.clinic_id == clinic_id, ProductLot.quantity_on_hand > 0, ProductLot.status == "active")
        .order_by(ProductLot.expires_on)
    ).all()
    found = []
    for lot in lots:
        if lot.is_expired(on):
            found.append(LotWarning(lot, f"Lot {lot.lot_number} expired on {lot.expires_on:%d %b %Y}."))
        elif lot.expires_soon(on, EXPIRY_WARNING_DAYS):
            found.append(LotWarning(lot, f"Lot {lot.lot_number} expires on {lot.expires_on:%d %b %Y}."))
        if lot.low_stock:
            found.append(LotWarning(lot, f"Lot {lot.lot_number}: only {lot.quantity_on_hand} left."))
    return found
