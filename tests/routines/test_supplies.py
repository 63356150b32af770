"""Run-out and reorder (issue 14, item 13): one bottle serves the AM and the PM step; a past run-out date
says "should have run out: reorder now"; one prompt and one reminder per product."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
import time_machine

from clinic.extensions import db
from clinic.reminders.models import OutboxMessage
from clinic.reminders.planner import plan
from clinic.routines.models import RoutineStep
from clinic.routines.services import remove_step
from clinic.routines.supplies import reorder_prompts
from tests.factories import make_patient, make_user
from tests.routines.factories import make_routine, product

STARTS = date(2026, 11, 1)
TWICE_DAILY = [dict(product="Daily Serum", slot="am"), dict(product="Daily Serum", slot="pm")]


def test_a_product_in_the_am_and_pm_steps_runs_out_twice_as_fast(app):
    patient = make_patient()
    once = make_routine(patient, [dict(product="Daily Serum", slot="pm")], starts_on=STARTS)
    assert once.steps[0].runs_out_on == STARTS + timedelta(days=100)  # 30 ml at 0.3 ml a day
    other = make_patient()
    twice = make_routine(other, TWICE_DAILY, starts_on=STARTS)
    assert [s.runs_out_on for s in twice.steps] == [STARTS + timedelta(days=50)] * 2


def test_removing_one_of_the_two_steps_makes_the_bottle_last_longer(app):
    patient = make_patient()
    routine = make_routine(patient, TWICE_DAILY, starts_on=STARTS)
    remove_step(routine.steps[0], None, date(2026, 11, 10))
    assert [s.runs_out_on for s in routine.steps] == [STARTS + timedelta(days=100)]


def test_staff_adding_the_pm_step_halves_the_run_out_of_the_am_step(login_as):
    patient = make_patient()
    routine = make_routine(patient, [dict(product="Daily Serum", slot="am")], starts_on=STARTS)
    db.session.commit()
    client, _ = login_as("aesthetician")
    response = client.post(
        f"/routines/{routine.id}/steps/new",
        data={
            "product_id": str(product(patient.clinic_id, "Daily Serum").id),
            "slot": "pm",
            "position": "2",
            "frequency": "daily",
            "label": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    steps = db.session.scalars(sa.select(RoutineStep).where(RoutineStep.routine_id == routine.id)).all()
    assert [s.runs_out_on for s in steps] == [STARTS + timedelta(days=50)] * 2
    page = client.get(f"/patients/{patient.id}/routine").text
    assert "Runs out about 21 Dec 2026" in page


def test_a_past_run_out_date_says_reorder_now_once_per_product(login_as):
    patient = make_patient(timezone="America/New_York")
    routine = make_routine(patient, TWICE_DAILY, starts_on=date(2026, 9, 20))
    assert [s.runs_out_on for s in routine.steps] == [date(2026, 11, 9)] * 2
    db.session.commit()
    with time_machine.travel(datetime(2026, 11, 27, 15, 0, tzinfo=UTC), tick=False):
        client, _ = login_as("patient", patient=patient)
        page = client.get("/portal/today").text
        staff, _ = login_as("dermatologist")
        staff_page = staff.get(f"/patients/{patient.id}/routine").text
    assert page.count("Plated Skin Science Daily Serum should have run out: reorder now.") == 1
    assert "runs out around" not in page
    assert "Should have run out (estimated 09 Nov 2026)" in staff_page


def test_reorder_prompts_are_per_product(app):
    patient = make_patient()
    routine = make_routine(patient, TWICE_DAILY, starts_on=STARTS)
    prompts = reorder_prompts(routine.steps, STARTS + timedelta(days=45))
    assert [(p.product.name, p.runs_out_on, p.overdue) for p in prompts] == [
        ("Daily Serum", STARTS + timedelta(days=50), False)
    ]
    assert reorder_prompts(routine.steps, STARTS + timedelta(days=51))[0].overdue is True


def test_one_reorder_reminder_for_a_bottle_used_am_and_pm(app):
    patient = make_patient(timezone="Europe/London")
    make_user("patient", patient=patient)
    make_routine(patient, TWICE_DAILY, starts_on=date(2026, 10, 14))  # runs out 3 Dec
    db.session.commit()
    plan(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    db.session.expire_all()
    reorders = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "reorder")).all()
    assert len(reorders) == 1
