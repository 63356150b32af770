"""Before a procedure: a booked appointment pauses the conflicting home steps (derived from the appointment,
moved and lifted with it), queues one preparation message (and the antiviral reminder with a cold-sore
history), and warns the booker about a recent laser/IPL session or sunburn."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from clinic.catalog.services import prep_settings
from clinic.extensions import db
from clinic.reminders.models import OutboxMessage
from clinic.routines.models import RoutineWindow
from clinic.routines.services import day_plan
from clinic.scheduling.booking import book_appointment, change_status, reschedule
from tests.factories import make_patient
from tests.routines.factories import AGING_STEPS, make_routine
from tests.scheduling.factories import at, setup_clinic

# US daylight saving ends on Sun 1 Nov 2026: the pause before Thu 5 Nov starts on Thu 29 Oct (EDT).
NOW = datetime(2026, 10, 20, 12, tzinfo=UTC)
THURSDAY = date(2026, 11, 5)


@pytest.fixture
def prep_world(app):
    with time_machine.travel(NOW, tick=False):
        clinic, aesthetician, dermatologist, kind = setup_clinic()
        patient = make_patient(clinic, history={"hsv_history": False})
        make_routine(patient, AGING_STEPS, starts_on=date(2026, 10, 1))
        db.session.commit()
        yield clinic, aesthetician, kind, patient


def _book(world, day=THURSDAY, hour=10, patient=None):
    clinic, aesthetician, kind, default = world
    return book_appointment(
        clinic=clinic,
        patient=patient or default,
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(day, hour),
        now=NOW,
    )


def _windows(appointment_id):
    return db.session.scalars(
        sa.select(RoutineWindow).where(RoutineWindow.appointment_id == appointment_id).order_by(RoutineWindow.position)
    ).all()


def _prep_rows():
    db.session.expire_all()
    return {
        m.dedupe_key: m
        for m in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("prep:")))
    }


def _paused_names(patient, day):
    plan = day_plan(patient, day)
    return {p.step.name: p.pause for slot in plan.slots.values() for p in slot if p.pause is not None}


def test_booking_pauses_retinoids_and_acids_from_midnight_seven_days_before_across_dst(prep_world):
    appointment = _book(prep_world)
    windows = _windows(appointment.id)
    assert [(w.ingredient_tag, w.action) for w in windows] == [
        ("retinoid", "pause_tag"),
        ("aha", "pause_tag"),
        ("bha", "pause_tag"),
    ]
    # 29 Oct 00:00 EDT (UTC-4) to 5 Nov 10:00 EST (UTC-5)
    assert {w.starts_at for w in windows} == {datetime(2026, 10, 29, 4, tzinfo=UTC)}
    assert {w.ends_at for w in windows} == {datetime(2026, 11, 5, 15, tzinfo=UTC)}
    patient = prep_world[3]
    assert _paused_names(patient, date(2026, 10, 28)) == {}
    paused = _paused_names(patient, date(2026, 10, 29))
    assert list(paused) == ["Clinic Basics Retinol 0.3% Night Serum"]
    assert "Clinic Basics Vitamin C 15% Serum" not in paused  # vitamin C is not stopped before
    with time_machine.travel(datetime(2026, 11, 2, 12, tzinfo=UTC), tick=False):
        from clinic.routines.aftercare import pause_message  # noqa: PLC0415 - test-local import

        zone = patient.timezone
        pause = _paused_names(patient, date(2026, 11, 2))["Clinic Basics Retinol 0.3% Night Serum"]
        from zoneinfo import ZoneInfo  # noqa: PLC0415 - test-local import

        assert pause_message(pause, ZoneInfo(zone)) == "Paused before your microneedling on Thu 5 Nov"
    assert _paused_names(patient, date(2026, 11, 6)) == {}  # resumes by itself


def test_moving_moves_the_pause_and_cancelling_lifts_it(prep_world):
    clinic = prep_world[0]
    appointment = _book(prep_world)
    reschedule(appointment, clinic=clinic, starts_at=at(date(2026, 11, 12), 10), now=NOW)
    moved = _windows(appointment.id)
    assert len(moved) == 3
    assert {w.starts_at for w in moved} == {datetime(2026, 11, 5, 5, tzinfo=UTC)}
    patient = prep_world[3]
    assert _paused_names(patient, date(2026, 10, 30)) == {}
    assert "Clinic Basics Retinol 0.3% Night Serum" in _paused_names(patient, date(2026, 11, 6))
    change_status(appointment, "cancelled", clinic=clinic, reason="Patient unwell", now=NOW)
    assert _windows(appointment.id) == []
    assert _paused_names(patient, date(2026, 11, 6)) == {}


def test_preparation_message_is_queued_exactly_once_and_follows_a_move(prep_world):
    clinic = prep_world[0]
    appointment = _book(prep_world)
    rows = _prep_rows()
    key = f"prep:{appointment.id}:20261105T1500Z"
    assert list(rows) == [key]
    row = rows[key]
    assert row.kind == "procedure_preparation" and row.status == "pending"
    assert row.due_at == datetime(2026, 10, 28, 4, tzinfo=UTC)  # the day before the pause starts
    assert row.payload["tags"] == ["retinoid", "aha", "bha"] and row.payload["antiviral_from"] is None
    assert "microneedling" not in str(row.payload).lower()
    # planning again (another listener call for the same time) adds nothing
    from clinic.scheduling.booking import tell_routines  # noqa: PLC0415 - test-local import

    tell_routines(appointment, by=None, now=NOW, notify=True)
    assert len(_prep_rows()) == 1
    reschedule(appointment, clinic=clinic, starts_at=at(date(2026, 11, 12), 10), now=NOW)
    rows = _prep_rows()
    assert rows[key].status == "cancelled"
    assert rows[f"prep:{appointment.id}:20261112T1500Z"].status == "pending"
    reschedule(appointment, clinic=clinic, starts_at=at(THURSDAY, 10), now=NOW)  # and back again
    rows = _prep_rows()
    assert [k for k, m in rows.items() if m.status == "pending"] == [key] and len(rows) == 2
    change_status(appointment, "cancelled", clinic=clinic, reason="Patient unwell", now=NOW)
    assert {m.status for m in _prep_rows().values()} == {"cancelled"}


def test_cold_sore_history_adds_the_antiviral_reminder_from_two_days_before(prep_world):
    clinic, _, _, _ = prep_world
    patient = make_patient(clinic, history={"hsv_history": True})
    appointment = _book(prep_world, patient=patient)
    rows = _prep_rows()
    antiviral = rows[f"prep:{appointment.id}:20261105T1500Z:antiviral"]
    assert antiviral.kind == "antiviral_prophylaxis"
    assert antiviral.due_at == datetime(2026, 11, 3, 5, tzinfo=UTC)  # Tue 3 Nov 00:00 EST
    assert rows[f"prep:{appointment.id}:20261105T1500Z"].payload["antiviral_from"] == antiviral.due_at.isoformat()


def test_the_preparation_emails_render(prep_world, app):
    from flask import render_template  # noqa: PLC0415 - test-local import

    from clinic.reminders.kinds import REGISTRY, subject_for  # noqa: PLC0415 - test-local import

    clinic = prep_world[0]
    patient = make_patient(clinic, history={"hsv_history": True})
    appointment = _book(prep_world, patient=patient)
    for row in _prep_rows().values():
        kind = REGISTRY[row.kind]
        context = kind.context(row)
        with app.test_request_context():
            text = render_template(f"emails/{kind.template}.txt", **context, unsubscribe_url="", unsubscribe_label="")
            subject = subject_for(kind, row, context)
        assert "Thursday 5 November" in subject + text
        if row.kind == "procedure_preparation":
            assert "Thursday 29 October" in text and "retinoids" in text and "Tuesday 3 November" in text
    assert appointment.id


@pytest.mark.parametrize(
    ("history", "warned"),
    [
        ({"laser_or_ipl_on": date(2026, 10, 23)}, True),  # 13 days before
        ({"laser_or_ipl_on": date(2026, 10, 22)}, False),  # 14 days before: the window's edge, quiet
        ({"recent_sunburn": True}, True),
        ({}, False),
    ],
)
def test_recent_laser_or_sunburn_warns_the_booker(prep_world, history, warned):
    patient = make_patient(prep_world[0], history=history)
    appointment = _book(prep_world, patient=patient)
    assert bool(appointment.prep_warnings) is warned
    assert appointment.id is not None  # a warning, never a refusal


def test_admin_changes_the_defaults(prep_world):
    clinic = prep_world[0]
    settings = prep_settings(clinic.id, for_update=True)
    settings.pause_days, settings.pause_tags = 5, "retinoid"
    appointment = _book(prep_world)
    windows = _windows(appointment.id)
    assert [w.ingredient_tag for w in windows] == ["retinoid"]
    assert windows[0].starts_at == datetime(2026, 10, 31, 4, tzinfo=UTC)


def test_staff_booking_page_shows_the_warning_and_settings_are_admin_only(prep_world, login_as):
    clinic, aesthetician, kind, _ = prep_world
    patient = make_patient(clinic, history={"recent_sunburn": True})
    db.session.commit()
    client, _ = login_as(user=aesthetician)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            f"/schedule/book?patient_id={patient.id}",
            data={
                "patient_id": patient.id,
                "appointment_type_id": kind.id,
                "provider_id": aesthetician.id,
                "starts_at": "2026-11-05T10:00",
            },
            follow_redirects=True,
        )
    assert response.status_code == 200, response.text[:2000]
    assert "A recent sunburn is recorded" in response.text
    assert client.post("/admin/schedule/settings", data={"prep_pause_days": 3}).status_code == 403
