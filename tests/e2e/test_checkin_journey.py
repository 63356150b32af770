"""A day-3 aftercare check-in with pain 8 and a photo: the patient is told at once to call the clinic, the
treating dermatologist finds the urgent item in the inbox, the answer on the chart and beside the photo in the
comparison; then the outcomes report and the patient's progress page. Every page fits 1280, 768 and 390 px
without sideways scrolling and has no serious or critical axe violation (screenshots in CLINIC_E2E_SHOTS)."""

from __future__ import annotations

import io
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PIL import Image

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, default_clinic, make_patient, make_user

SHOTS = Path(os.environ.get("CLINIC_E2E_SHOTS", "/tmp/clinic-e2e-shots"))  # noqa: S108 - a test artefact folder
PHONE = "+1 555 0142"


def _seed() -> tuple[str, str, int]:
    from decimal import Decimal

    from clinic.extensions import db
    from clinic.routines.aftercare import apply_aftercare
    from clinic.scheduling.models import Series
    from clinic.treatments.models import OutcomeScore
    from tests.routines.factories import make_routine, procedure
    from tests.scheduling.factories import make_type, protocol_for

    clinic = default_clinic()
    clinic.phone = PHONE
    patient = make_patient(clinic, first_name="Rosa", last_name="Checkin", timezone="America/New_York")
    derm = make_user("dermatologist", clinic=clinic, full_name="Dr Journey", email="dr.checkin@example.test")
    make_routine(patient, [dict(product="Daily Serum", slot="pm")], starts_on=date.today() - timedelta(days=120))
    proc = procedure(clinic.id)
    apply_aftercare(patient, proc, datetime.now(UTC) - timedelta(days=3, minutes=5), user=derm)
    kind = make_type(clinic)
    db.session.add(
        Series(
            clinic_id=clinic.id,
            patient_id=patient.id,
            protocol_id=protocol_for(proc).id,
            appointment_type_id=kind.id,
            package_sessions=4,
        )
    )
    for checkpoint, days_ago, value in (("baseline", 100, 3), ("3m", 5, 1)):
        db.session.add(
            OutcomeScore(
                clinic_id=clinic.id,
                patient_id=patient.id,
                scale="cea",
                checkpoint=checkpoint,
                recorded_on=date.today() - timedelta(days=days_ago),
                value=Decimal(value),
                label=str(value),
                recorded_by_id=derm.id,
            )
        )
    user = make_user("patient", patient=patient, email="rosa.checkin@example.test")
    return user.email, derm.email, patient.id


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (210, 140, 130)).save(out, "JPEG")
    return out.getvalue()


def _fits(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 768, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"checkin-{name}-{width}.png"), full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (name, width)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert axe_violations(page) == [], name


def test_day_3_pain_8_calls_the_clinic_and_reaches_the_dermatologist(page, browser, live_server, seed):
    patient_email, derm_email, patient_id = seed(_seed)

    log_in(page, patient_email, PASSWORD)
    page.goto("/portal/checkins")
    _fits(page, "list")
    page.get_by_role("link", name="Day 3 after your").click()
    page.get_by_role("heading", name="Check-in, day 3").wait_for()
    _fits(page, "form")
    page.get_by_label("Redness").fill("5")
    page.get_by_label("Swelling").fill("4")
    page.get_by_label("Pain").fill("8")
    page.get_by_label("Itch").fill("2")
    page.get_by_label("Anything else you want to tell us?").fill("Throbbing since last night")
    page.get_by_label("Photo of the treated area (optional)").set_input_files(
        {"name": "cheek.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}
    )
    page.get_by_role("button", name="Send my answers").click()
    alert = page.locator("#call-clinic")
    alert.wait_for()
    assert "Please call the clinic now" in alert.inner_text() and PHONE in alert.inner_text()
    _fits(page, "answer")
    page.goto("/portal/progress")
    page.get_by_role("heading", name="My progress").wait_for()
    assert "That is better than at the start." in page.content()
    _fits(page, "progress")

    staff = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}).new_page()
    staff.set_default_timeout(10_000)
    log_in(staff, derm_email, PASSWORD)
    staff.get_by_role("link", name="Problem reports").click()
    urgent = staff.locator("li.problem-urgent")
    urgent.first.wait_for()
    assert "Urgent" in urgent.first.inner_text() and "pain 8" in urgent.first.inner_text()
    _fits(staff, "inbox")
    staff.goto(f"/patients/{patient_id}")
    checkins = staff.locator("#checkins")
    assert "Red flag: pain" in checkins.inner_text()
    assert "Outcome scores and home-routine adherence by month" in staff.content()
    _fits(staff, "chart")
    staff.goto(f"/patients/{patient_id}/photos")
    assert "Check-in day 3: redness 5, swelling 4, pain 8" in staff.content()
    _fits(staff, "photos")
    staff.get_by_role("link", name="Outcomes").click()
    staff.get_by_role("heading", name="Outcomes by home-routine adherence").wait_for()
    assert "fewer than 5" in staff.content()
    _fits(staff, "outcomes")
    staff.context.close()
