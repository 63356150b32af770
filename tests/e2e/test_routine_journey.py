"""The patient's routine journey on a phone: today's AM routine with a paused step after microneedling,
tick two steps, move the PM reminder, and the next dispatch sends exactly one PM e-mail at the new time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_patient, make_user

ZONE = ZoneInfo("America/New_York")
NEW_PM = time(19, 45)
STEPS = [
    dict(product="Gentle Cream Cleanser", slot="am"),
    dict(product="Vitamin C 15% Serum", slot="am"),
    dict(product="Mineral Sunscreen SPF 50", slot="am"),
    dict(product="Daily Serum", slot="pm"),
    dict(product="Retinol 0.3% Night Serum", slot="pm"),
]


def _set_up_patient():
    from clinic.routines.aftercare import apply_aftercare
    from tests.routines.factories import make_routine, procedure

    patient = make_patient(timezone="America/New_York", email="journey.patient@example.test")
    today = datetime.now(UTC).astimezone(ZONE).date()
    make_routine(patient, STEPS, starts_on=today - timedelta(days=30))
    apply_aftercare(patient, procedure(patient.clinic_id), datetime.now(UTC) - timedelta(hours=20))
    user = make_user("patient", patient=patient, email="journey@example.test")
    return user.email, patient.id, today


def _dispatch_at(smtp_port: int, now: datetime):
    def run():
        from flask import current_app

        from clinic.extensions import mail
        from clinic.reminders.dispatcher import dispatch

        current_app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port)
        mail.init_app(current_app)
        return dispatch(now).sent

    return run


def _adherence(patient_id: int):
    def run():
        from clinic.extensions import db
        from clinic.routines.models import AdherenceLog

        return db.session.scalars(sa.select(AdherenceLog.status).where(AdherenceLog.patient_id == patient_id)).all()

    return run


def test_patient_ticks_steps_and_gets_one_pm_reminder_at_the_new_time(phone_page, seed, smtp_server):
    page = phone_page
    email, patient_id, today = seed(_set_up_patient)
    smtp_server.handler.messages.clear()

    log_in(page, email, PASSWORD)
    page.goto("/portal/today")
    page.get_by_role("heading", name="Morning routine").wait_for()
    morning = page.locator("section", has=page.get_by_role("heading", name="Morning routine"))
    paused = morning.locator("li.step-paused")
    assert paused.count() == 1
    assert "Vitamin C" in paused.inner_text() and "after your microneedling" in paused.inner_text()
    assert axe_violations(page) == []

    page.evaluate("() => { window.stillSamePage = true; }")  # htmx swaps the step; no page reload
    for name in ("Clinic Basics Gentle Cream Cleanser", "Clinic Basics Mineral Sunscreen SPF 50"):
        morning.get_by_role("button", name=f"Done {name}").click()
        morning.get_by_role("button", name=f"Undo {name}").wait_for()
    assert page.evaluate("() => window.stillSamePage === true")
    assert sorted(seed(_adherence(patient_id))) == ["done", "done"]

    page.goto("/portal/reminders")
    page.get_by_label("Evening reminder").fill(NEW_PM.strftime("%H:%M"))
    page.get_by_role("button", name="Save reminder settings").click()
    page.get_by_text("Reminder settings saved.").wait_for()

    new_time = datetime.combine(today, NEW_PM, tzinfo=ZONE).astimezone(UTC)

    def pm_emails():
        return [
            m
            for m in smtp_server.handler.messages
            if m["To"] == "journey.patient@example.test" and m["Subject"].startswith("Your PM routine: ")
        ]

    seed(_dispatch_at(smtp_server.port, new_time - timedelta(minutes=1)))
    assert pm_emails() == []  # (an aftercare check-in may go out; no PM reminder before the new time)
    seed(_dispatch_at(smtp_server.port, new_time))
    assert len(pm_emails()) == 1
    seed(_dispatch_at(smtp_server.port, new_time + timedelta(minutes=1)))
    assert len(pm_emails()) == 1
    # the exosome serum and two recovery steps; the retinoid is paused
    assert pm_emails()[0]["Subject"] == "Your PM routine: 3 steps"
