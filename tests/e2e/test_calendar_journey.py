"""The calendar that runs the day (issue 9): book by choosing an empty cell of the time grid, move the appointment
onto a taken time and read why it is refused; the day and week views fit 1280, 768 and 390 px without sideways
scrolling (the grid scrolls inside its own focusable box) and axe finds nothing serious.

The second test seeds the demo clinic and saves the screenshots linked from the README (set
CLINIC_SCREENSHOT_DIR=docs/screenshots to refresh them)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from clinic.demo import DEMO_PASSWORD
from clinic.demo import seed as seed_demo
from clinic.scheduling.booking import book_appointment
from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, default_clinic, make_patient, make_user
from tests.scheduling.factories import at, make_provider, make_room, make_type

ZONE = ZoneInfo("America/New_York")
SHOTS = Path(os.environ.get("CLINIC_SCREENSHOT_DIR", "/tmp/clinic-e2e-shots"))  # noqa: S108 - a test artefact folder
WIDTHS = (1280, 768, 390)


def _seed_calendar() -> dict:
    clinic = default_clinic()
    clinic.timezone = "America/New_York"
    make_room(clinic, "Grid room 1")
    make_room(clinic, "Grid room 2")
    provider = make_provider("aesthetician", clinic, weekdays=range(7), full_name="Greta Grid")
    kind = make_type(clinic)
    make_patient(clinic, first_name="Carmen", last_name="Calendar")
    day = datetime.now(UTC).astimezone(ZONE).date() + timedelta(days=3)
    book_appointment(
        clinic=clinic,
        patient=make_patient(clinic, first_name="Bea", last_name="Blocker"),
        appointment_type=kind,
        provider=provider,
        starts_at=at(day, 10, clinic=clinic),
        notify=False,
    )
    staff = make_user("aesthetician", clinic=clinic)
    return {"staff": staff.email, "provider": provider.id, "day": day.isoformat(), "type": kind.name}


def _fits(page, width: int, name: str | None = None) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    if name:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (name, width)
    assert axe_violations(page) == [], (name, width)


def test_book_from_an_empty_cell_then_a_move_onto_a_taken_time_is_refused(page, seed):
    world = seed(_seed_calendar)
    log_in(page, world["staff"], PASSWORD)
    page.goto(f"/schedule/day?day={world['day']}&provider={world['provider']}")
    page.get_by_role("link", name="Bea Blocker").wait_for()
    for width in WIDTHS:
        _fits(page, width)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator(f'a.cal-free[data-starts="{world["day"]}T13:30"]').click()
    page.get_by_text("Who is the patient?").wait_for()
    assert axe_violations(page) == []
    page.get_by_label("Name, record number, phone, e-mail or date of birth").fill("Calendar")
    page.get_by_role("button", name="Find patient").click()
    page.get_by_role("link", name="Carmen Calendar").click()
    assert page.get_by_label("Start (clinic time)").input_value() == f"{world['day']}T13:30"
    assert page.get_by_label("Provider").input_value() == str(world["provider"])
    page.get_by_label("Treatment").select_option(label=world["type"])
    page.get_by_role("button", name="Book appointment").click()
    page.get_by_text("Appointment booked.").wait_for()

    page.get_by_label("New start (clinic time)").fill(f"{world['day']}T10:00")
    page.get_by_role("button", name="Move appointment").click()
    page.get_by_text("Greta Grid already has an appointment then. Please choose another time.").wait_for()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Back to").click()
    card = page.locator(".cal-appt", has_text="Carmen Calendar")
    assert "13:30" in card.inner_text() and "Booked" in card.inner_text()  # still where it was
    page.goto(f"/schedule/week?day={world['day']}&provider={world['provider']}")
    page.get_by_role("link", name="Carmen Calendar").wait_for()
    for width in WIDTHS:
        _fits(page, width)


def _seed_demo() -> str:
    default_clinic()  # the tests' own clinic stays the first one
    seed_demo()
    return "sofia@lumen.example"


def test_demo_day_and_week_screenshots(page, seed):
    email = seed(_seed_demo)
    log_in(page, email, DEMO_PASSWORD)
    page.goto("/schedule/day")
    page.locator(".cal-appt").first.wait_for()
    assert page.locator(".cal-appt").count() >= 20
    for width in WIDTHS:
        _fits(page, width, "calendar-day")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/schedule/day?by=room")
    _fits(page, 1280, "calendar-day-rooms")
    page.goto("/schedule/week")
    page.locator(".cal-appt").first.wait_for()
    for width in WIDTHS:
        _fits(page, width, "calendar-week")
