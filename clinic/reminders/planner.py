"""Planning: which routine and reorder reminders are due now, added to the outbox by set-based SQL.

Time zones are few, patients are many: for each distinct patient time zone, Python (zoneinfo) lists the
local (date, minute) of every minute of the last CATCH_UP_MINUTES and the UTC instant it happened, which
is DST-correct by construction. One INSERT ... SELECT per zone and slot then joins patients whose reminder
minute is in that window. ON CONFLICT DO NOTHING on the dedupe key makes re-planning (and several
dispatchers planning at once) harmless.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from clinic.auth.models import User
from clinic.db import UTCDateTime
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.models import DEFAULT_AM_MINUTE, DEFAULT_PM_MINUTE, OutboxMessage, ReminderPreference
from clinic.routines.models import AdherenceLog, Routine, RoutineStep
from clinic.routines.schedule import REORDER_LEAD_DAYS
from clinic.routines.windows import paused_sql, recovery_active_sql

#: A reminder whose time passed longer ago than this (the dispatcher was down) is not sent late.
CATCH_UP_MINUTES = 30
OUTBOX_COLUMNS = [
    "clinic_id",
    "patient_id",
    "kind",
    "dedupe_key",
    "channel",
    "recipient",
    "due_at",
    "status",
    "attempts",
    "payload",
    "created_at",
    "updated_at",
]


def local_minutes(
    now: datetime, zone: ZoneInfo, span: int = CATCH_UP_MINUTES
) -> list[tuple[date, int, datetime]]:
    """(local date, minute of the local day, UTC instant) for each whole minute in (now - span, now]."""
    top = now.astimezone(UTC).replace(second=0, microsecond=0)
    rows = []
    for back in range(span):
        instant = top - timedelta(minutes=back)
        local = instant.astimezone(zone)
        rows.append((local.date(), local.hour * 60 + local.minute, instant))
    return rows


def _window(rows: list[tuple[date, int, datetime]]) -> sa.Subquery:
    selects = [
        sa.select(
            sa.literal(day, sa.Date).label("local_date"),
            sa.literal(day.isoformat(), sa.String).label("day"),
            sa.literal(minute, sa.Integer).label("minute"),
            sa.literal(instant, UTCDateTime).label("due_at"),
        )
        for day, minute, instant in rows
    ]
    return sa.union_all(*selects).subquery("win")


def _json(value: dict) -> sa.ColumnElement:
    text = sa.literal(json.dumps(value), sa.String)
    return sa.cast(text, sa.JSON) if db.session.get_bind().dialect.name == "postgresql" else text


def _not_quiet(minute) -> sa.ColumnElement:
    start, end = ReminderPreference.quiet_start, ReminderPreference.quiet_end
    inside = sa.or_(
        sa.and_(start < end, minute >= start, minute < end),
        sa.and_(start > end, sa.or_(minute >= start, minute < end)),
    )
    return sa.or_(start.is_(None), end.is_(None), sa.not_(inside))


def _step_wanted(win, slot: str) -> sa.ColumnElement:
    """Some step of an active routine in the slot is in date range, not paused and not ticked yet."""
    return sa.exists(
        sa.select(RoutineStep.id)
        .join(Routine, Routine.id == RoutineStep.routine_id)
        .where(
            Routine.patient_id == Patient.id,
            RoutineStep.slot == slot,
            Routine.starts_on <= win.c.local_date,
            sa.or_(Routine.ends_on.is_(None), Routine.ends_on >= win.c.local_date),
            sa.or_(RoutineStep.ends_on.is_(None), RoutineStep.ends_on >= win.c.local_date),
            sa.or_(RoutineStep.aftercare_id.is_(None), recovery_active_sql(win.c.due_at)),
            ~paused_sql(win.c.due_at),
            ~sa.exists().where(
                AdherenceLog.step_id == RoutineStep.id, AdherenceLog.local_date == win.c.local_date
            ),
        )
    )


def _has_portal_account() -> sa.ColumnElement:
    """Reminders link to the portal, so only patients who can log in get them."""
    return sa.exists().where(User.patient_id == Patient.id, User.active.is_(True))


def _patients_due(zone: str, win, minute_column, default_minute: int):
    pref = ReminderPreference
    return (
        sa.select(Patient.clinic_id, Patient.id)
        .select_from(Patient)
        .outerjoin(pref, pref.patient_id == Patient.id)
        .join(win, win.c.minute == sa.func.coalesce(minute_column, default_minute))
        .where(
            Patient.timezone == zone,
            Patient.archived_at.is_(None),
            Patient.email.is_not(None),
            _has_portal_account(),
            sa.func.coalesce(pref.opted_out, sa.false()).is_(sa.false()),
            sa.func.coalesce(pref.email_enabled, sa.true()).is_(sa.true()),
            _not_quiet(win.c.minute),
        )
    )


def _insert(select: sa.Select) -> int:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(OutboxMessage)
        .from_select(OUTBOX_COLUMNS, select)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    return len(db.session.execute(stmt).all())


def _routine_select(zone: str, win, slot: str, now: datetime) -> sa.Select:
    minute = ReminderPreference.am_minute if slot == "am" else ReminderPreference.pm_minute
    default = DEFAULT_AM_MINUTE if slot == "am" else DEFAULT_PM_MINUTE
    key = sa.literal(f"routine:{slot}:") + sa.cast(Patient.id, sa.String) + sa.literal(":") + win.c.day
    return (
        _patients_due(zone, win, minute, default)
        .where(_step_wanted(win, slot))
        .with_only_columns(
            Patient.clinic_id,
            Patient.id,
            sa.literal(f"routine_{slot}"),
            key,
            sa.literal("email"),
            Patient.email,
            win.c.due_at,
            sa.literal("pending"),
            sa.literal(0),
            _json({"slot": slot}),
            sa.literal(now, UTCDateTime),
            sa.literal(now, UTCDateTime),
        )
    )


def _reorder_select(zone: str, win, now: datetime, lead_dates: dict[date, date]) -> sa.Select:
    """Reorder reminders at the patient's AM time once a product is a week from running out.

    Steps sharing a bottle (AM and PM) carry the same run-out date; only the first of them is reminded."""
    sharing = sa.orm.aliased(RoutineStep)
    first_of_bottle = ~sa.exists().where(
        sharing.routine_id == RoutineStep.routine_id,
        sharing.product_id == RoutineStep.product_id,
        sharing.runs_out_on == RoutineStep.runs_out_on,
        sharing.id < RoutineStep.id,
    )
    horizon = sa.case(
        *[(win.c.local_date == day, sa.literal(lead, sa.Date)) for day, lead in lead_dates.items()]
    )
    key = (
        sa.literal("reorder:")
        + sa.cast(RoutineStep.id, sa.String)
        + sa.literal(":")
        + sa.cast(RoutineStep.runs_out_on, sa.String)
    )
    return (
        _patients_due(zone, win, ReminderPreference.am_minute, DEFAULT_AM_MINUTE)
        .join(Routine, Routine.patient_id == Patient.id)
        .join(RoutineStep, RoutineStep.routine_id == Routine.id)
        .where(
            RoutineStep.runs_out_on.is_not(None),
            first_of_bottle,
            RoutineStep.runs_out_on <= horizon,
            RoutineStep.runs_out_on >= win.c.local_date,
            sa.or_(RoutineStep.ends_on.is_(None), RoutineStep.ends_on >= win.c.local_date),
            sa.or_(Routine.ends_on.is_(None), Routine.ends_on >= win.c.local_date),
        )
        .with_only_columns(
            Patient.clinic_id,
            Patient.id,
            sa.literal("reorder"),
            key,
            sa.literal("email"),
            Patient.email,
            win.c.due_at,
            sa.literal("pending"),
            sa.literal(0),
            _json({"kind": "reorder"}),
            sa.literal(now, UTCDateTime),
            sa.literal(now, UTCDateTime),
        )
    )


def plan(now: datetime) -> int:
    """Queue the routine (AM/PM) and reorder reminders due at `now`; returns how many rows were added."""
    zones = db.session.scalars(
        sa.select(Patient.timezone).join(Routine, Routine.patient_id == Patient.id).distinct()
    ).all()
    added = 0
    for zone in zones:
        rows = local_minutes(now, ZoneInfo(zone))
        win = _window(rows)
        for slot in ("am", "pm"):
            added += _insert(_routine_select(zone, win, slot, now))
        leads = {day: day + timedelta(days=REORDER_LEAD_DAYS) for day, _, _ in rows}
        added += _insert(_reorder_select(zone, win, now, leads))
    return added
