"""The scheduling journey in a real browser: follow-up queue → plan a 4-session series (one date refused as
too soon, then adjusted) → book it → the patient sees it in the portal and moves a session in its window."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_patient, make_user

ZONE = ZoneInfo("America/New_York")


def _seed_world() -> dict:
    from clinic.scheduling.booking import book_appointment, change_status
    from tests.factories import default_clinic
    from tests.scheduling.factories import at, make_provider, make_room, make_type

    clinic = default_clinic()
    clinic.timezone = "America/New_York"
    make_room(clinic, "Journey room")
    aesthetician = make_provider("aesthetician", clinic, weekdays=range(7), full_name="Sofia Journey")
    kind = make_type(clinic)
    patient = make_patient(clinic, first_name="Nadia", last_name="Journey")
    user = make_user("patient", patient=patient)
    today = datetime.now(UTC).astimezone(ZONE).date()
    missed_day = today - timedelta(days=4)
    missed = book_appointment(
        clinic=clinic,
        patient=patient,
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(missed_day, 9, clinic=clinic),
        allow_past=True,
        now=at(missed_day, 8, clinic=clinic),
        notify=False,
    )
    change_status(missed, "no_show", clinic=clinic, now=missed.ends_at, notify=False)
    staff = make_user("aesthetician", clinic=clinic)
    first = today + timedelta(days=7)
    return {"staff": staff.email, "patient": user.email, "first": first.isoformat()}


def test_plan_book_and_move_a_series(page, browser, live_server, seed):
    world = seed(_seed_world)
    first = date.fromisoformat(world["first"])

    log_in(page, world["staff"], PASSWORD)
    page.get_by_role("link", name="Follow-ups").click()
    page.get_by_role("heading", name="Follow-up queue").wait_for()
    assert axe_violations(page) == []
    row = page.get_by_role("row").filter(has_text="Nadia Journey")
    row.get_by_text("No-show to rebook").wait_for()
    row.get_by_role("link", name="Plan series").click()

    page.get_by_label("Protocol").select_option(label="Face microneedling + exosome: 4 sessions")
    page.get_by_label("First session on or after").fill(first.isoformat())
    page.get_by_role("button", name="Propose dates").click()
    second = page.get_by_label("Session 2 start")
    proposed = second.input_value()
    assert proposed.startswith((first + timedelta(days=28)).isoformat())
    too_soon = (first + timedelta(days=20)).isoformat() + proposed[10:]
    second.fill(too_soon)
    page.get_by_role("button", name="Book the whole series").click()
    page.get_by_text(re.compile(r"only 20 days after session 1 .* minimum interval is 28 days")).wait_for()
    page.get_by_label("Session 2 start").fill(proposed)
    page.get_by_role("button", name="Book the whole series").click()
    page.get_by_text("Series booked: 4 sessions").wait_for()

    page.goto(f"/schedule/week?day={first.isoformat()}")
    page.get_by_text("Nadia Journey").first.wait_for()
    assert axe_violations(page) == []

    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, is_mobile=True)
    patient_page = context.new_page()
    patient_page.set_default_timeout(10_000)
    log_in(patient_page, world["patient"], PASSWORD)
    patient_page.goto("/portal/appointments")
    patient_page.get_by_text("0 of 4 sessions done").wait_for()
    items = patient_page.get_by_role("listitem").filter(has_text="Microneedling")
    assert items.count() == 4
    before = items.nth(1).inner_text()
    items.nth(1).get_by_role("link", name="Move").click()
    patient_page.get_by_role("heading", name="Move your appointment").wait_for()
    patient_page.get_by_role("button", name=re.compile(r"\d\d:\d\d")).nth(2).click()
    patient_page.get_by_text("Your appointment has been moved.").wait_for()
    after = patient_page.get_by_role("listitem").filter(has_text="Microneedling").nth(1).inner_text()
    assert after != before
    context.close()


def test_demo_clinic_queue_calendar_and_self_booking(page, browser, live_server, seed):
    """The demo data (flask seed-demo) gives the queue and the calendar something to show, and a demo
    patient can book their next series session from the portal."""
    from clinic.demo import DEMO_PASSWORD
    from clinic.demo import seed as seed_demo

    logins = seed(seed_demo)
    patient_email = next(email for role, email in logins if role == "patient")

    log_in(page, "sofia@lumen.example", DEMO_PASSWORD)
    page.goto("/schedule/followups")
    page.get_by_text(re.compile(r"\d+ patients to follow up")).wait_for()
    assert page.get_by_role("row").count() > 3
    page.goto("/schedule/week")
    assert page.locator(".appt-card").count() > 0

    context = browser.new_context(base_url=live_server)
    patient_page = context.new_page()
    patient_page.set_default_timeout(10_000)
    log_in(patient_page, patient_email, DEMO_PASSWORD)
    patient_page.goto("/portal/appointments")
    patient_page.get_by_text("1 of 4 sessions done").wait_for()
    patient_page.get_by_role("link", name="Book my next session").click()
    patient_page.get_by_role("button", name=re.compile(r"\d\d:\d\d")).first.click()
    patient_page.get_by_text("Your session is booked.").wait_for()
    context.close()
