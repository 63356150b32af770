"""The patient's today page: local date, tick/skip/undo (htmx and plain form), IDOR, query count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from clinic.extensions import db
from clinic.routines.models import AdherenceLog
from tests.factories import make_patient
from tests.routines.factories import AGING_STEPS, make_routine

NOW = datetime(2026, 11, 27, 3, 30, tzinfo=UTC)  # Thu 26 Nov in New York, Fri 27 Nov in London


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _patient_client(login_as, timezone="America/New_York"):
    patient = make_patient(timezone=timezone)
    routine = make_routine(patient, AGING_STEPS)
    client, _ = login_as("patient", patient=patient)
    return client, patient, routine


def _logs(patient_id):
    return db.session.scalars(sa.select(AdherenceLog).where(AdherenceLog.patient_id == patient_id)).all()


@pytest.mark.parametrize(("zone", "heading"), [("America/New_York", "Thu 26 Nov"), ("Europe/London", "Fri 27 Nov")])
def test_today_shows_am_and_pm_for_the_patients_local_date(login_as, frozen, zone, heading):
    client, patient, routine = _patient_client(login_as, zone)
    page = client.get("/portal/today")
    assert page.status_code == 200
    assert f"Today, {heading}" in page.text
    assert "Morning routine" in page.text and "Evening routine" in page.text
    assert "Clinic Basics Vitamin C 15% Serum" in page.text
    assert 'hx-post="/portal/steps/' in page.text


def test_tick_twice_keeps_one_row_then_undo(login_as, frozen):
    client, patient, routine = _patient_client(login_as)
    step = routine.steps[0]
    data = {"status": "done", "day": "2026-11-26"}
    assert client.post(f"/portal/steps/{step.id}/log", data=data).status_code == 302
    assert client.post(f"/portal/steps/{step.id}/log", data=data).status_code == 302
    logs = _logs(patient.id)
    assert [(log.step_id, log.local_date, log.status, log.slot) for log in logs] == [
        (step.id, date(2026, 11, 26), "done", "am")
    ]
    client.post(f"/portal/steps/{step.id}/log", data={"status": "skipped", "day": "2026-11-26"})
    db.session.expire_all()
    assert [log.status for log in _logs(patient.id)] == ["skipped"]
    assert client.post(f"/portal/steps/{step.id}/undo", data={"day": "2026-11-26"}).status_code == 302
    assert _logs(patient.id) == []


def test_htmx_tick_returns_the_step_partial(login_as, frozen):
    client, patient, routine = _patient_client(login_as)
    step = routine.steps[1]
    response = client.post(
        f"/portal/steps/{step.id}/log",
        data={"status": "done", "day": "2026-11-26"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith("{#") is False and f'id="step-{step.id}"' in response.text
    assert "Done" in response.text and "Undo" in response.text
    assert "<html" not in response.text


def test_ticking_a_future_date_is_refused(login_as, frozen):
    client, patient, routine = _patient_client(login_as)
    step = routine.steps[0]
    response = client.post(f"/portal/steps/{step.id}/log", data={"status": "done", "day": "2026-11-27"})
    assert response.status_code == 302
    assert "has not come yet" in client.get("/portal/today").text
    htmx = client.post(
        f"/portal/steps/{step.id}/log",
        data={"status": "done", "day": "2026-11-28"},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 400
    assert _logs(patient.id) == []


def test_a_bad_status_is_refused(login_as, frozen):
    client, patient, routine = _patient_client(login_as)
    response = client.post(f"/portal/steps/{routine.steps[0].id}/log", data={"status": "eaten", "day": "2026-11-26"})
    assert response.status_code == 400
    assert _logs(patient.id) == []


@pytest.mark.parametrize("action", ["log", "undo"])
def test_another_patients_step_is_not_found(login_as, frozen, action):
    client, patient, routine = _patient_client(login_as)
    other = make_patient()
    other_routine = make_routine(other, AGING_STEPS)
    db.session.commit()
    response = client.post(
        f"/portal/steps/{other_routine.steps[0].id}/{action}", data={"status": "done", "day": "2026-11-26"}
    )
    assert response.status_code == 404
    assert _logs(other.id) == []


PORTAL_ROUTES = [
    ("get", "/portal/today"),
    ("get", "/portal/history"),
    ("get", "/portal/reminders"),
    ("post", "/portal/reminders"),
    ("get", "/portal/aftercare"),
    ("get", "/portal/report-problem"),
    ("post", "/portal/report-problem"),
    ("get", "/portal/my-data.json"),
    ("post", "/portal/steps/{step}/log"),
    ("post", "/portal/steps/{step}/undo"),
]


@pytest.mark.parametrize(("method", "url"), PORTAL_ROUTES)
@pytest.mark.parametrize("role", ["dermatologist", "aesthetician", "admin"])
def test_portal_routine_pages_are_for_patients_only(login_as, method, url, role):
    patient = make_patient()
    routine = make_routine(patient, AGING_STEPS)
    client, _ = login_as(role)
    response = getattr(client, method)(
        url.format(step=routine.steps[0].id), **({"data": {}} if method == "post" else {})
    )
    assert response.status_code == 403


def _history(patient, routine, days: int) -> None:
    start = date(2026, 11, 26) - timedelta(days=days)
    for step in routine.steps:
        for n in range(days):
            db.session.add(
                AdherenceLog(
                    step_id=step.id,
                    patient_id=patient.id,
                    slot=step.slot,
                    local_date=start + timedelta(days=n),
                    status="done",
                    at=NOW,
                )
            )
    db.session.commit()


def test_today_query_count_does_not_grow_with_history(login_as, frozen, count_queries):
    client, patient, routine = _patient_client(login_as)
    client.get("/portal/today")
    with count_queries() as short:
        assert client.get("/portal/today").status_code == 200
    _history(patient, routine, 25)
    with count_queries() as long:
        assert client.get("/portal/today").status_code == 200
    assert long.count == short.count
    # login session, user, patient, routine, steps, products, tags, windows, ticks, due steps; the audit event
    # (on SQLite: the write lock, the chain's previous hash, the insert)
    assert short.count <= 13


def test_today_prompts_to_reorder_a_week_before_run_out(login_as, frozen):
    client, patient, routine = _patient_client(login_as)
    routine.steps[0].runs_out_on = date(2026, 12, 2)
    routine.steps[1].runs_out_on = date(2026, 12, 4)
    db.session.commit()
    page = client.get("/portal/today")
    assert page.text.count("time to reorder") == 1
    assert "Clinic Basics Gentle Cream Cleanser runs out around" in page.text


def test_views_and_ticks_are_audited_with_the_patient(login_as, frozen):
    from clinic.audit.models import AuditEvent

    client, patient, routine = _patient_client(login_as)
    client.get("/portal/today")
    client.get("/portal/reminders")
    client.post(f"/portal/steps/{routine.steps[0].id}/log", data={"status": "done", "day": "2026-11-26"})
    events = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.patient_id).where(AuditEvent.action != "auth.login")
    ).all()
    assert {
        ("routine.view", patient.id),
        ("reminders.preferences_view", patient.id),
        ("routine.step_done", patient.id),
    } <= set(events)


def test_htmx_tick_updates_the_slot_counter_out_of_band(login_as, frozen):
    """Issue 14, item 12: the "0 of 3" counter changes in the same swap as the step."""
    client, patient, routine = _patient_client(login_as)
    page = client.get("/portal/today").text
    assert '<small class="text-body-secondary" id="count-am">0 of 3</small>' in page
    step = routine.steps[0]
    response = client.post(
        f"/portal/steps/{step.id}/log",
        data={"status": "done", "day": "2026-11-26"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert '<small class="text-body-secondary" id="count-am" data-hx-swap-oob="true">1 of 3</small>' in response.text
    undo = client.post(f"/portal/steps/{step.id}/undo", data={"day": "2026-11-26"}, headers={"HX-Request": "true"})
    assert 'id="count-am" data-hx-swap-oob="true">0 of 3</small>' in undo.text
    plain = client.post(f"/portal/steps/{step.id}/log", data={"status": "done", "day": "2026-11-26"})
    assert plain.status_code == 302 and "hx-swap-oob" not in client.get("/portal/today").text
