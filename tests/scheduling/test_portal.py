"""Patient self-service: book the next series session inside its window, move it, cancel up to the cutoff."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from clinic.extensions import db
from clinic.reminders.models import OutboxMessage
from clinic.scheduling.booking import change_status
from clinic.scheduling.models import Appointment
from clinic.scheduling.series import book_series
from tests.factories import make_user
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, protocol_for


@pytest.fixture
def series_world(world, login_as):
    """Session 1 on MONDAY, completed; the patient logged in on the next day."""
    clinic, aesthetician, _, kind, patient = world
    series = book_series(
        clinic, patient, protocol_for(kind.procedure), kind, [(at(MONDAY, 9), aesthetician)], now=FROZEN
    )
    change_status(series.appointments[0], "completed", clinic=clinic, now=at(MONDAY, 10))
    db.session.commit()
    with time_machine.travel(at(MONDAY + timedelta(days=1), 12), tick=False):
        client, _ = login_as("patient", user=make_user("patient", patient=patient))
        yield client, series


def _choose(client, url, starts_at, provider_id):
    return client.post(
        url, data={"starts_at": starts_at.isoformat(), "provider_id": provider_id}, follow_redirects=True
    )


def test_patient_books_next_session_inside_window(series_world, world):
    client, series = series_world
    url = f"/portal/appointments/series/{series.id}/book"
    page = client.get(url)
    assert "Free times from Mon 04 Jan" in page.text  # day 28 is the first day offered
    assert "Choose a time on Monday 04 January" in page.text and "09:00</span>" in page.text
    assert "Sun 03 Jan" not in page.text and "Fri 01 Jan" not in page.text
    too_soon = _choose(client, url, at(MONDAY + timedelta(days=21), 9), world[1].id)
    assert "inside the window of your series" in too_soon.text
    booked = _choose(client, url, at(MONDAY + timedelta(days=28), 9), world[1].id)
    assert "Your session is booked" in booked.text
    appointment = db.session.scalar(sa.select(Appointment).where(Appointment.booked_via == "portal"))
    assert appointment.series_id == series.id
    notice = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "appointment_staff_notice"))
    assert notice.recipient == world[1].email


def test_slot_picker_lists_days_then_that_days_times(series_world, world):
    """One link per day with its count, then the chosen day's times (no JavaScript: `?day=`)."""
    client, series = series_world
    url = f"/portal/appointments/series/{series.id}/book"
    first = client.get(url).text
    assert first.count('class="slot-day') >= 5  # several days, each once
    assert first.count('class="btn btn-outline-primary slot-time"') < 40  # one day's times, not a wall
    assert "Times are in Eastern Time (New York)" in first and "America/New_York" not in first
    day = (MONDAY + timedelta(days=29)).isoformat()
    chosen = client.get(f"{url}?day={day}").text
    assert "Choose a time on Tuesday 05 January" in chosen
    assert f'value="{at(MONDAY + timedelta(days=29), 9).isoformat()}"' in chosen
    assert f'value="{at(MONDAY + timedelta(days=28), 9).isoformat()}"' not in chosen
    assert "Choose a time on Monday 04 January" in client.get(f"{url}?day=nonsense").text


def test_patient_moves_inside_window_and_cancels(series_world, world):
    client, series = series_world
    url = f"/portal/appointments/series/{series.id}/book"
    _choose(client, url, at(MONDAY + timedelta(days=28), 9), world[1].id)
    appointment = db.session.scalar(sa.select(Appointment).where(Appointment.booked_via == "portal"))
    move = f"/portal/appointments/{appointment.id}/move"
    assert client.get(move).status_code == 200
    outside = _choose(client, move, at(MONDAY + timedelta(days=45), 9), world[1].id)
    assert "inside the window of your series" in outside.text
    moved = _choose(client, move, at(MONDAY + timedelta(days=30), 14), world[1].id)
    assert "has been moved" in moved.text
    db.session.expire_all()
    assert appointment.starts_at == at(MONDAY + timedelta(days=30), 14)
    cancelled = client.post(
        f"/portal/appointments/{appointment.id}/cancel", data={"reason": "Travel"}, follow_redirects=True
    )
    assert "is cancelled" in cancelled.text
    db.session.expire_all()
    assert appointment.status == "cancelled"


def test_changes_within_the_cutoff_are_refused(world, login_as):
    clinic, aesthetician, _, kind, patient = world
    series = book_series(
        clinic, patient, protocol_for(kind.procedure), kind, [(at(MONDAY, 9), aesthetician)], now=FROZEN
    )
    appointment = series.appointments[0]
    db.session.commit()
    with time_machine.travel(at(MONDAY, 9) - timedelta(hours=20), tick=False):
        client, _ = login_as("patient", user=make_user("patient", patient=patient))
        response = client.post(
            f"/portal/appointments/{appointment.id}/cancel", data={"reason": "Late"}, follow_redirects=True
        )
        assert "until 24 hours before" in response.text
        assert (
            "until 24 hours before"
            in client.get(f"/portal/appointments/{appointment.id}/move", follow_redirects=True).text
        )
    db.session.expire_all()
    assert appointment.status == "booked"


def test_reminder_opt_in(series_world, world):
    client, _ = series_world
    assert client.post("/portal/appointments/preferences", data={"email_reminders": "y"}).status_code == 302
    page = client.get("/portal/appointments")
    assert "checked" in page.text and "1 of 4 sessions done" in page.text


def test_admin_cutoff_setting_applies_to_the_portal(world, login_as):
    clinic, aesthetician, _, kind, patient = world
    series = book_series(
        clinic, patient, protocol_for(kind.procedure), kind, [(at(MONDAY, 9), aesthetician)], now=FROZEN
    )
    appointment = series.appointments[0]
    db.session.commit()
    with time_machine.travel(at(MONDAY, 9) - timedelta(hours=20), tick=False):
        admin, _ = login_as("admin")
        saved = admin.post("/admin/schedule/settings", data={"booking_cutoff_hours": 12, "series_tolerance_days": 3})
        assert saved.status_code == 302
        assert (
            admin.post(
                "/admin/schedule/settings", data={"booking_cutoff_hours": -1, "series_tolerance_days": 3}
            ).status_code
            == 422
        )
        client, _ = login_as("patient", user=make_user("patient", patient=patient))
        response = client.post(
            f"/portal/appointments/{appointment.id}/cancel", data={"reason": "Late"}, follow_redirects=True
        )
        assert "is cancelled" in response.text
    db.session.expire_all()
    assert clinic.booking_cutoff_hours == 12 and appointment.status == "cancelled"
