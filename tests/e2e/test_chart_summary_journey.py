"""Issue 9: a dermatologist opens a demo patient's chart and finds every summary block at the top (alerts,
next appointment and series, last session, home routine, outcome scores, photos) with "Start a session";
a demo patient books from the portal by choosing a day, then a time. Every page visited passes axe-core
and has no sideways scroll at 1280, 768 and 390 px; screenshots go to CLINIC_SCREENSHOT_DIR."""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path

import sqlalchemy as sa

from tests.e2e.conftest import axe_violations, log_in

# The live server stores photos here (read from the environment when the server starts).
os.environ.setdefault("CLINIC_PHOTO_DIR", tempfile.mkdtemp(prefix="clinic-e2e-photos-"))

# CLINIC_SCREENSHOT_DIR=docs/screenshots refreshes the README's pictures; a normal run leaves the repository alone.
SHOTS = Path(os.environ.get("CLINIC_SCREENSHOT_DIR", "/tmp/clinic-e2e-shots"))  # noqa: S108 - a test artefact folder
WIDTHS = (1280, 768, 390)
BLOCKS = (
    "Alerts",
    "Next appointment and series",
    "Last session",
    "Home routine, last 30 days",
    "Outcome scores",
    "Newest photos",
)


def _demo_chart_patient() -> dict:
    """The demo clinic, plus two photos and an unanswered message for its most treated patient."""
    from PIL import Image

    from clinic.demo import DEMO_PASSWORD
    from clinic.demo import seed as seed_demo
    from clinic.extensions import db
    from clinic.photos import storage
    from clinic.photos.models import Photo
    from clinic.routines.problems import ProblemReport
    from clinic.scheduling.models import Series
    from clinic.treatments.models import OutcomeScore, TreatmentSession

    logins = seed_demo()
    treated = (
        sa.select(TreatmentSession.patient_id)
        .join(OutcomeScore, OutcomeScore.patient_id == TreatmentSession.patient_id)
        .join(Series, Series.patient_id == TreatmentSession.patient_id)
        .where(Series.status == "active")
        .group_by(TreatmentSession.patient_id)
        .order_by(sa.func.count().desc(), TreatmentSession.patient_id)
        .limit(1)
    )
    patient_id = db.session.scalar(treated)
    session = db.session.scalar(
        sa.select(TreatmentSession)
        .where(TreatmentSession.patient_id == patient_id)
        .order_by(TreatmentSession.started_at.desc())
    )
    if not db.session.scalar(sa.select(Photo.id).where(Photo.patient_id == patient_id)):
        for view, colour in (("face_front", (224, 180, 150)), ("face_45_left", (214, 170, 140))):
            raw = io.BytesIO()
            Image.new("RGB", (480, 480), colour).save(raw, "JPEG")
            cleaned = storage.clean(raw.getvalue())
            db.session.add(
                Photo(
                    clinic_id=session.clinic_id,
                    patient_id=patient_id,
                    session_id=session.id,
                    view=view,
                    phase="after",
                    taken_on=session.started_at.date(),
                    storage_name=storage.store(cleaned),
                    sha256=cleaned.sha256,
                    width=cleaned.width,
                    height=cleaned.height,
                    size_bytes=len(cleaned.data),
                    uploaded_by_id=session.provider_id,
                )
            )
        db.session.add(
            ProblemReport(
                clinic_id=session.clinic_id,
                patient_id=patient_id,
                message="My cheeks are still a little red on day three. Is that normal?",
            )
        )
    return {"patient_id": patient_id, "password": DEMO_PASSWORD, "logins": logins}


def _fits(page, name: str) -> None:
    """No sideways scroll and no serious axe finding at each width; a screenshot of each."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(150)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (name, width)
        assert axe_violations(page) == [], (name, width)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=width != 1280)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_chart_summary_blocks_at_the_top(page, seed):
    world = seed(_demo_chart_patient)
    # Dr Okafor: no other journey logs in as him, so his first login here is the one that enrols the
    # second factor (test_treatment_journey's Dr Chen must still be un-enrolled when it runs).
    log_in(page, "dr.okafor@lumen.example", world["password"])
    page.goto(f"/patients/{world['patient_id']}")
    summary = page.locator("section.chart-summary")
    for block in BLOCKS:
        assert summary.get_by_role("heading", name=block).is_visible(), block
    assert summary.get_by_role("link", name="Start a session", exact=True).is_visible()
    assert summary.get_by_text("Problem reported").is_visible()
    assert summary.locator("img.summary-thumb").count() == 2
    assert re.search(r"\d of \d", summary.inner_text())
    # At 1280 px the whole summary is on the first screen, and demographics follow below it.
    box = summary.bounding_box()
    assert box["y"] + box["height"] <= 900, box
    assert page.locator("#profile-heading").bounding_box()["y"] > box["y"] + box["height"] - 1
    _fits(page, "chart")
    summary.get_by_role("link", name="Outcome scores").click()
    page.get_by_role("heading", name="Outcome scores").first.wait_for()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_portal_booking_shows_days_then_times(browser, live_server, seed):
    world = seed(_demo_chart_patient)
    patient_email = next(email for role, email in world["logins"] if role == "patient")
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, patient_email, world["password"])
    page.goto("/portal/appointments")
    page.get_by_role("link", name="Book my next session").click()
    days = page.get_by_role("navigation").filter(has=page.get_by_role("heading", name="1. Choose a day"))
    day_links = days.get_by_role("link")
    assert day_links.count() >= 3
    assert page.get_by_role("heading", name=re.compile(r"^2\. Choose a time on ")).is_visible()
    second = day_links.nth(1)
    second_day = second.locator(".slot-day-date").inner_text()
    second.click()
    heading = page.get_by_role("heading", name=re.compile(r"^2\. Choose a time on "))
    assert second_day.split()[1] in heading.inner_text()  # the day number of the chosen day
    times = page.locator("button.slot-time")
    assert 0 < times.count() <= 48  # one day's times, not a wall
    labels = [t.strip() for t in times.locator(".slot-time-clock").all_inner_texts()]
    assert all(re.fullmatch(r"\d\d:\d\d", label) for label in labels), labels
    assert "UTC" not in page.locator("main").inner_text()
    _fits(page, "portal-booking")
    times.first.click()
    page.get_by_text("Your session is booked.").wait_for()
    context.close()
