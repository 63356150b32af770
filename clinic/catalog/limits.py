"""Accepted ranges for recorded settings: DOMAIN.md's typical values, overridable per clinic by an admin
(the `TreatmentLimit` rows, defined here beside the rules that read them)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from clinic.db import Base
from clinic.extensions import db


class TreatmentLimit(Base):
    """A clinic's accepted range for one recorded setting (needle depth, volumes, laser settings...).

    Missing rows mean the default of catalog.limits.LIMIT_DEFAULTS.
    """

    __tablename__ = "treatment_limit"

    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    low: Mapped[Decimal] = mapped_column(sa.Numeric(10, 3))
    high: Mapped[Decimal] = mapped_column(sa.Numeric(10, 3))

    __table_args__ = (sa.CheckConstraint("low >= 0 AND low < high", name="range_order"),)


#: code: (label, unit, low, high)
LIMIT_DEFAULTS: dict[str, tuple[str, str, Decimal, Decimal]] = {
    "needle_depth_mm": ("Needle depth", "mm", Decimal("0.25"), Decimal("2.5")),
    "injection_volume_ml": ("Injection volume per site", "ml", Decimal("0.01"), Decimal("1.0")),
    "injection_depth_mm": ("Injection depth", "mm", Decimal("0.5"), Decimal("6")),
    "product_volume_ml": ("Product volume applied", "ml", Decimal("0.1"), Decimal("10")),
    "passes": ("Passes", "passes", Decimal(1), Decimal(10)),
    "laser_wavelength_nm": ("Laser wavelength", "nm", Decimal(300), Decimal(11000)),
    "laser_fluence_j_cm2": ("Laser fluence", "J/cm²", Decimal("0.1"), Decimal(200)),
    "laser_spot_size_mm": ("Laser spot size", "mm", Decimal("0.1"), Decimal(30)),
    "units_used": ("Units drawn from a lot", "units", Decimal(1), Decimal(20)),
}


def clinic_limits(clinic_id: int) -> dict[str, tuple[Decimal, Decimal]]:
    """(low, high) per code: the clinic's rows over the defaults."""
    limits = {code: (low, high) for code, (_, _, low, high) in LIMIT_DEFAULTS.items()}
    for row in db.session.scalars(sa.select(TreatmentLimit).where(TreatmentLimit.clinic_id == clinic_id)):
        if row.code in limits:
            limits[row.code] = (Decimal(row.low).normalize(), Decimal(row.high).normalize())
    return limits


def set_limit(clinic_id: int, code: str, low: Decimal, high: Decimal) -> TreatmentLimit:
    if code not in LIMIT_DEFAULTS:
        raise KeyError(code)
    row = db.session.get(TreatmentLimit, (clinic_id, code)) or TreatmentLimit(clinic_id=clinic_id, code=code)
    row.low, row.high = low, high
    db.session.add(row)
    db.session.flush()
    return row
