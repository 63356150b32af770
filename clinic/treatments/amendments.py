"""Amendments to a signed session: any recorded field can be corrected, each correction is dated, has an
author and a reason, and is chained to the signature.

The chain: every amendment stores `previous_sha256` (the session's signature for the first, else the previous
amendment's hash) and `sha256`, the hash of its own content including that link. Changing, removing or
reordering an amendment breaks the chain; `chain_problem` finds it and `flask treatments verify-signatures`
reports it. A unique (session, previous hash) pair stops two concurrent amendments from forking the chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from clinic.audit.services import record
from clinic.catalog.limits import clinic_limits
from clinic.clinics.models import Clinic
from clinic.db import now_utc
from clinic.extensions import db
from clinic.roles import Role
from clinic.treatments.models import Amendment, TreatmentSession
from clinic.treatments.services import range_problem
from clinic.treatments.signing import NotAllowed, content_hash, plain
from clinic.validation import Invalid


@dataclass(frozen=True)
class AmendableField:
    label: str
    kind: str  # text | name | int | measure | datetime
    limit: str | None = None  # a treatments.limits code for int/measure values
    unit: str = ""


#: Fields of the session itself (session-wide passes and laser settings exist only in records signed before
#: settings became per area; they stay amendable there).
SESSION_FIELDS: dict[str, AmendableField] = {
    "started_at": AmendableField("Start time", "datetime"),
    "ended_at": AmendableField("End time", "datetime"),
    "device": AmendableField("Device", "text"),
    "passes": AmendableField("Passes", "int", "passes", "passes"),
    "anaesthetic": AmendableField("Anaesthetic", "text"),
    "laser_wavelength_nm": AmendableField("Laser wavelength (nm)", "int", "laser_wavelength_nm", "nm"),
    "laser_fluence_j_cm2": AmendableField("Laser fluence (J/cm²)", "measure", "laser_fluence_j_cm2", "J/cm²"),
    "laser_spot_size_mm": AmendableField("Laser spot size (mm)", "measure", "laser_spot_size_mm", "mm"),
    "skin_response": AmendableField("Skin response", "text"),
    "adverse_events": AmendableField("Adverse events", "text"),
    "notes": AmendableField("Notes", "text"),
}
LEGACY_SESSION_SETTINGS = ("passes", "laser_wavelength_nm", "laser_fluence_j_cm2", "laser_spot_size_mm")
#: Fields of each recorded row: (collection, attribute) → field; keys look like "areas-0-needle_depth_mm".
ROW_FIELDS: dict[tuple[str, str], AmendableField] = {
    ("areas", "area"): AmendableField("Area {n}: name", "name"),
    ("areas", "needle_depth_mm"): AmendableField("Area {n}: needle depth (mm)", "measure", "needle_depth_mm", "mm"),
    ("areas", "passes"): AmendableField("Area {n}: passes", "int", "passes", "passes"),
    ("areas", "laser_wavelength_nm"): AmendableField(
        "Area {n}: laser wavelength (nm)", "int", "laser_wavelength_nm", "nm"
    ),
    ("areas", "laser_fluence_j_cm2"): AmendableField(
        "Area {n}: laser fluence (J/cm²)", "measure", "laser_fluence_j_cm2", "J/cm²"
    ),
    ("areas", "laser_spot_size_mm"): AmendableField(
        "Area {n}: laser spot size (mm)", "measure", "laser_spot_size_mm", "mm"
    ),
    ("injection_sites", "site"): AmendableField("Injection site {n}: name", "name"),
    ("injection_sites", "volume_ml"): AmendableField(
        "Injection site {n}: volume (ml)", "measure", "injection_volume_ml", "ml per site"
    ),
    ("injection_sites", "depth_mm"): AmendableField(
        "Injection site {n}: depth (mm)", "measure", "injection_depth_mm", "mm"
    ),
    ("products", "volume_ml"): AmendableField("Product {n}: volume (ml)", "measure", "product_volume_ml", "ml"),
}


def amendable_fields(session: TreatmentSession) -> dict[str, AmendableField]:
    """Every recorded field of this session that an amendment may correct, keyed as the record form names it."""
    fields = {
        key: spec
        for key, spec in SESSION_FIELDS.items()
        if key not in LEGACY_SESSION_SETTINGS or getattr(session, key) is not None
    }
    for (collection, attribute), spec in ROW_FIELDS.items():
        for index, _row in enumerate(getattr(session, collection)):
            label = spec.label.format(n=index + 1)
            fields[f"{collection}-{index}-{attribute}"] = AmendableField(label, spec.kind, spec.limit, spec.unit)
    return fields


def _recorded(session: TreatmentSession, key: str):
    if key in SESSION_FIELDS:
        return getattr(session, key)
    collection, index, attribute = key.split("-", 2)
    return getattr(getattr(session, collection)[int(index)], attribute)


def signed_value(session: TreatmentSession, key: str) -> str | None:
    """The value as signed, in the canonical text form amendments store (Decimals normalised, times UTC)."""
    value = plain(_recorded(session, key))
    return None if value is None else str(value)


def current_value(session: TreatmentSession, key: str) -> str | None:
    """The value after every amendment so far (the signed value if none)."""
    value = signed_value(session, key)
    for amendment in session.amendments:
        for change in amendment.changes:
            if change["field"] == key:
                value = change["new"]
    return value


def _parse(session: TreatmentSession, spec: AmendableField, raw: str | None) -> str | None:
    """The canonical text of a corrected value, or Invalid beside `new_value`."""
    text = (raw or "").strip()
    if not text:
        if spec.kind == "name":
            raise Invalid({"new_value": "A recorded row keeps a name; correct it rather than empty it."})
        return None
    if spec.kind in ("text", "name"):
        return text
    if spec.kind == "datetime":
        try:
            local = datetime.fromisoformat(text.replace(" ", "T"))
        except ValueError:
            raise Invalid({"new_value": "Enter a date and time as YYYY-MM-DD HH:MM (clinic time)."}) from None
        zone = db.session.get(Clinic, session.clinic_id).zone
        moment = (local if local.tzinfo else local.replace(tzinfo=zone)).astimezone(UTC)
        if moment > now_utc():
            raise Invalid({"new_value": "The time cannot be in the future."})
        return moment.isoformat()
    try:
        number = Decimal(text) if spec.kind == "measure" else Decimal(int(text))
    except (InvalidOperation, ValueError):
        message = "Enter a number." if spec.kind == "measure" else "Enter a whole number."
        raise Invalid({"new_value": message}) from None
    if problem := range_problem(clinic_limits(session.clinic_id), spec.limit, number, spec.unit):
        raise Invalid({"new_value": problem})
    return str(plain(number))


def amendment_content(amendment: Amendment) -> dict:
    """What an amendment's hash covers: its content and the hash it follows."""
    return {
        "session_id": amendment.session_id,
        "author_id": amendment.author_id,
        "created_at": plain(amendment.created_at),
        "reason": amendment.reason,
        "changes": amendment.changes,
        "previous_sha256": amendment.previous_sha256,
    }


def _chain_head(session: TreatmentSession) -> str:
    """The hash the next amendment follows: the end of the chain from the signature (links, not timestamps,
    give the order: two amendments can share a second)."""
    by_previous = {a.previous_sha256: a for a in session.amendments}
    link = session.signature_sha256
    while link in by_previous:
        link = by_previous[link].sha256
    return link


def amend_session(session: TreatmentSession, user, *, field: str, new_value: str | None, reason: str) -> Amendment:
    """Add a dated, hashed correction under a signed session; the signed record itself never changes."""
    if user.role != Role.DERMATOLOGIST:
        raise NotAllowed("Only a dermatologist can amend a session.")
    if not session.is_signed:
        raise Invalid({"field": "A draft is edited directly; only signed sessions are amended."})
    fields = amendable_fields(session)
    problems = {}
    if field not in fields:
        problems["field"] = "Choose a field to correct."
    if len((reason or "").strip()) < 5:
        problems["reason"] = "Say why the record is corrected (at least 5 characters)."
    if problems:
        raise Invalid(problems)
    new = _parse(session, fields[field], new_value)
    old = current_value(session, field)
    if new == old:
        raise Invalid({"new_value": "The new value is the same as the current one."})
    amendment = Amendment(
        session_id=session.id,
        author_id=user.id,
        created_at=now_utc().replace(microsecond=0),
        reason=reason.strip(),
        changes=[{"field": field, "old": old, "new": new}],
        previous_sha256=_chain_head(session),
    )
    amendment.sha256 = content_hash(amendment_content(amendment))
    session.amendments.append(amendment)
    db.session.flush()
    record(
        "treatment.amend",
        patient_id=session.patient_id,
        object_type="treatment_session",
        object_id=session.id,
        user=user,
        detail=f"field={field}",
    )
    return amendment


def chain_problem(session: TreatmentSession) -> str | None:
    """None if the amendments form one unbroken chain from the signature; else what is wrong."""
    if not session.amendments:
        return None
    by_previous: dict[str, Amendment] = {}
    for amendment in session.amendments:
        if content_hash(amendment_content(amendment)) != amendment.sha256:
            return f"amendment {amendment.id} no longer matches its hash"
        if amendment.previous_sha256 in by_previous:
            return f"amendments {by_previous[amendment.previous_sha256].id} and {amendment.id} fork the chain"
        by_previous[amendment.previous_sha256] = amendment
    link, seen = session.signature_sha256, 0
    while link in by_previous:
        link, seen = by_previous[link].sha256, seen + 1
    if seen != len(session.amendments):
        return "an amendment does not follow from the signature or the amendment before it"
    return None
