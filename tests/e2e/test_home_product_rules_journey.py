"""Home products checked against the patient, and the pause before a procedure, in the browser.

1. An aesthetician adds Dr. Barbara Sturm Exoso-Metic to the routine of a patient allergic to bergamot: the
   step is refused with the reason beside the product field; the page fits 1280/768/390 px and axe is clean.
2. A patient with a retinol step and microneedling booked in a few days sees the retinol paused on Today,
   "Paused before your microneedling on <day>", at 1280/768/390 px, axe clean.
Screenshots go to the test's tmp folder (SHOTS) for a look.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_patient, make_user

ZONE = ZoneInfo("America/New_York")
SHOTS = Path(os.environ.get("CLINIC_E2E_SHOTS", "/tmp/clinic-e2e-shots"))  # noqa: S108 - a test artefact folder
WIDTHS = (1280, 768, 390)


def _fits(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"home-rules-{name}-{width}.png"), full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (name, width)
    page.set_viewport_size({"width": 1280, "height": 900})


def _allergic_patient():
    from tests.routines.factories import make_routine

    staff = make_user("aesthetician", email="rules.aesthetician@example.test")
    patient = make_patient(timezone="America/New_York", first_name="Bea", last_name="Bergamot", allergies="bergamot")
    routine = make_routine(patient, [dict(product="Gentle Cream Cleanser", slot="am")])
    return staff.email, routine.id


def test_bergamot_allergy_refuses_exoso_metic(page, seed):
    email, routine_id = seed(_allergic_patient)
    log_in(page, email, PASSWORD)
    page.goto(f"/routines/{routine_id}/steps/new")
    page.get_by_role("combobox", name="Product").select_option(label="Dr. Barbara Sturm Exoso-Metic Face Serum")
    page.get_by_role("combobox", name="Time of day").select_option(label="Evening (PM)")
    page.get_by_role("button", name="Save step").click()
    refusal = page.get_by_text("Not for this patient: Allergy: bergamot in Dr. Barbara Sturm Exoso-Metic Face Serum.")
    refusal.wait_for()
    described = page.get_by_role("combobox", name="Product").get_attribute("aria-describedby") or ""
    assert described, "the refusal is tied to the product field"
    assert axe_violations(page) == []
    _fits(page, "refused-step")


def _patient_with_procedure_ahead():
    from clinic.scheduling.booking import book_appointment
    from tests.factories import default_clinic
    from tests.routines.factories import make_routine
    from tests.scheduling.factories import make_provider, make_room, make_type

    now = datetime.now(UTC)
    day = (now.astimezone(ZONE) + timedelta(days=3)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    patient = make_patient(timezone="America/New_York", first_name="Paula", last_name="Prepared")
    make_routine(
        patient,
        [dict(product="Gentle Cream Cleanser", slot="am"), dict(product="Retinol 0.3% Night Serum", slot="pm")],
        starts_on=now.astimezone(ZONE).date() - timedelta(days=10),
    )
    kind = make_type()
    make_room(name="Prep room")
    provider = make_provider("aesthetician", email="prep.provider@example.test")
    starts_at = datetime.combine(day, datetime.min.time().replace(hour=10), tzinfo=ZONE).astimezone(UTC)
    book_appointment(
        clinic=default_clinic(),
        patient=patient,
        appointment_type=kind,
        provider=provider,
        starts_at=starts_at,
        now=now,
    )
    user = make_user("patient", patient=patient, email="prep.patient@example.test")
    return user.email, f"{day:%a} {day.day} {day:%b}"


def test_today_says_why_the_retinol_is_paused(page, seed):
    email, day = seed(_patient_with_procedure_ahead)
    log_in(page, email, PASSWORD)
    page.goto("/portal/today")
    evening = page.locator("section", has=page.get_by_role("heading", name="Evening routine"))
    evening.wait_for()
    paused = evening.locator("li.step-paused", has_text="Retinol")
    assert paused.count() == 1
    assert f"Paused before your microneedling on {day}" in paused.inner_text()
    assert axe_violations(page) == []
    _fits(page, "today-paused")
