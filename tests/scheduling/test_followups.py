"""The follow-up queue's contents, order and pages at a frozen time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta

from clinic.extensions import db
from clinic.scheduling.booking import book_appointment, change_status
from clinic.scheduling.followups import follow_up_queue
from clinic.scheduling.series import start_series
from clinic.scheduling.series_rules import refresh_series
from tests.factories import make_patient
from tests.scheduling.factories import at, protocol_for

TODAY = date(2027, 2, 15)  # a Monday
NOW = datetime(2027, 2, 15, 17, tzinfo=UTC)  # 12:00 in New York
PAST = datetime(2026, 6, 1, tzinfo=UTC)


def _weekday(day: date) -> date:
    while day.weekday() > 4:
        day -= timedelta(days=1)
    return day


TIMES = iter([(9, 0), (10, 15), (13, 30), (14, 45)] * 4)


def _series_with_session(world, days_ago: int, status: str = "completed", name: str = "Series"):
    clinic, aesthetician, _, kind, _ = world
    patient = make_patient(clinic, last_name=name)
    series = start_series(clinic, patient, protocol_for(kind.procedure), kind)
    day = _weekday(TODAY - timedelta(days=days_ago))
    appointment = book_appointment(
        clinic=clinic,
        patient=patient,
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(day, *next(TIMES)),
        series=series,
        allow_past=True,
        now=PAST,
        notify=False,
    )
    if status != "booked":
        change_status(appointment, status, clinic=clinic, now=appointment.starts_at)
    refresh_series(series, clinic, TODAY)
    return patient, series, appointment


@pytest.fixture
def queue_world(world):
    global TIMES  # noqa: PLW0603 - a fresh round of distinct times per test
    TIMES = iter([(9, 0), (10, 15), (13, 30), (14, 45)] * 4)
    clinic, aesthetician, _, kind, _ = world
    due = _series_with_session(world, 30, name="Due")  # due since day 28, window closes day 42
    closing = _series_with_session(world, 37, name="Closing")  # window closes within 7 days
    overdue = _series_with_session(world, 50, name="Overdue")  # window closed
    booked = _series_with_session(world, 30, name="Booked")  # next session already booked → not listed
    book_appointment(
        clinic=clinic,
        patient=booked[0],
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(TODAY + timedelta(days=1), 9),
        series=booked[1],
        now=NOW,
        notify=False,
    )
    fresh = _series_with_session(world, 5, name="Fresh")  # not due yet → only its baseline checkpoint
    fresh[1].checkpoints_recorded = 1
    refresh_series(fresh[1], clinic, TODAY)
    checkpoint = _series_with_session(world, 95, name="Checkpoint")  # 3-month checkpoint due
    checkpoint[1].checkpoints_recorded = 1
    refresh_series(checkpoint[1], clinic, TODAY)
    no_show_patient = make_patient(clinic, last_name="Noshow")
    missed = book_appointment(
        clinic=clinic,
        patient=no_show_patient,
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(TODAY - timedelta(days=3), 9),
        allow_past=True,
        now=PAST,
        notify=False,
    )
    change_status(missed, "no_show", clinic=clinic, now=missed.starts_at + timedelta(minutes=15))
    archived = _series_with_session(world, 53, name="Archived")
    archived[0].archived_at = PAST
    db.session.commit()
    return dict(due=due, closing=closing, overdue=overdue, fresh=fresh, checkpoint=checkpoint, missed=missed)


def test_queue_contents_and_order(world, queue_world):
    page = follow_up_queue(world[0], now=NOW)
    rows = [(item.patient.last_name, item.kind) for item in page.items]
    # Every series' unrecorded baseline checkpoint is listed too, except for patients booked ahead.
    listed = {name for name, _ in rows}
    assert "Booked" not in listed and "Archived" not in listed
    kinds = dict(((name, kind) for name, kind in rows if kind != "checkpoint"))
    assert kinds == {
        "Due": "due",
        "Closing": "window_closing",
        "Overdue": "overdue",
        "Noshow": "no_show",
        "Checkpoint": "overdue",
    }
    assert ("Checkpoint", "checkpoint") in rows
    assert ("Fresh", "due") not in rows
    due_dates = [item.due_on for item in page.items]
    assert due_dates == sorted(due_dates)
    checkpoint = next(i for i in page.items if i.patient.last_name == "Checkpoint" and i.kind == "checkpoint")
    assert checkpoint.due_on == queue_world["checkpoint"][2].local_date + relativedelta(months=3)


def test_queue_paginates_in_sql(world, queue_world, count_queries):
    everything = follow_up_queue(world[0], now=NOW, per_page=100)
    first = follow_up_queue(world[0], now=NOW, per_page=3)
    second = follow_up_queue(world[0], now=NOW, page=2, per_page=3)
    assert first.total == everything.total and first.pages == (everything.total + 2) // 3
    keys = [(i.kind, i.patient.id) for i in first.items + second.items]
    assert keys == [(i.kind, i.patient.id) for i in everything.items[:6]]
    with count_queries() as small:
        follow_up_queue(world[0], now=NOW, per_page=2)
    with count_queries() as large:
        follow_up_queue(world[0], now=NOW, per_page=100)
    # count, page, patients, series + protocols, appointments + providers, types: however many rows.
    assert small.count <= large.count <= 8


def test_queue_page_books_in_one_click(login_as, world, queue_world):
    with time_machine.travel(NOW, tick=False):
        client, _ = login_as("aesthetician")
        page = client.get("/schedule/followups")
        assert page.status_code == 200 and "Window closes soon" in page.text and "No-show to rebook" in page.text
        series = queue_world["due"][1]
        assert f"/schedule/book?patient={queue_world['due'][0].id}" in page.text.replace("&amp;", "&")
        form = client.get(
            f"/schedule/book?patient={series.patient_id}&type={series.appointment_type_id}"
            f"&series={series.id}&start={TODAY}&end={TODAY + timedelta(days=7)}"
        )
        assert form.status_code == 200 and "Free slots in the due window" in form.text
        checkpoint = queue_world["checkpoint"][1]
        assert client.post(f"/schedule/series/{checkpoint.id}/checkpoint", data={}).status_code == 302
    db.session.refresh(checkpoint)
    assert checkpoint.checkpoints_recorded == 2
