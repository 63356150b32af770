"""iCalendar feeds: parse back with icalendar, times across DST changes, no medical details, revocation."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from icalendar import Calendar

from clinic.extensions import db
from clinic.scheduling import feeds
from clinic.scheduling.booking import book_appointment
from tests.factories import make_patient, make_user
from tests.scheduling.factories import at, setup_clinic

BOOKED_AT = datetime(2026, 1, 5, tzinfo=UTC)
FEED_READ_AT = datetime(2026, 2, 1, tzinfo=UTC)
# 10:00 local on the Friday before and the Monday after each change, with the UTC instant written out.
CASES = {
    "America/New_York": [
        (date(2026, 3, 6), "2026-03-06T15:00"),
        (date(2026, 3, 9), "2026-03-09T14:00"),
        (date(2026, 10, 30), "2026-10-30T14:00"),
        (date(2026, 11, 2), "2026-11-02T15:00"),
    ],
    "Europe/London": [
        (date(2026, 3, 27), "2026-03-27T10:00"),
        (date(2026, 3, 30), "2026-03-30T09:00"),
        (date(2026, 10, 23), "2026-10-23T09:00"),
        (date(2026, 10, 26), "2026-10-26T10:00"),
    ],
}


def _setup(timezone: str):
    clinic, aesthetician, _, kind = setup_clinic(timezone)
    patient = make_patient(clinic, timezone=timezone, first_name="Zelda", last_name="Quill")
    for day, _ in CASES[timezone]:
        book_appointment(
            clinic=clinic,
            patient=patient,
            appointment_type=kind,
            provider=aesthetician,
            starts_at=at(day, 10, clinic=clinic),
            now=BOOKED_AT,
            notify=False,
        )
    db.session.commit()
    return clinic, aesthetician, patient


def _check_calendar(body: bytes, timezone: str, clinic_name: str) -> None:
    text = body.decode()
    cal = Calendar.from_ical(body)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == [timezone]
    events = cal.walk("VEVENT")
    starts = sorted(e.decoded("dtstart").astimezone(UTC).strftime("%Y-%m-%dT%H:%M") for e in events)
    assert starts == [expected for _, expected in CASES[timezone]]
    for event in events:
        assert event["dtstart"].params["TZID"] == timezone
        assert str(event["summary"]) == f"Appointment at {clinic_name}"
        assert event.decoded("dtend") > event.decoded("dtstart")
        assert event.get("dtstamp") is not None and event.get("uid")
        assert [str(a["action"]) for a in event.walk("VALARM")] == ["DISPLAY"]
    assert len({str(e["uid"]) for e in events}) == len(events)
    for secret in ("Microneedling", "microneedling", "exosome", "Zelda", "Quill"):
        assert secret not in text


@pytest.mark.parametrize("timezone", sorted(CASES))
def test_patient_feed_across_dst(app, client, timezone):
    clinic, _, patient = _setup(timezone)
    token = feeds.create_feed(clinic.id, patient_id=patient.id)
    db.session.commit()
    with time_machine.travel(FEED_READ_AT, tick=False):
        response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    _check_calendar(response.data, timezone, clinic.name)


@pytest.mark.parametrize("timezone", sorted(CASES))
def test_provider_feed_across_dst(app, client, timezone):
    clinic, aesthetician, _ = _setup(timezone)
    token = feeds.create_feed(clinic.id, provider_id=aesthetician.id)
    db.session.commit()
    with time_machine.travel(FEED_READ_AT, tick=False):
        response = client.get(f"/calendar/{token}.ics")
    _check_calendar(response.data, timezone, clinic.name)


def test_revoked_replaced_and_unknown_tokens_are_404(app, client):
    clinic, _, patient = _setup("America/New_York")
    first = feeds.create_feed(clinic.id, patient_id=patient.id)
    second = feeds.create_feed(clinic.id, patient_id=patient.id)
    db.session.commit()
    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    feeds.revoke_feeds(clinic.id, patient_id=patient.id)
    db.session.commit()
    assert client.get(f"/calendar/{second}.ics").status_code == 404


def test_patient_creates_and_revokes_own_feed_in_portal(app, login_as):
    clinic, _, patient = _setup("America/New_York")
    client, _ = login_as("patient", user=make_user("patient", patient=patient))
    page = client.post("/portal/appointments/feed", data={})
    url = re.search(r'value="(http[^"]+\.ics)"', page.text).group(1)
    path = url.split("clinic.test", 1)[1]
    with time_machine.travel(FEED_READ_AT, tick=False):
        assert client.get(path).status_code == 200
    assert client.post("/portal/appointments/feed/revoke", data={}).status_code == 302
    assert client.get(path).status_code == 404
    stored = db.session.scalars(db.select(feeds.FeedToken)).all()
    assert all(path.split("/")[-1][:-4] not in t.token_hash for t in stored)  # only the hash is stored
