"""Booking rules in a real browser (issue 14): a patient cannot be booked twice at once, even with another
provider, and the portal only books outside the clinic's cutoff."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from clinic.scheduling.booking import change_status
from clinic.scheduling.series import book_series
from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, default_clinic, make_patient, make_user
from tests.scheduling.factories import at, make_provider, make_room, make_type, protocol_for

ZONE = ZoneInfo("America/New_York")


def _seed_two_providers() -> dict:

    clinic = default_clinic()
    clinic.timezone = "America/New_York"
    make_room(clinic, "Overlap room 1")
    make_room(clinic, "Overlap room 2")
    aesthetician = make_provider("aesthetician", clinic, weekdays=range(7), full_name="Alma Overlap")
    dermatologist = make_provider("dermatologist", clinic, weekdays=range(7), full_name="Dora Overlap")
    microneedling = make_type(clinic)
    laser = make_type(clinic, code="laser_exosome", role="dermatologist")
    patient = make_patient(clinic, first_name="Olga", last_name="Overlap")
    staff = make_user("aesthetician", clinic=clinic)
    day = datetime.now(UTC).astimezone(ZONE).date() + timedelta(days=3)
    return {
        "staff": staff.email,
        "patient": patient.id,
        "day": day.isoformat(),
        "aesthetician": aesthetician.id,
        "dermatologist": dermatologist.id,
        "microneedling": microneedling.name,
        "laser": laser.name,
    }


def _book(page, world, treatment: str, provider_id: int, clock: str) -> None:
    page.goto(f"/schedule/book?patient={world['patient']}")
    page.get_by_label("Treatment").select_option(label=treatment)
    page.get_by_label("Provider").select_option(value=str(provider_id))
    page.get_by_label("Start (clinic time)").fill(f"{world['day']}T{clock}")
    page.get_by_role("button", name="Book appointment").click()


def test_second_overlapping_booking_with_another_provider_is_refused(page, seed):
    world = seed(_seed_two_providers)
    log_in(page, world["staff"], PASSWORD)
    _book(page, world, world["microneedling"], world["aesthetician"], "09:00")
    page.get_by_text("Appointment booked.").wait_for()
    _book(page, world, world["laser"], world["dermatologist"], "09:30")
    reason = re.compile(r"Olga Overlap already has an appointment then \(.* with Alma Overlap at 09:00")
    page.get_by_text(reason).wait_for()
    assert page.get_by_label("Start (clinic time)").input_value() == f"{world['day']}T09:30"  # input kept
    assert axe_violations(page) == []
    _book(page, world, world["laser"], world["dermatologist"], "10:15")  # after the first ends: fine
    page.get_by_text("Appointment booked.").wait_for()


def _seed_series_patient() -> dict:

    clinic = default_clinic()
    clinic.timezone = "America/New_York"
    clinic.booking_cutoff_hours = 48
    make_room(clinic, "Cutoff room")
    aesthetician = make_provider("aesthetician", clinic, weekdays=range(7), full_name="Carla Cutoff")
    kind = make_type(clinic)
    patient = make_patient(clinic, first_name="Cora", last_name="Cutoff")
    user = make_user("patient", patient=patient)
    first = datetime.now(UTC).astimezone(ZONE).date() - timedelta(days=30)  # session 2 is due now
    series = book_series(
        clinic,
        patient,
        protocol_for(kind.procedure),
        kind,
        [(at(first, 9, clinic=clinic), aesthetician)],
        now=at(first, 8, clinic=clinic),
    )
    change_status(series.appointments[0], "completed", clinic=clinic, now=at(first, 10, clinic=clinic), notify=False)
    return {"patient": user.email, "series": series.id}


def test_portal_offers_and_books_only_past_the_cutoff(phone_page, seed):
    world = seed(_seed_series_patient)
    page = phone_page
    log_in(page, world["patient"], PASSWORD)
    page.goto("/portal/appointments")
    page.get_by_role("link", name="Book my next session").click()
    buttons = page.get_by_role("button", name=re.compile(r"\d\d:\d\d"))
    buttons.first.wait_for()
    offered = page.locator("input[name=starts_at]").evaluate_all("nodes => nodes.map(n => n.value)")
    earliest = min(datetime.fromisoformat(v) for v in offered)
    assert earliest >= datetime.now(UTC) + timedelta(hours=48)
    assert axe_violations(page) == []
    buttons.first.click()
    page.get_by_text("Your session is booked.").wait_for()
