"""Catalog changes made by admins. Services flush; the request commits."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from clinic.catalog.models import PrepSettings, Product, ProductLot, ProductTag, Protocol
from clinic.extensions import db
from clinic.validation import Invalid


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


def prep_settings(clinic_id: int, *, for_update: bool = False) -> PrepSettings:
    """The clinic's before-a-procedure settings; DOMAIN.md's defaults until an admin saves them (the row is
    added only `for_update`)."""
    settings = db.session.get(PrepSettings, clinic_id)
    if settings is None:
        settings = PrepSettings(clinic_id=clinic_id, pause_days=7, pause_tags="retinoid aha bha")
        settings.recent_laser_days, settings.antiviral_days = 14, 2
        if for_update:
            db.session.add(settings)
    return settings
