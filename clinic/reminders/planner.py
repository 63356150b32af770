"""Planning: run every registered feature planner, and the SQL building blocks they share.

Time zones are few, patients are many: for each distinct patient time zone, Python (zoneinfo) lists the
local (date, minute) of every minute of the last CATCH_UP_MINUTES and the UTC instant it happened, which
is DST-correct by construction (`local_minutes`, `window`). A feature's planner then runs one
INSERT ... SELECT per zone, slot and channel, joining the patients who want that topic by that channel
(`Audience`). ON CONFLICT DO NOTHING on the dedupe key makes re-planning (and several dispatchers planning
at once) harmless.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from clinic.auth.models import User
from clinic.db import UTCDateTime
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.kinds import PLANNERS, TOPICS
from clinic.reminders.models import (
    DEFAULT_AM_MINUTE,
    DEFAULT_PM_MINUTE,
    OutboxMessage,
    ReminderOptIn,
    ReminderPreference,
)
from clinic.reminders.preferences import CHANNEL_DEFAULT

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
DEFAULT_MINUTE = {"am": DEFAULT_AM_MINUTE, "pm": DEFAULT_PM_MINUTE}


def local_minutes(now: datetime, zone: ZoneInfo, span: int = CATCH_UP_MINUTES) -> list[tuple[date, int, datetime]]:
    """(local date, minute of the local day, UTC instant) for each whole minute in (now - span, now]."""
    top = now.astimezone(UTC).replace(second=0, microsecond=0)
    rows = []
    for back in range(span):
        instant = top - timedelta(minutes=back)
        local = instant.astimezone(zone)
        rows.append((local.date(), local.hour * 60 + local.minute, instant))
    return rows


def window(rows: list[tuple[date, int, datetime]]) -> sa.Subquery:
    """The rows of `local_minutes` as a derived table win(local_date, day, minute, due_at)."""
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


def json_literal(value: dict) -> sa.ColumnElement:
    text = sa.literal(json.dumps(value), sa.String)
    return sa.cast(text, sa.JSON) if db.session.get_bind().dialect.name == "postgresql" else text


def has_portal_account() -> sa.ColumnElement:
    """Reminders that link to the portal go only to patients who can log in."""
    return sa.exists().where(User.patient_id == Patient.id, User.active.is_(True))


@dataclass
class Audience:
    """Patients who want `topic` by `channel`, with where to send it and their times.

    `select` is SELECT patient.clinic_id, patient.id FROM patient LEFT JOIN their preference row for the
    channel and their opt-in for the topic; a feature adds its own joins and conditions and replaces the
    columns with `columns(...)`.
    """

    channel: str
    topic: str
    pref: type[ReminderPreference]
    select: sa.Select
    recipient: sa.ColumnElement

    def minute(self, slot: str) -> sa.ColumnElement:
        column = self.pref.am_minute if slot == "am" else self.pref.pm_minute
        return sa.func.coalesce(column, DEFAULT_MINUTE[slot])

    def not_quiet(self, minute) -> sa.ColumnElement:
        start, end = self.pref.quiet_start, self.pref.quiet_end
        inside = sa.or_(
            sa.and_(start < end, minute >= start, minute < end),
            sa.and_(start > end, sa.or_(minute >= start, minute < end)),
        )
        return sa.or_(start.is_(None), end.is_(None), sa.not_(inside))

    def key(self, base: sa.ColumnElement) -> sa.ColumnElement:
        """E-mail keys stay as they always were; other channels append `:<channel>`."""
        return base if self.channel == "email" else base + sa.literal(f":{self.channel}")

    def columns(self, kind: str, key, due_at, payload: dict, now: datetime) -> sa.Select:
        """The outbox columns (OUTBOX_COLUMNS order) for the rows this select produces."""
        return self.select.with_only_columns(
            Patient.clinic_id,
            Patient.id,
            sa.literal(kind),
            self.key(key),
            sa.literal(self.channel),
            self.recipient,
            due_at,
            sa.literal("pending"),
            sa.literal(0),
            json_literal(payload),
            sa.literal(now, UTCDateTime),
            sa.literal(now, UTCDateTime),
        )


def audience(channel: str, topic: str) -> Audience:
    pref = aliased(ReminderPreference)
    opt = aliased(ReminderOptIn)
    recipient = Patient.email if channel == "email" else pref.address
    select = (
        sa.select(Patient.clinic_id, Patient.id)
        .select_from(Patient)
        .outerjoin(pref, sa.and_(pref.patient_id == Patient.id, pref.channel == channel))
        .outerjoin(opt, sa.and_(opt.patient_id == Patient.id, opt.channel == channel, opt.topic == topic))
        .where(
            Patient.archived_at.is_(None),
            recipient.is_not(None),
            sa.func.coalesce(pref.enabled, sa.true() if CHANNEL_DEFAULT[channel] else sa.false()).is_(sa.true()),
            sa.func.coalesce(opt.wanted, sa.true() if TOPICS[topic].default(channel) else sa.false()).is_(sa.true()),
        )
    )
    return Audience(channel, topic, pref, select, recipient)


def insert_rows(select: sa.Select) -> int:
    """INSERT ... SELECT into the outbox, skipping keys already there; returns how many rows were added."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(OutboxMessage)
        .from_select(OUTBOX_COLUMNS, select)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    return len(db.session.execute(stmt).all())


def plan(now: datetime) -> int:
    """Run every registered feature planner for `now`; returns how many rows were added."""
    return sum(planner(now) for planner in PLANNERS.values())
