"""Glue between forms and services: local ↔ UTC times, form ↔ SessionDetails, problems beside fields."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from clinic.auth.models import User
from clinic.catalog.models import Product
from clinic.clinics.services import clinic_zone, to_clinic_local, to_clinic_utc
from clinic.extensions import db
from clinic.photos.forms import PhotoForm
from clinic.photos.services import has_photo_consent, session_photos
from clinic.roles import CLINICAL_STAFF
from clinic.treatments.amendments import amendable_fields, chain_problem
from clinic.treatments.forms import AmendForm, ScoreForm, SessionForm, SignForm
from clinic.treatments.models import TreatmentSession
from clinic.treatments.scores import MASI_REGIONS
from clinic.treatments.services import AreaSettings, ProductUse, SessionDetails, SiteSettings
from clinic.treatments.signing import verify_signature

#: The record form's fields of an area row: the name, then its settings.
AREA_FIELDS = AreaSettings._fields


def setup_session_form(form: SessionForm, session: TreatmentSession) -> None:
    staff = db.session.scalars(
        sa.select(User)
        .where(User.clinic_id == session.clinic_id, User.active, User.role.in_([r.value for r in CLINICAL_STAFF]))
        .order_by(User.full_name)
    )
    form.assistant_id.choices = [(0, "None")] + [(u.id, u.full_name) for u in staff]
    products = db.session.scalars(
        sa.select(Product)
        .where(Product.clinic_id == session.clinic_id, Product.active, Product.use.in_(("in_office", "both")))
        .order_by(Product.brand, Product.name)
    )
    choices = [(0, "None")] + [(p.id, p.display_name) for p in products]
    for entry in form.products:
        entry.product_id.choices = choices


def fill_session_form(form: SessionForm, s: TreatmentSession) -> None:
    """Put the saved draft into the form (the FieldLists keep their empty rows after the saved ones)."""
    form.version.data = str(s.version)
    form.started_at.data, form.ended_at.data = to_clinic_local(s.started_at), to_clinic_local(s.ended_at)
    form.assistant_id.data = s.assistant_id or 0
    for name in ("device", "anaesthetic", "skin_response", "adverse_events", "notes"):
        form[name].data = getattr(s, name)
    for rows, saved in ((form.areas, s.areas), (form.injection_sites, s.injection_sites), (form.products, s.products)):
        while len(rows) < len(saved) + 1:  # the saved rows, then one empty row
            rows.append_entry()
    for entry, row in zip(form.areas, s.areas, strict=False):
        for name in AREA_FIELDS:
            entry[name].data = getattr(row, name)
    for entry, row in zip(form.injection_sites, s.injection_sites, strict=False):
        entry.site.data, entry.volume_ml.data, entry.depth_mm.data = row.site, row.volume_ml, row.depth_mm
    for entry, row in zip(form.products, s.products, strict=False):
        entry.product_id.data, entry.lot_number.data = row.product_id, row.lot.lot_number
        entry.volume_ml.data, entry.units_used.data = row.volume_ml, row.units_used


def details_from_form(form: SessionForm) -> SessionDetails:
    """Rows left empty are skipped; a half-filled row keeps its index so problems land beside it."""
    d = SessionDetails(
        started_at=to_clinic_utc(form.started_at.data),
        ended_at=to_clinic_utc(form.ended_at.data),
        assistant_id=form.assistant_id.data or None,
    )
    for name in ("device", "anaesthetic", "skin_response", "adverse_events", "notes"):
        setattr(d, name, (form[name].data or "").strip() or None)
    d.areas = [
        AreaSettings((e.area.data or "").strip(), *(e[name].data for name in AREA_FIELDS[1:]))
        for e in form.areas
        if (e.area.data or "").strip() or any(e[name].data is not None for name in AREA_FIELDS[1:])
    ]
    d.injection_sites = [
        SiteSettings((e.site.data or "").strip(), e.volume_ml.data, e.depth_mm.data)
        for e in form.injection_sites
        if (e.site.data or "").strip() or e.volume_ml.data is not None or e.depth_mm.data is not None
    ]
    d.products = [
        ProductUse(
            product_id=e.product_id.data or 0,
            lot_number=(e.lot_number.data or "").strip(),
            volume_ml=e.volume_ml.data,
            units_used=e.units_used.data or 1,
        )
        for e in form.products
        if e.product_id.data or (e.lot_number.data or "").strip()
    ]
    return d


def score_inputs(form: ScoreForm) -> tuple[str | None, dict | None]:
    if form.scale.data not in ("masi", "mmasi"):
        return form.value.data, None
    parts = ("area", "darkness") + (("homogeneity",) if form.scale.data == "masi" else ())
    return None, {region: {part: form[f"{region}_{part}"].data for part in parts} for region in MASI_REGIONS}


def setup_amend_form(form: AmendForm, session: TreatmentSession) -> AmendForm:
    """Offer every recorded field of this session (rows included) for correction."""
    form.field.choices = [("", "Choose…")] + [(key, f.label) for key, f in amendable_fields(session).items()]
    return form


def shown_change(session: TreatmentSession, key: str, value: str | None) -> str:
    """An amended value as staff read it: times in the clinic's zone, everything else as stored."""
    if value is None:
        return "—"
    spec = amendable_fields(session).get(key)
    if spec is not None and spec.kind == "datetime":
        return datetime.fromisoformat(value).astimezone(clinic_zone()).strftime("%a %d %b %Y, %H:%M")
    return value


def session_page_context(session: TreatmentSession, amend_form: AmendForm | None = None) -> dict:
    fields = amendable_fields(session)
    return {
        "session": session,
        "sign_form": SignForm(version=str(session.version)),
        "amend_form": amend_form or setup_amend_form(AmendForm(), session),
        "signature_ok": verify_signature(session) if session.is_signed else None,
        "chain_problem": chain_problem(session) if session.is_signed else None,
        "amendable": {key: f.label for key, f in fields.items()},
        "shown_change": lambda key, value: shown_change(session, key, value),
        "photos": session_photos(session.id),
        "photo_form": PhotoForm(),
        "photo_consent": has_photo_consent(session.patient_id) if not session.is_signed else None,
    }
