"""Hand-made portal POSTs: every rule the slot list applies is checked again on submit."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from clinic.extensions import db
from clinic.scheduling.booking import book_appointment, change_status
from clinic.scheduling.models import Appointment
from clinic.scheduling.series import book_series
from tests.factories import make_user
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, protocol_for

SESSION_2 = MONDAY + timedelta(days=28)  # Monday 4 January 2027, the first day of session 2's window


@pytest.fixture
def series(world):
    clinic, aesthetician, _, kind, patient = world
    series = book_series(
        clinic, patient, protocol_for(kind.procedure), kind, [(at(MONDAY, 9), aesthetician)], now=FROZEN
    )
    change_status(series.appointments[0], "completed", clinic=clinic, now=at(MONDAY, 10))
    db.session.commit()
    return series


def _post(login_as, patient, when, url, starts_at, provider_id):
    with time_machine.travel(when, tick=False):
        client, _ = login_as("patient", user=make_user("patient", patient=patient))
        page = client.get(url)
        response = client.post(
            url, data={"starts_at": starts_at.isoformat(), "provider_id": provider_id}, follow_redirects=True
        )
    return page, response


def _portal_bookings() -> int:
    return db.session.scalar(sa.select(sa.func.count(Appointment.id)).where(Appointment.booked_via == "portal"))


def test_hand_made_post_inside_the_cutoff_is_refused(world, series, login_as):
    """The issue's case: 13 hours ahead with a 24-hour cutoff."""
    chosen = at(SESSION_2, 9)
    page, response = _post(
        login_as,
        world[4],
        chosen - timedelta(hours=13),
        f"/portal/appointments/series/{series.id}/book",
        chosen,
        world[1].id,
    )
    assert f'value="{chosen.isoformat()}"' not in page.text  # the page never offered it
    assert "Online booking closes 24 hours before the appointment" in response.text
    assert _portal_bookings() == 0


def test_booking_just_outside_the_cutoff_is_accepted(world, series, login_as):
    chosen = at(SESSION_2, 9)
    page, response = _post(
        login_as,
        world[4],
        chosen - timedelta(hours=25),
        f"/portal/appointments/series/{series.id}/book",
        chosen,
        world[1].id,
    )
    assert f'value="{chosen.isoformat()}"' in page.text
    assert "Your session is booked" in response.text and _portal_bookings() == 1


@pytest.mark.parametrize(
    "days, hour, minute, provider, message",
    [
        (0, 3, 0, 1, "does not work at that time"),  # outside working hours
        (0, 9, 7, 1, None),  # off the 15-minute grid but inside the hours: a fair time
        (30, 9, 0, 1, "inside the window of your series"),
        (0, 9, 0, 2, "needs a aesthetician"),  # the dermatologist does not perform it
    ],
)
def test_hours_window_and_provider_are_rechecked(world, series, login_as, days, hour, minute, provider, message):
    provider_id = world[provider].id
    starts_at = at(SESSION_2 + timedelta(days=days), hour, minute)
    _, response = _post(
        login_as,
        world[4],
        at(MONDAY + timedelta(days=1), 12),
        f"/portal/appointments/series/{series.id}/book",
        starts_at,
        provider_id,
    )
    if message is None:
        assert "Your session is booked" in response.text
    else:
        assert message in response.text and _portal_bookings() == 0


def test_moving_into_the_cutoff_is_refused(world, login_as):
    clinic, aesthetician, _, kind, patient = world
    appointment = book_appointment(
        clinic=clinic,
        patient=patient,
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(MONDAY + timedelta(days=3), 9),
        now=FROZEN,
    )
    db.session.commit()
    target = at(MONDAY, 14)
    _, response = _post(
        login_as,
        patient,
        target - timedelta(hours=5),
        f"/portal/appointments/{appointment.id}/move",
        target,
        aesthetician.id,
    )
    assert "Online booking closes 24 hours before" in response.text
    db.session.expire_all()
    assert appointment.starts_at == at(MONDAY + timedelta(days=3), 9)
