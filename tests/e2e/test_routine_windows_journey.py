"""Aftercare windows in the browser (issue 14, items 10, 11, 12, 20, 21).

1. A patient with two overlapping microneedling sessions sees each recovery step once, the paused vitamin C
   "until" the later end on Today and the same date on Aftercare; ticking a step turns "0 of 3" into
   "1 of 3" in place, and keyboard focus stays on the step (its Undo button).
2. Staff log a session for a patient without a routine, then build the routine from a template and add an
   acid the same afternoon: one routine, a warning that the acid is paused and until when, and the patient
   sees it paused on Today with the cleanser listed once per slot.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_patient, make_user

ZONE = ZoneInfo("America/New_York")
STEPS = [
    dict(product="Gentle Cream Cleanser", slot="am"),
    dict(product="Vitamin C 15% Serum", slot="am"),
    dict(product="Mineral Sunscreen SPF 50", slot="am"),
    dict(product="Daily Serum", slot="pm"),
    dict(product="Retinol 0.3% Night Serum", slot="pm"),
]
HYALURONIC = "Clinic Basics Hyaluronic Recovery Serum"


def _two_sessions():
    from clinic.routines.aftercare import apply_aftercare
    from clinic.routines.windows import until_text
    from tests.routines.factories import make_routine, procedure

    patient = make_patient(timezone="America/New_York")
    now = datetime.now(UTC)
    make_routine(patient, STEPS, starts_on=now.astimezone(ZONE).date() - timedelta(days=30))
    later = now - timedelta(hours=20)
    for ended in (now - timedelta(days=3), later):
        apply_aftercare(patient, procedure(patient.clinic_id), ended)
    user = make_user("patient", patient=patient, email="windows.journey@example.test")
    return user.email, until_text(later + timedelta(hours=120), ZONE)


def test_overlapping_sessions_show_each_recovery_step_once_and_the_latest_pause_end(phone_page, seed):
    page = phone_page
    email, until = seed(_two_sessions)
    log_in(page, email, PASSWORD)
    page.goto("/portal/today")
    morning = page.locator("section", has=page.get_by_role("heading", name="Morning routine"))
    evening = page.locator("section", has=page.get_by_role("heading", name="Evening routine"))
    morning.wait_for()
    for slot in (morning, evening):
        assert slot.locator("li.routine-step", has_text=HYALURONIC).count() == 1
    assert evening.locator("li.routine-step", has_text="Gentle Cream Cleanser").count() == 1
    paused = morning.locator("li.step-paused")
    assert paused.count() == 1 and f"Paused until {until}," in paused.inner_text()
    assert morning.locator("#count-am").inner_text() == "0 of 3"
    assert axe_violations(page) == []

    page.evaluate("() => { window.stillSamePage = true; }")
    cleanser = "Clinic Basics Gentle Cream Cleanser"
    morning.get_by_role("button", name=f"Done {cleanser}").focus()
    page.keyboard.press("Enter")
    undo = morning.get_by_role("button", name=f"Undo {cleanser}")
    undo.wait_for()
    page.wait_for_function("() => document.getElementById('count-am').textContent === '1 of 3'")
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.textContent.includes('Undo')"
        " && document.activeElement.closest('.routine-step') !== null"
    )
    assert page.evaluate("() => window.stillSamePage === true")
    page.keyboard.press("Enter")  # focus is on Undo: the keyboard user can take the tick back
    morning.get_by_role("button", name=f"Done {cleanser}").wait_for()
    page.wait_for_function("() => document.getElementById('count-am').textContent === '0 of 3'")

    page.goto("/portal/aftercare")
    vitamin_c = page.locator("li", has=page.get_by_text("No vitamin C", exact=True))
    assert vitamin_c.count() == 2
    for n in range(2):
        assert f"until {until}" in vitamin_c.nth(n).inner_text()


def _patient_without_routine():
    from clinic.clinics.models import Clinic
    from clinic.extensions import db
    from tests.routines.factories import catalog

    staff = make_user("dermatologist", email="windows.derm@example.test")
    patient = make_patient(timezone="America/New_York", first_name="Nora", last_name="Newroutine")
    catalog(db.session.get(Clinic, patient.clinic_id))
    user = make_user("patient", patient=patient, email="windows.nora@example.test")
    return staff.email, user.email, patient.id


def test_session_first_then_routine_one_routine_and_the_new_acid_is_paused(page, seed):
    staff_email, patient_email, patient_id = seed(_patient_without_routine)
    now = datetime.now(ZONE)
    ended = min(now - timedelta(hours=1), datetime.combine(now.date(), time(19, 0), tzinfo=ZONE))
    log_in(page, staff_email, PASSWORD)
    page.goto(f"/patients/{patient_id}/routine")
    page.get_by_role("combobox", name="Procedure").select_option(label="Microneedling + topical exosome")
    page.locator("#session_ended_at").fill(ended.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Record procedure for aftercare").click()
    page.get_by_text("Aftercare for Microneedling + topical exosome applied").wait_for()

    page.get_by_role("combobox", name="Start from").select_option(label="Template: Aging")
    page.get_by_role("button", name="Create routine").click()
    page.get_by_text("The template's steps were added to the patient's routine").wait_for()
    assert page.locator("section.card[id^='routine-']").count() == 1
    assert "Recovery after a procedure" not in page.content()

    page.locator("section.card").get_by_role("link", name="Add a step").click()
    page.get_by_role("combobox", name="Product").select_option(label="Clinic Basics Glycolic 7% Toner")
    page.get_by_role("combobox", name="Time of day").select_option(label="Evening (PM)")
    page.get_by_role("combobox", name="Frequency").select_option(label="Daily")
    page.get_by_role("button", name="Save step").click()
    warning = page.get_by_text("Clinic Basics Glycolic 7% Toner will not be due yet: Paused until")
    warning.wait_for()
    assert "after your microneedling" in warning.inner_text()
    assert axe_violations(page) == []

    page.context.clear_cookies()
    log_in(page, patient_email, PASSWORD)
    page.goto("/portal/today")
    evening = page.locator("section", has=page.get_by_role("heading", name="Evening routine"))
    evening.wait_for()
    toner = evening.locator("li.routine-step", has_text="Glycolic 7% Toner")
    assert toner.count() == 1 and "step-paused" in toner.get_attribute("class")
    assert "Paused until" in toner.inner_text()
    for slot in ("Morning routine", "Evening routine"):
        section = page.locator("section", has=page.get_by_role("heading", name=slot))
        assert section.locator("li.routine-step", has_text="Gentle Cream Cleanser").count() == 1
