"""The public calendar-feed URL: the token is the only credential; unknown or revoked tokens are 404."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from clinic.access import public
from clinic.audit.services import record
from clinic.clinics.models import Clinic
from clinic.extensions import db, limiter
from clinic.scheduling import feeds

bp = Blueprint("calendar_feeds", __name__, url_prefix="/calendar")


@bp.get("/<token>.ics")
@public
@limiter.limit("60 per minute")
def feed(token: str):
    found = feeds.find_feed(token) if len(token) < 100 else None
    if found is None:
        abort(404)
    clinic = db.session.get(Clinic, found.clinic_id)
    body = feeds.calendar_for(feeds.feed_appointments(found), clinic)
    record(
        "calendar.feed",
        patient_id=found.patient_id,
        object_type="calendar_feed",
        object_id=found.id,
        clinic_id=clinic.id,
        detail="provider feed" if found.provider_id else "patient feed",
    )
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, no-store"})
