"""Signing, verifying and amending sessions.

Signing freezes a canonical JSON of the session (its fields, rows, pre-check and aftercare) and stores its
SHA-256; `verify_signature` recomputes it. Amendments chain their own hashes onto it (treatments.amendments).
Two dermatologists signing at once: the conditional UPDATE
(`status = 'draft' AND version = loaded`) lets exactly one win.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from clinic.audit.services import record
from clinic.catalog.models import EXOSOME_SOURCES
from clinic.db import now_utc
from clinic.extensions import db
from clinic.photos.services import session_photos
from clinic.roles import Role
from clinic.treatments.errors import SessionSigned, StaleSession
from clinic.treatments.hooks import session_signed
from clinic.treatments.models import TreatmentSession
from clinic.validation import Invalid

SIGNED_FIELDS = (
    "id",
    "clinic_id",
    "patient_id",
    "procedure_id",
    "provider_id",
    "assistant_id",
    "started_at",
    "ended_at",
    "precheck",
    "consent_id",
    "device",
    "passes",
    "anaesthetic",
    "laser_wavelength_nm",
    "laser_fluence_j_cm2",
    "laser_spot_size_mm",
    "skin_response",
    "adverse_events",
    "notes",
)


class NotAllowed(Exception):
    pass


def plain(value):
    """The canonical JSON form of a recorded value (Decimals normalised, times in UTC ISO form)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def any_set(values: tuple) -> bool:
    return any(v is not None for v in values)


def signed_content(session: TreatmentSession, signed_by_id: int, signed_at: datetime) -> dict:
    return {
        **{name: plain(getattr(session, name)) for name in SIGNED_FIELDS},
        # Per-area settings and site depths are appended only when recorded, so records signed before they
        # existed (migration 0053) hash exactly as they did.
        "areas": [
            [a.area, plain(a.needle_depth_mm)] + ([plain(v) for v in a.settings] if any_set(a.settings) else [])
            for a in session.areas
        ],
        "injection_sites": [
            [s.site, plain(s.volume_ml)] + ([plain(s.depth_mm)] if s.depth_mm is not None else [])
            for s in session.injection_sites
        ],
        "products": [[p.product_id, p.lot_id, plain(p.volume_ml), p.units_used] for p in session.products],
        "aftercare": [
            [a.action, a.ingredient_tag, a.label, plain(a.starts_at), plain(a.ends_at)] for a in session.aftercare
        ],
        "photos": [[p.view, p.phase, p.sha256] for p in session_photos(session.id)],
        "signed_by_id": signed_by_id,
        "signed_at": plain(signed_at),
    }


def content_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def source_not_consented(session: TreatmentSession) -> str | None:
    """Why the session's consent does not cover the exosome source of a lot it used, or None.

    Consents signed before sources were recorded (`product_sources` None) name them in their text only and
    are not checked here."""
    consent = session.consent
    if consent is None or consent.product_sources is None:
        return None
    for used in session.products:
        source = used.lot.declared_source
        if source is not None and source not in consent.product_sources:
            named = ", ".join(EXOSOME_SOURCES.get(s, s) for s in consent.product_sources) or "no source"
            return (
                f"Lot {used.lot.lot_number} is {EXOSOME_SOURCES.get(source, source).lower()}, but the patient's "
                f"consent names {named.lower()}. The patient must sign a new consent naming this source before "
                "the session can be signed."
            )
    return None


def sign_session(session: TreatmentSession, user, *, loaded_version: int) -> str | None:
    """Sign as `user` (a dermatologist) if the session is still the draft they looked at, and complete the
    appointment it was started from. Returns a note when that appointment had to be left as it was."""
    if user.role != Role.DERMATOLOGIST:
        raise NotAllowed("Only a dermatologist can sign a session.")
    if session.is_signed:
        raise SessionSigned("This session is already signed.")
    if session.ended_at is None:
        raise Invalid({"ended_at": "Record when the session ended before signing."})
    if problem := source_not_consented(session):
        raise Invalid({"consent": problem})
    signed_at = now_utc().replace(microsecond=0)
    digest = content_hash(signed_content(session, user.id, signed_at))
    result = db.session.execute(
        sa.update(TreatmentSession)
        .where(
            TreatmentSession.id == session.id,
            TreatmentSession.status == "draft",
            TreatmentSession.version == loaded_version,
        )
        .values(
            status="signed",
            signed_at=signed_at,
            signed_by_id=user.id,
            signature_sha256=digest,
            version=TreatmentSession.version + 1,
            updated_at=now_utc(),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleSession
    db.session.expire(session)
    record(
        "treatment.sign",
        patient_id=session.patient_id,
        object_type="treatment_session",
        object_id=session.id,
        user=user,
    )
    return session_signed(session, user)


def verify_signature(session: TreatmentSession) -> bool:
    """True if the signed content still hashes to the stored signature."""
    if not session.is_signed or not session.signature_sha256:
        return False
    digest = content_hash(signed_content(session, session.signed_by_id, session.signed_at))
    return hmac.compare_digest(digest, session.signature_sha256)
