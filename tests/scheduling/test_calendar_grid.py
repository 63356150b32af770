"""The calendar's time grid: placement by start and end, shading, series labels, booking from an empty cell,
moving with the booking checks, access, and the day clocks change."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clinic.extensions import db
from clinic.scheduling import grid
from clinic.scheduling.booking import book_appointment
from clinic.scheduling.models import WorkingHours
from clinic.scheduling.series import start_series
from tests.factories import make_clinic, make_patient
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, make_time_off, protocol_for

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


def _book(world, hour: int, minute: int = 0, day: date = MONDAY, provider=None, series=None, patient=None):
    clinic, aesthetician, _, kind, default_patient = world
    appointment = book_appointment(
        clinic=clinic,
        patient=patient or make_patient(clinic),
        appointment_type=kind,
        provider=provider or aesthetician,
        starts_at=at(day, hour, minute),
        series=series,
        now=FROZEN,
    )
    db.session.commit()
    return appointment


def _card_classes(html: str, appointment_id: int) -> str:
    return re.search(rf'class="([^"]*)"[^>]*data-appointment="{appointment_id}"', html).group(1)


def test_gaps_and_bounds():
    assert grid.grid_bounds([(9 * 60, 12 * 60 + 30), (13 * 60 + 30, 17 * 60)], []) == (540, 1020)
    assert grid.grid_bounds([(9 * 60 + 30, 16 * 60 + 45)], [(8 * 60 + 15, 9 * 60)]) == (480, 1020)
    assert grid.grid_bounds([], []) == (540, 1020)
    gaps = grid._gaps([(600, 720), (780, 960)], 540, 1020)
    assert gaps == [((540, 600), "closed"), ((720, 780), "break"), ((960, 1020), "closed")]


def test_overlapping_cards_share_the_column_in_lanes():
    cards = [grid.Card(None, row, span, "booked", "Booked") for row, span in ((0, 4), (2, 4), (8, 2), (3, 1))]
    grid._assign_lanes(cards)
    lanes = {(c.row, c.span): (c.lane, c.lanes) for c in cards}
    assert lanes[(0, 4)] == (0, 3) and lanes[(2, 4)] == (1, 3) and lanes[(3, 1)] == (2, 3)
    assert lanes[(8, 2)] == (0, 1)


def test_the_stylesheet_has_a_class_for_every_row_span_column_and_lane():
    css = Path(__file__).parents[2].joinpath("static/css/calendar.css").read_text()
    assert f".gr-{grid.MAX_ROWS - 1} " in css and f".gs-{grid.MAX_ROWS} " in css
    assert f".gc-{grid.MAX_COLUMNS - 1} " in css and f".cols-{grid.MAX_COLUMNS} " in css
    assert f".lane-{grid.MAX_LANES - 1}-of-{grid.MAX_LANES} " in css


def test_day_view_places_cards_by_start_and_end_and_shades_the_break(login_as, world):
    clinic, aesthetician, dermatologist, kind, patient = world
    series = start_series(clinic, patient, protocol_for(kind.procedure), kind)
    first = _book(world, 10, 15, series=series, patient=patient)  # 60 min: 10:15-11:15
    make_time_off(clinic, at(MONDAY, 14), at(MONDAY, 15), provider=dermatologist, reason="Dentist")
    db.session.commit()
    client, _ = login_as("aesthetician")
    html = client.get(f"/schedule/day?day={MONDAY.isoformat()}").text
    classes = _card_classes(html, first.id)
    assert "gr-5" in classes and "gs-4" in classes  # (10:15 - 09:00) / 15 min, one hour
    assert f'<span class="cal-series">1 of {series.package_sessions}</span> · Microneedling + topical exosome' in html
    assert "Booked</span>" in html and "status-booked" in html
    assert "Break 12:30–13:30" in html and "Dentist 14:00–15:00" in html
    assert html.count('class="cal-hour') == 8  # 09:00 ... 16:00
    free = re.findall(rf'href="/schedule/book\?provider={aesthetician.id}&amp;starts=([^"]+)"', html)
    assert "2026-12-07T09%3A00" in free or "2026-12-07T09:00" in free
    assert not any("T10:15" in f or "T10%3A15" in f for f in free)  # taken
    assert not any("T12:45" in f or "T12%3A45" in f for f in free)  # lunch break
    by_room = client.get(f"/schedule/day?day={MONDAY.isoformat()}&by=room").text
    assert 'id="col-room-' in by_room and "cal-free" not in by_room


def test_week_view_has_seven_day_columns_and_a_provider_filter(login_as, world):
    _book(world, 9)
    _book(world, 9, day=date(2026, 12, 9))
    client, _ = login_as("aesthetician")
    html = client.get(f"/schedule/week?day={MONDAY.isoformat()}&provider={world[1].id}").text
    assert html.count('class="cal-head') == 7 and "cols-7" in html
    assert html.count("data-appointment=") == 2 and "cal-free" in html
    whole = client.get(f"/schedule/week?day={MONDAY.isoformat()}").text
    assert "cal-free" not in whole  # booking from the grid needs a provider
    assert f"In each day, left to right: {world[1].full_name}." in whole and "cal-wide" in whole


def test_empty_cell_books_with_provider_and_time_prefilled(login_as, world):
    clinic, aesthetician, _, kind, patient = world
    client, _ = login_as("aesthetician")
    url = f"/schedule/book?provider={aesthetician.id}&starts=2026-12-07T10:30"
    choose = client.get(url + f"&q={patient.last_name}")
    assert choose.status_code == 200 and "Who is the patient?" in choose.text and patient.full_name in choose.text
    form = client.get(url + f"&patient={patient.id}").text
    assert 'value="2026-12-07T10:30"' in form and f'<option selected value="{aesthetician.id}"' in form


def test_moving_onto_a_booked_time_is_refused_with_the_reason(login_as, world):
    clinic, aesthetician, *_ = world
    _book(world, 9)
    second = _book(world, 11)
    client, _ = login_as("aesthetician")
    response = client.post(
        f"/schedule/appointments/{second.id}/reschedule",
        data={"provider_id": aesthetician.id, "starts_at": "2026-12-07T09:30"},
    )
    assert response.status_code == 422
    assert "already" in response.text.lower() or "booked" in response.text.lower()
    db.session.refresh(second)
    assert second.starts_at == at(MONDAY, 11)


def test_calendar_access(login_as, world):
    appointment = _book(world, 9)
    for role in ("admin", "patient"):
        client, _ = login_as(role)
        assert client.get("/schedule/day").status_code == 403
        assert client.get("/schedule/book?provider=1&starts=2026-12-07T10:30").status_code == 403
    client, _ = login_as("aesthetician", clinic=make_clinic("Elsewhere"))
    assert client.get(f"/schedule/appointments/{appointment.id}").status_code == 404
    data = {"provider_id": world[1].id, "starts_at": "2026-12-07T13:30"}
    assert client.post(f"/schedule/appointments/{appointment.id}/reschedule", data=data).status_code == 404
    assert f'data-appointment="{appointment.id}"' not in client.get(f"/schedule/day?day={MONDAY}").text
    assert client.get(f"/schedule/book?provider={world[1].id}&starts=2026-12-07T10:30").status_code == 404


@pytest.mark.parametrize("day, hours_long", [(date(2026, 3, 8), 23), (date(2026, 11, 1), 25), (date(2026, 11, 2), 24)])
def test_the_day_clocks_change_keeps_wall_clock_rows(login_as, world, day, hours_long):
    clinic, aesthetician, *_ = world
    hours = [(w, time(0), time(6)) for w in range(7)] + [(w, time(9), time(17)) for w in (5, 6)]
    for weekday, starts, ends in hours:  # the night hours put the clock change on the grid; Sundays open too
        db.session.add(
            WorkingHours(clinic_id=clinic.id, provider_id=aesthetician.id, weekday=weekday, starts=starts, ends=ends)
        )
    db.session.commit()
    start, end = (datetime.combine(day, time(0), tzinfo=NEW_YORK), datetime.combine(day, time(23), tzinfo=NEW_YORK))
    assert round((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600) + 1 == hours_long
    with time_machine.travel(datetime.combine(day, time(10, 7), tzinfo=NEW_YORK), tick=False):
        appointment = book_appointment(
            clinic=clinic,
            patient=make_patient(clinic),
            appointment_type=world[3],
            provider=aesthetician,
            starts_at=datetime.combine(day, time(10), tzinfo=NEW_YORK).astimezone(UTC),
            allow_past=True,
        )
        db.session.commit()
        client, _ = login_as("aesthetician")
        html = client.get(f"/schedule/day?day={day.isoformat()}&provider={aesthetician.id}").text
    assert "gr-40 " in _card_classes(html, appointment.id) + " "  # 10:00 is row 40 on every day
    labels = re.findall(r'class="cal-hour[^"]*"[^>]*>([0-9:]+)<', html)
    assert labels == [f"{h:02d}:00" for h in range(17)]  # one row per wall-clock quarter, no hour twice
    assert re.search(r'class="cal-now gc-wide gr-40"', html)
