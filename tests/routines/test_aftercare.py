"""Procedure-aware pauses at frozen times: pause, recovery steps, automatic resume, staff adjustments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from clinic.extensions import db
from clinic.routines.aftercare import adjust_window, apply_aftercare, end_window, pause_message
from clinic.routines.models import AftercareRecord, RoutineWindow
from clinic.routines.services import day_plan
from tests.factories import make_clinic, make_patient
from tests.routines.factories import AGING_STEPS, make_routine, procedure

ENDED = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # 15:00 in New York
NY = ZoneInfo("America/New_York")


def _names(plan, slot, paused=None):
    return [p.step.name for p in plan.slots[slot] if paused is None or (p.pause is not None) == paused]


@pytest.fixture
def treated(app):
    patient = make_patient(timezone="America/New_York")
    make_routine(patient, AGING_STEPS)
    record = apply_aftercare(patient, procedure(patient.clinic_id), ENDED)
    db.session.commit()
    return patient, record


def test_conflicting_steps_pause_and_recovery_steps_appear(treated):
    patient, _ = treated
    plan = day_plan(patient, date(2026, 11, 27))
    assert _names(plan, "am", paused=True) == ["Clinic Basics Vitamin C 15% Serum"]
    assert _names(plan, "pm", paused=True) == ["Clinic Basics Retinol 0.3% Night Serum"]
    am_recovery = [p.step.name for p in plan.slots["am"] if p.step.aftercare_id]
    pm_recovery = [p.step.name for p in plan.slots["pm"] if p.step.aftercare_id]
    # The routine already has a gentle cleanser and SPF in the morning: only hyaluronic acid is added.
    assert am_recovery == ["Clinic Basics Hyaluronic Recovery Serum"]
    assert sorted(pm_recovery) == [
        "Clinic Basics Gentle Cream Cleanser",
        "Clinic Basics Hyaluronic Recovery Serum",
    ]


def test_everything_resumes_by_itself_when_the_window_ends(treated):
    patient, _ = treated
    last_day = day_plan(patient, date(2026, 12, 1))  # window ends 1 Dec 15:00 New York
    assert "Clinic Basics Vitamin C 15% Serum" in _names(last_day, "am", paused=True)
    assert _names(last_day, "pm", paused=True) == []
    after = day_plan(patient, date(2026, 12, 2))
    assert _names(after, "am", paused=True) == [] and _names(after, "pm", paused=True) == []
    assert not any(p.step.aftercare_id for slot in after.slots.values() for p in slot)


def _pause_window(tag="vitamin_c") -> RoutineWindow:
    return db.session.scalar(
        sa.select(RoutineWindow).where(RoutineWindow.action == "pause_tag", RoutineWindow.ingredient_tag == tag)
    )


def test_the_portal_says_why(treated, login_as):
    patient, _ = treated
    pause = next(p.pause for p in day_plan(patient, date(2026, 11, 27)).slots["am"] if p.pause)
    assert pause_message(pause, NY).startswith("Paused until Tue 1 Dec, after your microneedling on 26 Nov")
    with time_machine.travel(datetime(2026, 11, 27, 14, 0, tzinfo=UTC), tick=False):
        client, _ = login_as("patient", patient=patient)
        page = client.get("/portal/today")
    assert "step-paused" in page.text
    assert "Paused until Tue 1 Dec, after your microneedling on 26 Nov (no vitamin C)" in page.text


def test_the_same_session_applies_once(treated):
    patient, _ = treated
    first = apply_aftercare(patient, procedure(patient.clinic_id), ENDED, session_ref="session-7")
    again = apply_aftercare(patient, procedure(patient.clinic_id), ENDED, session_ref="session-7")
    assert first.id == again.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AftercareRecord)) == 2


def test_scalp_procedure_pauses_nothing(app):
    patient = make_patient(timezone="America/New_York")
    make_routine(patient, AGING_STEPS)
    apply_aftercare(patient, procedure(patient.clinic_id, "scalp_exosome_injection"), ENDED)
    assert _names(day_plan(patient, date(2026, 11, 27)), "am", paused=True) == []
    assert _names(day_plan(patient, date(2026, 11, 27)), "pm", paused=True) == []


def test_staff_adjust_and_end_a_pause(treated):
    patient, _ = treated
    pause = _pause_window()
    adjust_window(pause, until=date(2026, 11, 28), zone=NY)
    assert pause.ends_at == datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
    end_window(pause, now=datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    assert pause.ends_at == datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert _names(day_plan(patient, date(2026, 11, 27)), "am", paused=True) == []


def test_staff_record_a_procedure_from_the_routine_page(login_as):
    patient = make_patient(timezone="America/New_York")
    make_routine(patient, AGING_STEPS)
    proc = procedure(patient.clinic_id)
    db.session.commit()
    with time_machine.travel(datetime(2026, 11, 27, 12, 0, tzinfo=UTC), tick=False):
        client, _ = login_as("aesthetician")
        future = client.post(
            f"/patients/{patient.id}/aftercare",
            data={"procedure_id": proc.id, "session_ended_at": "2026-11-28T10:00"},
        )
        assert future.status_code == 302
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AftercareRecord)) == 0
        response = client.post(
            f"/patients/{patient.id}/aftercare",
            data={"procedure_id": proc.id, "session_ended_at": "2026-11-26T15:00"},
        )
        assert response.status_code == 302
        page = client.get(f"/patients/{patient.id}/routine")
    record = db.session.scalar(sa.select(AftercareRecord))
    assert record.session_ended_at == ENDED
    assert "Paused until Tue 1 Dec" in page.text


def test_staff_pause_routes_by_form(login_as, treated):
    patient, _ = treated
    client, _ = login_as("dermatologist")
    pause = _pause_window()
    assert client.post(f"/routines/pauses/{pause.id}/adjust", data={"ends_on": "2026-11-28"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(RoutineWindow, pause.id).ends_at == datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
    assert client.post(f"/routines/pauses/{pause.id}/end", data={}).status_code == 302


@pytest.mark.parametrize("action", ["adjust", "end"])
def test_pause_routes_refuse_patients_and_other_clinics(login_as, treated, action):
    patient, _ = treated
    pause = _pause_window()
    own, _ = login_as("patient", patient=patient)
    assert own.post(f"/routines/pauses/{pause.id}/{action}", data={"ends_on": "2026-12-30"}).status_code == 403
    elsewhere, _ = login_as("dermatologist", clinic=make_clinic("Elsewhere"))
    assert elsewhere.post(f"/routines/pauses/{pause.id}/{action}", data={"ends_on": "2026-12-30"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(RoutineWindow, pause.id).ends_at == datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
