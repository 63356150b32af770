"""The calendar's time grid: rows every 15 minutes over the opening hours, one column per provider, room or day,
appointments placed by their start and end, and the hours nobody can be booked shaded.

Rows are counted in the clinic's wall-clock time, not in elapsed time: on the day clocks change (a 23- or 25-hour
day) 10:00 is still the row labelled 10:00, and the grid has as many rows as on any other day. The page places
every element with classes (`gr-<row>`, `gs-<span>`, `gc-<column>` in static/css/calendar.css): the CSP forbids
inline styles.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clinic.extensions import db
from clinic.scheduling.models import ACTIVE_STATUSES, Appointment, TimeOff, WorkingHours
from clinic.treatments.models import TreatmentSession

SLOT_MINUTES = 15
MAX_ROWS = 24 * 60 // SLOT_MINUTES
MAX_COLUMNS = 40
MAX_LANES = 4
#: Shown when nobody has working hours that day.
DEFAULT_HOURS = (time(9), time(17))

Interval = tuple[int, int]  # minutes since local midnight, [start, end)


@dataclass
class Card:
    appointment: Appointment
    row: int
    span: int
    status: str  # the status shown: the appointment's, or "in_session"
    status_label: str
    series_label: str | None = None
    lane: int = 0
    lanes: int = 1


@dataclass
class Shade:
    row: int
    span: int
    kind: str  # closed | break | off
    label: str


@dataclass
class Column:
    key: str
    label: str
    day: date
    provider_id: int | None = None
    cards: list[Card] = field(default_factory=list)
    shades: list[Shade] = field(default_factory=list)
    free_rows: list[int] = field(default_factory=list)
    today: bool = False

    def items(self) -> list[tuple[str, int, object]]:
        """Shades, cards and free cells in time order: the reading order of the column."""
        found = [("shade", s.row, s) for s in self.shades] + [("card", c.row, c) for c in self.cards]
        found += [("free", r, r) for r in self.free_rows]
        order = {"shade": 0, "card": 1, "free": 2}
        return sorted(found, key=lambda item: (item[1], order[item[0]]))


@dataclass
class Grid:
    first_minute: int
    rows: int
    columns: list[Column]
    today: date
    zone: ZoneInfo
    lane_names: list[str] = field(default_factory=list)

    def clock(self, row: int) -> str:
        """The wall-clock label of a row's start ("24:00" for the end of a grid that reaches midnight)."""
        minutes = self.first_minute + row * SLOT_MINUTES
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    @property
    def now_class(self) -> str:
        """Where the "now" line goes: across the whole grid (day view) or in today's column (week view)."""
        today = [i for i, c in enumerate(self.columns) if c.today]
        return "gc-wide" if len(today) == len(self.columns) else f"gc-{today[0]}"

    def row_time(self, row: int) -> time:
        minutes = self.first_minute + row * SLOT_MINUTES
        return time(minutes // 60, minutes % 60)

    @property
    def hour_rows(self) -> list[tuple[int, str]]:
        """(row, "09:00") for each full hour: the axis."""
        return [(r, self.row_time(r).strftime("%H:%M")) for r in range(self.rows) if self.row_time(r).minute == 0]

    def starts(self, column: Column, row: int) -> str:
        """The local start of a cell as the booking form's `starts` argument."""
        return datetime.combine(column.day, self.row_time(row)).strftime("%Y-%m-%dT%H:%M")


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def local_minutes(instant: datetime, day: date, zone: ZoneInfo) -> int:
    """Minutes from the local midnight of `day` on the wall clock (negative before, over 1440 after)."""
    local = instant.astimezone(zone)
    return (local.date() - day).days * 24 * 60 + local.hour * 60 + local.minute


def _merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _gaps(open_intervals: list[Interval], low: int, high: int) -> list[tuple[Interval, str]]:
    """The parts of [low, high) outside the open intervals: "closed" at the edges, "break" between."""
    merged = _merge(open_intervals)
    if not merged:
        return [((low, high), "closed")]
    gaps = []
    if merged[0][0] > low:
        gaps.append(((low, merged[0][0]), "closed"))
    gaps += [((a[1], b[0]), "break") for a, b in zip(merged, merged[1:], strict=False)]
    if merged[-1][1] < high:
        gaps.append(((merged[-1][1], high), "closed"))
    return gaps


def grid_bounds(open_intervals: list[Interval], appointment_minutes: list[Interval]) -> tuple[int, int]:
    """First and last minute of the grid: the opening hours rounded out to full hours, widened to show any
    appointment booked outside them."""
    spans = open_intervals + appointment_minutes
    if not spans:
        spans = [(_minutes(DEFAULT_HOURS[0]), _minutes(DEFAULT_HOURS[1]))]
    low = max(0, min(s for s, _ in spans))
    high = min(24 * 60, max(e for _, e in spans))
    return low - low % 60, min(24 * 60, high + (-high) % 60)


def _row(minutes: int, first: int, rows: int) -> int:
    return min(max((minutes - first) // SLOT_MINUTES, 0), rows)


def _assign_lanes(cards: list[Card]) -> None:
    """Side by side where appointments overlap in one column (the week view of the whole clinic)."""
    cards.sort(key=lambda c: (c.row, -c.span))
    group: list[Card] = []
    group_end = -1
    lane_ends: list[int] = []

    def close(group: list[Card]) -> None:
        lanes = min(max((c.lane for c in group), default=0) + 1, MAX_LANES)
        for card in group:
            card.lanes, card.lane = lanes, min(card.lane, MAX_LANES - 1)

    for card in cards:
        if card.row >= group_end:
            close(group)
            group, lane_ends = [], []
        lane = next((i for i, end in enumerate(lane_ends) if end <= card.row), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(card.row + card.span)
        else:
            lane_ends[lane] = card.row + card.span
        card.lane = lane
        group.append(card)
        group_end = max(group_end, card.row + card.span)
    close(group)


@dataclass
class Sources:
    """What the grid is built from, loaded in a fixed number of queries."""

    appointments: list[Appointment]
    hours: dict[tuple[int, int], list[Interval]]  # (provider id, weekday) -> working intervals
    time_off: list[TimeOff]
    in_session: set[int]  # appointment ids with a draft treatment session
    series_numbers: dict[int, int]  # appointment id -> its place in its series


def load_sources(clinic_id: int, appointments: list[Appointment], first: date, last: date, zone: ZoneInfo) -> Sources:
    hours: dict[tuple[int, int], list[Interval]] = defaultdict(list)
    for row in db.session.scalars(sa.select(WorkingHours).where(WorkingHours.clinic_id == clinic_id)):
        hours[(row.provider_id, row.weekday)].append((_minutes(row.starts), _minutes(row.ends)))
    starts = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    ends = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    time_off = list(
        db.session.scalars(
            sa.select(TimeOff).where(TimeOff.clinic_id == clinic_id, TimeOff.starts_at < ends, TimeOff.ends_at > starts)
        )
    )
    ids = [a.id for a in appointments]
    in_session = set()
    if ids:
        in_session = set(
            db.session.scalars(
                sa.select(TreatmentSession.appointment_id).where(
                    TreatmentSession.appointment_id.in_(ids), TreatmentSession.signed_at.is_(None)
                )
            )
        )
    return Sources(appointments, hours, time_off, in_session, _series_numbers(appointments))


def _series_numbers(appointments: list[Appointment]) -> dict[int, int]:
    """Which session of its series each appointment is: its place among the series' active appointments."""
    series_ids = {a.series_id for a in appointments if a.series_id}
    if not series_ids:
        return {}
    rows = db.session.execute(
        sa.select(Appointment.id, Appointment.series_id)
        .where(Appointment.series_id.in_(series_ids), Appointment.status.in_(ACTIVE_STATUSES))
        .order_by(Appointment.series_id, Appointment.starts_at, Appointment.id)
    )
    numbers, counters = {}, defaultdict(int)
    for appointment_id, series_id in rows:
        counters[series_id] += 1
        numbers[appointment_id] = counters[series_id]
    return numbers


def _card(appointment: Appointment, sources: Sources, day: date, zone: ZoneInfo, first: int, rows: int) -> Card:
    row = _row(local_minutes(appointment.starts_at, day, zone), first, rows)
    end = _row(local_minutes(appointment.ends_at, day, zone) + SLOT_MINUTES - 1, first, rows)
    status, label = appointment.status, appointment.status_label
    if appointment.id in sources.in_session and status in ("booked", "checked_in"):
        status, label = "in_session", "In session"
    series_label = None
    if appointment.series is not None and appointment.id in sources.series_numbers:
        number = sources.series_numbers[appointment.id]
        series_label = f"{number} of {appointment.series.package_sessions}"
    return Card(appointment, min(row, rows - 1), max(end - row, 1), status, label, series_label)


def _off_intervals(sources: Sources, day: date, zone: ZoneInfo, provider_id: int | None) -> list[tuple[Interval, str]]:
    """Time off on `day` of the provider (or clinic-wide when provider_id is None, and always for everyone)."""
    found = []
    for off in sources.time_off:
        if off.provider_id is not None and off.provider_id != provider_id:
            continue
        start = max(local_minutes(off.starts_at, day, zone), 0)
        end = min(local_minutes(off.ends_at, day, zone), 24 * 60)
        if start < end:
            found.append(((start, end), off.reason))
    return found


def _open(sources: Sources, provider_ids: list[int], day: date) -> list[Interval]:
    return [i for p in provider_ids for i in sources.hours.get((p, day.weekday()), [])]


def _fill(column: Column, grid_first: int, rows: int, open_intervals: list[Interval], offs, bookable: bool) -> None:
    high = grid_first + rows * SLOT_MINUTES
    blocked = [False] * rows
    for (start, end), kind in _gaps(open_intervals, grid_first, high):
        _shade(column, blocked, grid_first, rows, start, end, kind, "Closed" if kind == "closed" else "Break")
    for (start, end), reason in offs:
        _shade(column, blocked, grid_first, rows, start, end, "off", reason)
    for card in column.cards:
        if card.status in ("cancelled", "no_show"):
            continue
        for r in range(card.row, min(card.row + card.span, rows)):
            blocked[r] = True
    column.free_rows = [r for r in range(rows) if not blocked[r]] if bookable else []
    _assign_lanes(column.cards)


def _shade(column: Column, blocked: list[bool], first: int, rows: int, start: int, end: int, kind: str, label: str):
    row, stop = _row(start, first, rows), _row(end + SLOT_MINUTES - 1, first, rows)
    if stop <= row:
        return
    column.shades.append(Shade(row, stop - row, kind, label))
    for r in range(row, stop):
        blocked[r] = True


def _bounds(sources: Sources, provider_ids: list[int], days: list[date], zone: ZoneInfo) -> tuple[int, int]:
    open_intervals = [i for day in days for i in _open(sources, provider_ids, day)]
    booked = [
        (
            local_minutes(a.starts_at, a.local_date, zone),
            local_minutes(a.ends_at, a.local_date, zone),
        )
        for a in sources.appointments
    ]
    return grid_bounds(open_intervals, booked)


def day_grid(sources: Sources, day: date, zone: ZoneInfo, today: date, providers: list, rooms: list | None) -> Grid:
    """One day: a column per provider, or per room when `rooms` is given."""
    provider_ids = [p.id for p in providers]
    first, last = _bounds(sources, provider_ids, [day], zone)
    rows = (last - first) // SLOT_MINUTES
    columns = []
    if rooms is None:
        for provider in providers:
            column = Column(f"provider-{provider.id}", provider.full_name, day, provider.id, today=day == today)
            mine = [a for a in sources.appointments if a.provider_id == provider.id]
            column.cards = [_card(a, sources, day, zone, first, rows) for a in mine]
            offs = _off_intervals(sources, day, zone, provider.id)
            _fill(column, first, rows, _open(sources, [provider.id], day), offs, True)
            columns.append(column)
    else:
        clinic_open = _open(sources, provider_ids, day)
        for room in rooms:
            column = Column(f"room-{room.id}", room.name, day, today=day == today)
            mine = [a for a in sources.appointments if a.room_id == room.id]
            column.cards = [_card(a, sources, day, zone, first, rows) for a in mine]
            _fill(column, first, rows, clinic_open, _off_intervals(sources, day, zone, None), False)
            columns.append(column)
    return Grid(first, max(rows, 1), columns[:MAX_COLUMNS], today, zone)


def week_grid(sources: Sources, first_day: date, zone: ZoneInfo, today: date, providers: list, provider=None) -> Grid:
    """Seven day columns, for one provider (their hours shaded, empty cells bookable) or the whole clinic."""
    days = [first_day + timedelta(days=i) for i in range(7)]
    provider_ids = [provider.id] if provider else [p.id for p in providers]
    first, last = _bounds(sources, provider_ids, days, zone)
    rows = (last - first) // SLOT_MINUTES
    columns = []
    for day in days:
        column = Column(
            day.isoformat(), day.strftime("%a %d %b"), day, provider.id if provider else None, today=day == today
        )
        column.cards = [_card(a, sources, day, zone, first, rows) for a in sources.appointments if a.local_date == day]
        offs = _off_intervals(sources, day, zone, provider.id if provider else None)
        _fill(column, first, rows, _open(sources, provider_ids, day), offs, provider is not None)
        columns.append(column)
    lanes = _provider_lanes(columns, [p.id for p in providers]) if provider is None else []
    names = {p.id: p.full_name for p in providers}
    return Grid(first, max(rows, 1), columns, today, zone, [names[i] for i in lanes])


def _provider_lanes(columns: list[Column], provider_ids: list[int]) -> list[int]:
    """The whole clinic's week: each provider keeps the same narrow lane every day (when they fit), so the eye
    can follow one person down the week; otherwise overlapping cards share lanes as they come."""
    busy = [p for p in provider_ids if any(c.appointment.provider_id == p for col in columns for c in col.cards)]
    if not busy or len(busy) > MAX_LANES:
        return []
    for column in columns:
        if any(c.appointment.provider_id not in busy for c in column.cards):
            continue
        for card in column.cards:
            card.lane, card.lanes = busy.index(card.appointment.provider_id), len(busy)
    return busy


def now_row(grid: Grid, now: datetime) -> int | None:
    """The row of the current time if today is on the grid and inside its hours (the server-side "now" line;
    static/js/calendar.js moves it as the day goes on)."""
    if not any(c.today for c in grid.columns):
        return None
    minutes = local_minutes(now, grid.today, grid.zone)
    if not grid.first_minute <= minutes < grid.first_minute + grid.rows * SLOT_MINUTES:
        return None
    return (minutes - grid.first_minute) // SLOT_MINUTES
