"""iCalendar (RFC 5545) feeds of appointments, built with the `icalendar` library.

A feed lives at an unguessable token URL: 256 random bits, of which only the SHA-256 is stored. A new feed
replaces the owner's old one; a revoked token is simply not found. Events carry no medical details: the
summary is "Appointment at <clinic>", with no procedure, provider notes or patient name.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Response, has_request_context, request
from icalendar import Alarm, Calendar, Event

from clinic.audit.services import record
from clinic.clinics.models import Clinic
from clinic.db import now_utc
from clinic.extensions import db
from clinic.scheduling.models import Appointment, FeedToken

FEED_HISTORY_DAYS = 90
ICS_STATUS = {"cancelled": "CANCELLED", "no_show": "CANCELLED"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(clinic_id: int, *, patient_id: int | None = None, provider_id: int | None = None) -> str:
    """Revoke the owner's current feed and return the raw token of a new one (shown once)."""
    revoke_feeds(clinic_id, patient_id=patient_id, provider_id=provider_id)
    token = secrets.token_urlsafe(32)
    db.session.add(
        FeedToken(clinic_id=clinic_id, token_hash=_hash(token), patient_id=patient_id, provider_id=provider_id)
    )
    db.session.flush()
    return token


def revoke_feeds(clinic_id: int, *, patient_id: int | None = None, provider_id: int | None = None) -> int:
    owner = FeedToken.patient_id == patient_id if patient_id else FeedToken.provider_id == provider_id
    result = db.session.execute(
        sa.update(FeedToken)
        .where(FeedToken.clinic_id == clinic_id, owner, FeedToken.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    )
    return result.rowcount


def active_feed(clinic_id: int, *, patient_id: int | None = None, provider_id: int | None = None) -> FeedToken | None:
    owner = FeedToken.patient_id == patient_id if patient_id else FeedToken.provider_id == provider_id
    return db.session.scalar(
        sa.select(FeedToken).where(FeedToken.clinic_id == clinic_id, owner, FeedToken.revoked_at.is_(None))
    )


def find_feed(token: str) -> FeedToken | None:
    """The live feed for a raw token, or None (unknown or revoked)."""
    return db.session.scalar(
        sa.select(FeedToken).where(FeedToken.token_hash == _hash(token), FeedToken.revoked_at.is_(None))
    )


def feed_appointments(feed: FeedToken, now: datetime | None = None) -> list[Appointment]:
    since = (now or datetime.now(UTC)) - timedelta(days=FEED_HISTORY_DAYS)
    owner = (
        Appointment.patient_id == feed.patient_id if feed.patient_id else Appointment.provider_id == feed.provider_id
    )
    return list(
        db.session.scalars(
            sa.select(Appointment)
            .where(Appointment.clinic_id == feed.clinic_id, owner, Appointment.starts_at >= since)
            .order_by(Appointment.starts_at)
        )
    )


def _domain() -> str:
    return request.host.split(":")[0] if has_request_context() else "clinic.invalid"


def _event(appointment: Appointment, clinic: Clinic) -> Event:
    zone = clinic.zone
    event = Event()
    event.add("uid", f"appointment-{appointment.id}@{_domain()}")
    event.add("dtstamp", (appointment.updated_at or now_utc()).astimezone(UTC))
    event.add("dtstart", appointment.starts_at.astimezone(zone))
    event.add("dtend", appointment.ends_at.astimezone(zone))
    event.add("summary", f"Appointment at {clinic.name}")
    if clinic.address:
        event.add("location", clinic.address)
    event.add("status", ICS_STATUS.get(appointment.status, "CONFIRMED"))
    event.add("sequence", appointment.reschedule_count + (1 if appointment.status in ICS_STATUS else 0))
    if appointment.status not in ICS_STATUS:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Appointment at {clinic.name}")
        alarm.add("trigger", timedelta(hours=-2))
        event.add_component(alarm)
    return event


def calendar_for(appointments: list[Appointment], clinic: Clinic, name: str | None = None) -> bytes:
    """An RFC 5545 calendar of the appointments, with the VTIMEZONE of the clinic's zone."""
    cal = Calendar()
    cal.add("prodid", "-//Clinic//Scheduling//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name or f"Appointments at {clinic.name}")
    for appointment in appointments:
        cal.add_component(_event(appointment, clinic))
    if appointments:
        cal.add_missing_timezones()
    return cal.to_ical()


def appointment_download(appointment: Appointment, clinic: Clinic, *, where: str) -> Response:
    """One appointment as an `.ics` attachment; the export is audited (`where`: "staff" or "portal")."""
    record(
        "appointment.export",
        patient_id=appointment.patient_id,
        object_type="appointment",
        object_id=appointment.id,
        detail=f"ics {where}",
    )
    return Response(
        calendar_for([appointment], clinic),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="appointment-{appointment.id}.ics"'},
    )
