"""Waitlist offer links: a signed token naming the waitlist entry and the offered start.

The token is the patient's authority (no portal login: many waiting patients have no portal account), so it is
- signed with the app's secret (itsdangerous, its own salt), unguessable and unforgeable;
- expiring: `OFFER_VALID_HOURS` after it was issued, and never after the offered time has begun;
- single-use: it is valid only while the entry is still waiting with that very slot offered. Booking marks
  the entry booked; a lost race clears the offer; a newer offer replaces it. Any of these ends the token.
Booking itself is in `scheduling.waitlist_offers` (this module must not import the booking service:
`notifications` builds the link, and booking imports `notifications`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from clinic.auth.models import User
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.scheduling.models import WaitlistEntry
from clinic.urls import external_url

OFFER_VALID_HOURS = 24
_SALT = "waitlist-offer"


class OfferInvalid(Exception):
    """The link is not (or no longer) good; the message is safe to show to anyone holding it."""


@dataclass
class Offer:
    entry: WaitlistEntry
    clinic: Clinic
    provider: User
    starts_at: datetime


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _stamp(starts_at: datetime) -> str:
    return starts_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def offer_token(entry: WaitlistEntry) -> str:
    return _serializer().dumps({"e": entry.id, "s": _stamp(entry.match_starts_at)})


def offer_link(entry: WaitlistEntry) -> str:
    """The absolute link for the e-mail, from the configured CLINIC_BASE_URL (never the request's Host)."""
    return external_url("waitlist_offer.offer", token=offer_token(entry))


def load_offer(token: str, now: datetime | None = None) -> Offer:
    """The offer the token stands for, or OfferInvalid saying why not."""
    now = now or datetime.now(UTC)
    try:
        data = _serializer().loads(token, max_age=OFFER_VALID_HOURS * 3600)
    except SignatureExpired as error:
        raise OfferInvalid(gettext("This offer has expired. You are still on the waitlist.")) from error
    except BadSignature as error:
        raise OfferInvalid(gettext("This link is not valid.")) from error
    entry = db.session.get(WaitlistEntry, data.get("e")) if isinstance(data, dict) else None
    if entry is None:
        raise OfferInvalid(gettext("This link is not valid."))
    if entry.status == "booked":
        raise OfferInvalid(gettext("This offer has already been used."))
    if entry.status != "waiting" or entry.match_starts_at is None or _stamp(entry.match_starts_at) != data.get("s"):
        raise OfferInvalid(
            gettext("This time is no longer offered to you (it was taken, or a newer time was offered).")
        )
    if entry.match_starts_at <= now:
        raise OfferInvalid(gettext("This time has already passed."))
    return Offer(entry, db.session.get(Clinic, entry.clinic_id), entry.match_provider, entry.match_starts_at)


def expires_at(token: str) -> datetime | None:
    try:
        _, issued = _serializer().loads(token, return_timestamp=True)
    except BadSignature:
        return None
    return issued + timedelta(hours=OFFER_VALID_HOURS)
