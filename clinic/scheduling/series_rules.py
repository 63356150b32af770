"""A series' interval rules and its progress.

A protocol's induction phase is either fixed day offsets (sessions on days 1, 15, 45...: session k may
be `series_tolerance_days` either side of its planned gap) or a count with a minimum and maximum interval.
Booking inside the minimum is refused with the reason; past the maximum it is allowed and flagged overdue.

After induction, a protocol with a maintenance interval keeps the series active "in maintenance": one
maintenance session at a time, due `maintenance_interval_days` after the last completed session, with the
same tolerance either side.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from clinic.catalog.models import Protocol
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.scheduling.checkpoints import refresh_checkpoints
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.models import ACTIVE_STATUSES, Appointment, Series


def interval_bounds(protocol: Protocol, index: int, tolerance_days: int) -> tuple[int, int | None]:
    """(minimum, maximum) days between session `index - 1` and session `index` (1-based, index ≥ 2)."""
    maintenance = protocol.maintenance_interval_days
    if maintenance and index > protocol.session_count:
        return max(maintenance - tolerance_days, 1), maintenance + tolerance_days
    offsets = protocol.induction_day_offsets
    if offsets:
        if index - 1 >= len(offsets):
            gap = protocol.maintenance_interval_days or (offsets[-1] - offsets[-2] if len(offsets) > 1 else 1)
        else:
            gap = offsets[index - 1] - offsets[index - 2]
        return max(gap - tolerance_days, 1), gap + tolerance_days
    return protocol.min_interval_days or 1, protocol.max_interval_days


def target_gap(protocol: Protocol, index: int, tolerance_days: int) -> int:
    """The planned days between session `index - 1` and `index`: the offset gap, or the minimum interval."""
    low, high = interval_bounds(protocol, index, tolerance_days)
    if protocol.induction_day_offsets or (protocol.maintenance_interval_days and index > protocol.session_count):
        return high - tolerance_days
    return low


def _active_sessions(series: Series, exclude_id: int | None = None) -> list[Appointment]:
    query = sa.select(Appointment).where(Appointment.series_id == series.id, Appointment.status.in_(ACTIVE_STATUSES))
    if exclude_id is not None:
        query = query.where(Appointment.id != exclude_id)
    return list(db.session.scalars(query.order_by(Appointment.starts_at)))


def check_series_position(series: Series, day: date, clinic: Clinic, exclude_id: int | None = None) -> bool:
    """Raise SchedulingError if a session on `day` breaks the series' minimum intervals; return "overdue"."""
    sessions = _active_sessions(series, exclude_id)
    if len(sessions) >= series.package_sessions:
        _check_maintenance_slot(series, sessions, day)
    before = [s for s in sessions if s.local_date <= day]
    after = [s for s in sessions if s.local_date > day]
    index = len(before) + 1
    tolerance = clinic.series_tolerance_days
    overdue = False
    if before:
        days = (day - before[-1].local_date).days
        low, high = interval_bounds(series.protocol, index, tolerance)
        if days < low:
            raise SchedulingError(
                f"Session {index} on {day:%d %b %Y} would be only {days} days after session {index - 1} "
                f"({before[-1].local_date:%d %b %Y}); the protocol's minimum interval is {low} days."
            )
        overdue = high is not None and days > high
    if after:
        days = (after[0].local_date - day).days
        low, _ = interval_bounds(series.protocol, index + 1, tolerance)
        if days < low:
            raise SchedulingError(
                f"Session {index} on {day:%d %b %Y} would be only {days} days before the next session "
                f"({after[0].local_date:%d %b %Y}); the protocol's minimum interval is {low} days."
            )
    return overdue


def _check_maintenance_slot(series: Series, sessions: list[Appointment], day: date) -> None:
    """Past induction, only a protocol with maintenance takes more sessions: one at a time, after the last."""
    if not series.protocol.maintenance_interval_days:
        raise SchedulingError(f"All {series.package_sessions} sessions of this series are already booked.")
    if any(s.status != "completed" for s in sessions):
        raise SchedulingError(
            "The next session of this series is already booked; a maintenance session can be booked once it is done."
        )
    if day <= sessions[-1].local_date:
        raise SchedulingError(
            f"A maintenance session must come after the last session ({sessions[-1].local_date:%d %b %Y})."
        )


def refresh_series(series: Series, clinic: Clinic, today: date | None = None) -> None:
    """Recompute progress, the next session's due date and window, and the next outcome checkpoint."""
    db.session.flush()
    sessions = _active_sessions(series)
    series.sessions_done = sum(1 for s in sessions if s.status == "completed")
    series.sessions_booked = len(sessions)
    series.started_on = sessions[0].local_date if sessions else None
    if series.sessions_done >= series.package_sessions and not series.protocol.maintenance_interval_days:
        series.status = "completed"
    elif series.status == "completed":
        series.status = "active"
    in_maintenance = series.in_maintenance and all(s.status == "completed" for s in sessions)
    if sessions and series.status == "active" and (len(sessions) < series.package_sessions or in_maintenance):
        index = len(sessions) + 1
        low, high = interval_bounds(series.protocol, index, clinic.series_tolerance_days)
        last = sessions[-1].local_date
        series.next_due_on = last + timedelta(days=target_gap(series.protocol, index, clinic.series_tolerance_days))
        series.window_closes_on = last + timedelta(days=high) if high else None
    else:
        series.next_due_on = series.window_closes_on = None
    refresh_checkpoint(series)


def refresh_checkpoint(series: Series) -> None:
    """Date the series' outcome checkpoints (see `scheduling.checkpoints`)."""
    refresh_checkpoints(series)


def series_progress(series: Series) -> str:
    return series.progress_label


def session_window(
    series: Series, clinic: Clinic, today: date, appointment: Appointment | None = None, open_days: int = 60
) -> tuple[date, date]:
    """The local dates a session may take: after the previous session's minimum interval, before its maximum
    and before the next session's minimum. `appointment` is the session being moved, if any."""
    sessions = _active_sessions(series, exclude_id=appointment.id if appointment else None)
    pivot = appointment.local_date if appointment else date.max
    before = [s for s in sessions if s.local_date <= pivot]
    after = [s for s in sessions if s.local_date > pivot]
    index, tolerance = len(before) + 1, clinic.series_tolerance_days
    earliest, latest = today, today + timedelta(days=open_days)
    if before:
        low, high = interval_bounds(series.protocol, index, tolerance)
        earliest = max(earliest, before[-1].local_date + timedelta(days=low))
        latest = before[-1].local_date + timedelta(days=high if high else low + open_days)
    if after:
        low, _ = interval_bounds(series.protocol, index + 1, tolerance)
        latest = min(latest, after[0].local_date - timedelta(days=low))
    return earliest, latest
