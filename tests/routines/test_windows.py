"""Aftercare as windows over ingredients (issue 14, items 10, 11, 20, 21): overlapping sessions add each
recovery step once and pause until the latest end; a step added after a session is paused too; a session
for a patient without a routine puts its recovery steps into the patient's one routine."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import time_machine

from clinic.extensions import db
from clinic.routines.aftercare import apply_aftercare, pause_message
from clinic.routines.models import Routine, RoutineStep
from clinic.routines.services import StepData, day_plan, save_step
from clinic.routines.stats import adherence_series
from tests.factories import make_patient
from tests.routines.factories import AGING_STEPS, catalog, make_routine, procedure, product

NY = ZoneInfo("America/New_York")
FIRST = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # Thu 26 Nov, 15:00 in New York: pauses end Tue 1 Dec
SECOND = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)  # Sat 28 Nov: pauses end Thu 3 Dec
HYALURONIC = "Clinic Basics Hyaluronic Recovery Serum"


def _names(plan, slot: str, paused: bool | None = None) -> list[str]:
    return [p.step.name for p in plan.slots[slot] if paused is None or (p.pause is not None) == paused]


def _record_procedure(client, patient, ended_local: str):
    return client.post(
        f"/patients/{patient.id}/aftercare",
        data={"procedure_id": procedure(patient.clinic_id).id, "session_ended_at": ended_local},
    )


def _step_names_on_page(html: str) -> list[str]:
    return re.findall(r'<div class="fw-semibold">([^<]+?)(?: <span|</div>)', html)


# Item 10: overlapping sessions stack duplicate recovery steps.


def test_overlapping_sessions_add_each_recovery_step_once(app):
    patient = make_patient(timezone="America/New_York")
    make_routine(patient, AGING_STEPS)
    for ended in (FIRST, FIRST + timedelta(days=1), SECOND):
        apply_aftercare(patient, procedure(patient.clinic_id), ended)
    plan = day_plan(patient, date(2026, 11, 29))
    assert _names(plan, "am").count(HYALURONIC) == 1
    assert _names(plan, "pm").count(HYALURONIC) == 1
    assert _names(plan, "pm").count("Clinic Basics Gentle Cream Cleanser") == 1
    recovery = db.session.scalars(sa.select(RoutineStep).where(RoutineStep.aftercare_id.is_not(None))).all()
    assert sorted((s.slot, s.name) for s in recovery if s.name == HYALURONIC) == [
        ("am", HYALURONIC),
        ("pm", HYALURONIC),
    ]
    # adherence expects each step once: AM cleanser, SPF, hyaluronic; PM serum, cleanser, hyaluronic
    assert adherence_series(patient.id, date(2026, 11, 29), days=1)[0].expected == 6


def test_two_sessions_logged_by_staff_show_each_recovery_step_once_on_today(login_as):
    patient = make_patient(timezone="America/New_York")
    make_routine(patient, AGING_STEPS)
    db.session.commit()
    with time_machine.travel(datetime(2026, 11, 29, 14, 0, tzinfo=UTC), tick=False):
        staff, _ = login_as("aesthetician")
        assert _record_procedure(staff, patient, "2026-11-26T15:00").status_code == 302
        assert _record_procedure(staff, patient, "2026-11-28T15:00").status_code == 302
        own, _ = login_as("patient", patient=patient)
        page = own.get("/portal/today")
    assert page.status_code == 200
    assert _step_names_on_page(page.text).count(HYALURONIC) == 2  # once in the AM, once in the PM
    assert page.text.count("0 of 3") == 2  # cleanser, SPF, hyaluronic / serum, cleanser, hyaluronic


# Item 11: the portal showed the earliest pause end.


def test_a_step_paused_by_two_windows_is_paused_until_the_later_end(app):
    patient = make_patient(timezone="America/New_York")
    make_routine(patient, AGING_STEPS)
    apply_aftercare(patient, procedure(patient.clinic_id), FIRST)
    apply_aftercare(patient, procedure(patient.clinic_id), SECOND)
    plan = day_plan(patient, date(2026, 11, 29))
    pause = next(p.pause for p in plan.slots["am"] if p.pause)
    assert pause.ends_at == SECOND + timedelta(hours=120)
    assert pause_message(pause, NY).startswith("Paused until Thu 3 Dec, after your microneedling on 28 Nov")
    assert _names(day_plan(patient, date(2026, 12, 2)), "am", paused=True) == ["Clinic Basics Vitamin C 15% Serum"]
    assert _names(day_plan(patient, date(2026, 12, 4)), "am", paused=True) == []


def test_today_aftercare_and_staff_pages_give_the_same_pause_end(login_as):
    patient = make_patient(timezone="America/New_York")
    make_routine(patient, AGING_STEPS)
    apply_aftercare(patient, procedure(patient.clinic_id), FIRST)
    apply_aftercare(patient, procedure(patient.clinic_id), SECOND)
    db.session.commit()
    with time_machine.travel(datetime(2026, 11, 29, 14, 0, tzinfo=UTC), tick=False):
        own, _ = login_as("patient", patient=patient)
        today = own.get("/portal/today").text
        aftercare = own.get("/portal/aftercare").text
        staff, _ = login_as("dermatologist")
        routine_page = staff.get(f"/patients/{patient.id}/routine").text
    assert "Paused until Thu 3 Dec" in today and "Tue 1 Dec" not in today
    vitamin_c = re.findall(r"No vitamin C</strong>\s*<div class=\"small\">until (\w+ \d+ \w+)", aftercare)
    assert vitamin_c == ["Thu 3 Dec", "Thu 3 Dec"]  # under both procedures
    assert "Paused until Thu 3 Dec" in routine_page and "Paused until Tue 1 Dec" not in routine_page


def test_pause_days_are_local_across_the_end_of_daylight_saving(app):
    patient = make_patient(timezone="America/New_York")
    make_routine(patient, AGING_STEPS)
    # Fri 30 Oct 15:00 EDT; the 120 h window ends Wed 4 Nov 14:00 EST (clocks went back on 1 Nov)
    apply_aftercare(patient, procedure(patient.clinic_id), datetime(2026, 10, 30, 19, 0, tzinfo=UTC))
    last = day_plan(patient, date(2026, 11, 4))
    assert _names(last, "am", paused=True) == ["Clinic Basics Vitamin C 15% Serum"]  # 08:00 EST
    assert _names(last, "pm", paused=True) == []  # 20:00 EST is after the end
    pause = next(p.pause for p in last.slots["am"] if p.pause)
    assert pause_message(pause, NY).startswith("Paused until Wed 4 Nov")


# Item 20: actives added after a session were not paused.


def test_a_step_added_after_the_session_is_paused(app):
    patient = make_patient(timezone="America/New_York")
    routine = make_routine(patient, [dict(product="Gentle Cream Cleanser", slot="am")])
    apply_aftercare(patient, procedure(patient.clinic_id), FIRST)
    retinol = product(patient.clinic_id, "Retinol 0.3% Night Serum")
    save_step(routine, StepData(slot="pm", frequency="daily", product_id=retinol.id, position=2), None)
    evening = day_plan(patient, date(2026, 11, 26))
    assert _names(evening, "pm", paused=True) == ["Clinic Basics Retinol 0.3% Night Serum"]
    assert _names(day_plan(patient, date(2026, 12, 2)), "pm", paused=True) == []


def test_staff_adding_actives_the_same_afternoon_are_warned_and_the_patient_sees_them_paused(login_as):
    patient = make_patient(timezone="America/New_York")
    routine = make_routine(patient, [dict(product="Gentle Cream Cleanser", slot="am")])
    apply_aftercare(patient, procedure(patient.clinic_id), FIRST)
    db.session.commit()
    actives = [("Retinol 0.3% Night Serum", "pm"), ("Glycolic 7% Toner", "pm"), ("Vitamin C 15% Serum", "am")]
    with time_machine.travel(datetime(2026, 11, 26, 21, 0, tzinfo=UTC), tick=False):
        staff, _ = login_as("dermatologist")
        for position, (name, slot) in enumerate(actives, start=2):
            response = staff.post(
                f"/routines/{routine.id}/steps/new",
                data={
                    "product_id": str(product(patient.clinic_id, name).id),
                    "slot": slot,
                    "position": str(position),
                    "frequency": "daily",
                    "label": "",
                },
            )
            assert response.status_code == 302
            page = staff.get(response.headers["Location"]).text
            assert f"{name} will not be due yet: Paused until Tue 1 Dec, after your microneedling" in page
        own, _ = login_as("patient", patient=patient)
        today = own.get("/portal/today").text
    paused = re.findall(r'step-paused" id="step-\d+">\s*<div[^>]*>\s*<div>\s*<div class="fw-semibold">([^<]+)<', today)
    # this evening's retinol and glycolic toner; the vitamin C is a morning step, paused from tomorrow
    db.session.expire_all()
    assert sorted(paused) == ["Clinic Basics Glycolic 7% Toner", "Clinic Basics Retinol 0.3% Night Serum"]
    assert _names(day_plan(patient, date(2026, 11, 27)), "am", paused=True) == ["Clinic Basics Vitamin C 15% Serum"]


# Item 21: a session for a patient without a routine created a second routine.


def test_a_session_without_a_routine_starts_the_patients_one_routine(login_as):
    patient = make_patient(timezone="America/New_York")
    catalog_clinic(patient)
    with time_machine.travel(datetime(2026, 11, 26, 21, 0, tzinfo=UTC), tick=False):
        staff, _ = login_as("dermatologist")
        assert _record_procedure(staff, patient, "2026-11-26T15:00").status_code == 302
        response = staff.post(
            f"/patients/{patient.id}/routine/new",
            data={"template": "aging", "concern": "aging", "starts_on": "2026-11-26"},
        )
        assert response.status_code == 302
        blank = staff.post(
            f"/patients/{patient.id}/routine/new", data={"template": "", "concern": "aging", "starts_on": "2026-11-26"}
        )
        assert blank.status_code == 302
        assert "already has a routine" in staff.get(blank.headers["Location"]).text
        own, _ = login_as("patient", patient=patient)
        today = own.get("/portal/today").text
    routines = db.session.scalars(sa.select(Routine).where(Routine.patient_id == patient.id)).all()
    assert len(routines) == 1
    assert routines[0].goal == "Smoother texture and fewer fine lines"
    names = _step_names_on_page(today)
    assert names.count("Clinic Basics Gentle Cream Cleanser") == 2  # AM and PM, not doubled by recovery
    assert names.count(HYALURONIC) == 1  # PM only: the AM has The Power Move (hyaluronic acid)
    assert "Recovery after a procedure" not in today


def catalog_clinic(patient) -> None:
    from clinic.clinics.models import Clinic

    catalog(db.session.get(Clinic, patient.clinic_id))
    db.session.commit()
