"""One-click booking of a freed slot offered to a waiting patient (the link's token: `offer_tokens`).

Opening the link only shows a confirmation page (mail scanners pre-fetch links); booking needs a POST.
First come, first served: the booking service takes the same lock and constraints as any booking.
"""

from __future__ import annotations

from datetime import datetime

from clinic.extensions import db
from clinic.scheduling.booking import book_appointment
from clinic.scheduling.models import Appointment, WaitlistEntry
from clinic.scheduling.offer_tokens import Offer


def accept(offer: Offer, now: datetime | None = None) -> Appointment:
    """Book the offered slot for the patient; SchedulingError if it is gone (the caller rolls back and then
    calls `withdraw`)."""
    entry = offer.entry
    return book_appointment(
        clinic=offer.clinic,
        patient=entry.patient,
        appointment_type=entry.appointment_type,
        provider=offer.provider,
        starts_at=offer.starts_at,
        booked_via="portal",
        now=now,
    )


def withdraw(entry_id: int) -> None:
    """The offered slot is gone: clear it, so the link stops working and the entry can be offered the next."""
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is not None and entry.status == "waiting":
        entry.match_starts_at, entry.match_provider_id = None, None
        db.session.flush()
