"""Recording what happened in a draft session: settings, areas, injection sites, products with lots.

`save_session` checks everything first and writes only when all of it is valid, so a refused save leaves
nothing half-written (and the view rolls back whatever a late failure, such as a lot running out, left).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from clinic.audit.services import record
from clinic.catalog.limits import clinic_limits
from clinic.catalog.models import Product
from clinic.catalog.stock import OutOfStock, draw, find_lot, give_back, lot_problem
from clinic.clinics.models import Clinic
from clinic.db import now_utc
from clinic.extensions import db
from clinic.photos.models import Photo
from clinic.photos.services import add_photo
from clinic.treatments import hooks
from clinic.treatments.errors import SessionSigned, StaleSession
from clinic.treatments.models import (
    MEASURE_PLACES,
    InjectionSite,
    SessionArea,
    SessionProduct,
    TreatmentSession,
)
from clinic.treatments.windows import apply_aftercare
from clinic.validation import Invalid

CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class ProductUse:
    product_id: int
    lot_number: str
    volume_ml: Decimal
    units_used: int = 1


class AreaSettings(NamedTuple):
    """One treated area and the settings used there (a plain ("Cheeks", depth) tuple works too)."""

    area: str
    needle_depth_mm: Decimal | None = None
    passes: int | None = None
    laser_wavelength_nm: int | None = None
    laser_fluence_j_cm2: Decimal | None = None
    laser_spot_size_mm: Decimal | None = None


class SiteSettings(NamedTuple):
    site: str
    volume_ml: Decimal | None
    depth_mm: Decimal | None = None


#: Per-area settings checked against the clinic's accepted ranges: attribute → (limit code, unit).
AREA_SETTINGS = {
    "needle_depth_mm": ("needle_depth_mm", "mm"),
    "passes": ("passes", "passes"),
    "laser_wavelength_nm": ("laser_wavelength_nm", "nm"),
    "laser_fluence_j_cm2": ("laser_fluence_j_cm2", "J/cm²"),
    "laser_spot_size_mm": ("laser_spot_size_mm", "mm"),
}


@dataclass
class SessionDetails:
    started_at: datetime
    ended_at: datetime | None = None
    assistant_id: int | None = None
    device: str | None = None
    anaesthetic: str | None = None
    areas: list[AreaSettings] = field(default_factory=list)
    injection_sites: list[SiteSettings] = field(default_factory=list)
    products: list[ProductUse] = field(default_factory=list)
    skin_response: str | None = None
    adverse_events: str | None = None
    notes: str | None = None


SCALAR_FIELDS = (
    "started_at",
    "ended_at",
    "assistant_id",
    "device",
    "anaesthetic",
    "skin_response",
    "adverse_events",
    "notes",
)


def require_draft(session: TreatmentSession) -> None:
    if session.is_signed:
        raise SessionSigned


def range_problem(limits: dict, kind: str, value, unit: str) -> str | None:
    """Out of the clinic's accepted range, or more decimal places than are stored (never rounded away)."""
    if value is None:
        return None
    number = Decimal(value)
    if not number.is_finite():
        return "Enter a number."
    low, high = limits[kind]
    if not (low <= number <= high):
        return f"Must be between {low} and {high} {unit}."
    if -number.normalize().as_tuple().exponent > MEASURE_PLACES:
        return f"Enter at most {MEASURE_PLACES} decimal places."
    return None


def _check_times(d: SessionDetails, problems: dict[str, str]) -> None:
    latest = now_utc() + CLOCK_SKEW
    if d.started_at > latest:
        problems["started_at"] = "The start cannot be in the future."
    if d.ended_at is not None:
        if d.ended_at > latest:
            problems["ended_at"] = "The end cannot be in the future."
        elif d.ended_at < d.started_at:
            problems["ended_at"] = "The end must be after the start."


def _check_settings(d: SessionDetails, problems: dict[str, str], limits: dict) -> None:
    for i, row in enumerate(d.areas):
        if not row.area:
            problems[f"areas-{i}-area"] = "Name the area treated."
        for name, (code, unit) in AREA_SETTINGS.items():
            if problem := range_problem(limits, code, getattr(row, name), unit):
                problems[f"areas-{i}-{name}"] = problem
    for i, row in enumerate(d.injection_sites):
        if not row.site:
            problems[f"injection_sites-{i}-site"] = "Name the injection site."
        if row.volume_ml is None:
            problems[f"injection_sites-{i}-volume_ml"] = "Enter the volume injected at this site."
        elif problem := range_problem(limits, "injection_volume_ml", row.volume_ml, "ml per site"):
            problems[f"injection_sites-{i}-volume_ml"] = problem
        if problem := range_problem(limits, "injection_depth_mm", row.depth_mm, "mm"):
            problems[f"injection_sites-{i}-depth_mm"] = problem


def _check_products(session: TreatmentSession, d: SessionDetails, problems: dict[str, str], limits: dict) -> list:
    """Resolve each product use to (product, lot, use); collect problems beside the right field."""
    resolved = []
    on = d.started_at.astimezone(db.session.get(Clinic, session.clinic_id).zone).date()
    for i, use in enumerate(d.products):
        product = db.session.get(Product, use.product_id)
        if product is None or product.clinic_id != session.clinic_id:
            problems[f"products-{i}-product_id"] = "Choose a product of this clinic."
            continue
        if use.volume_ml is None:
            problems[f"products-{i}-volume_ml"] = "Enter the volume applied."
        elif problem := range_problem(limits, "product_volume_ml", use.volume_ml, "ml"):
            problems[f"products-{i}-volume_ml"] = problem
        if problem := range_problem(limits, "units_used", use.units_used, "units"):
            problems[f"products-{i}-units_used"] = problem
        if not use.lot_number:
            problems[f"products-{i}-lot_number"] = "Enter the lot number from the vial."
            continue
        lot = find_lot(session.clinic_id, use.lot_number)
        if problem := lot_problem(lot, use.lot_number, product, on):
            problems[f"products-{i}-lot_number"] = problem
            continue
        resolved.append((i, product, lot, use))
    return resolved


def _replace_products(session: TreatmentSession, resolved: list) -> None:
    for old in session.products:
        give_back(old.lot_id, old.units_used)
    session.products = []
    db.session.flush()
    problems = {}
    for i, product, lot, use in resolved:
        try:
            draw(lot, use.units_used)
        except OutOfStock:
            db.session.refresh(lot)
            problems[f"products-{i}-lot_number"] = (
                lot_problem(lot, lot.lot_number, product, lot.expires_on)
                or f"Lot {lot.lot_number} has only {lot.quantity_on_hand} unit(s) left."
            )
            continue
        session.products.append(
            SessionProduct(
                position=i,
                product_id=product.id,
                lot_id=lot.id,
                volume_ml=use.volume_ml,
                units_used=use.units_used,
            )
        )
    if problems:
        raise Invalid(problems)  # the view rolls back: stock returns to what it was


def save_session(session: TreatmentSession, d: SessionDetails, *, loaded_version: int, user) -> None:
    """Write the session's record from `d`; refuse a signed session, a stale form, or any invalid value."""
    require_draft(session)
    if session.version != loaded_version:
        raise StaleSession
    d.areas = [AreaSettings(*row) for row in d.areas]
    d.injection_sites = [SiteSettings(*row) for row in d.injection_sites]
    problems: dict[str, str] = {}
    _check_times(d, problems)
    limits = clinic_limits(session.clinic_id)
    _check_settings(d, problems, limits)
    resolved = _check_products(session, d, problems, limits)
    if problems:
        raise Invalid(problems)
    for name in SCALAR_FIELDS:
        setattr(session, name, getattr(d, name))
    session.areas = [SessionArea(position=i, **row._asdict()) for i, row in enumerate(d.areas)]
    session.injection_sites = [InjectionSite(position=i, **row._asdict()) for i, row in enumerate(d.injection_sites)]
    _replace_products(session, resolved)
    apply_aftercare(session)
    hooks.session_recorded(session, user)
    session.updated_at = now_utc()  # always bumps `version`, even when only child rows changed
    db.session.flush()
    record(
        "treatment.update",
        patient_id=session.patient_id,
        object_type="treatment_session",
        object_id=session.id,
        user=user,
    )


def add_session_photo(session: TreatmentSession, user, *, upload, view: str, phase: str) -> Photo:
    """A photo of a draft session; a signed session takes no more photos (SessionSigned)."""
    require_draft(session)
    return add_photo(session, user, upload=upload, view=view, phase=phase)
