"""Routine reminders plugged into `clinic.reminders`: the topic, the kinds, and the set-based planner.

AM/PM reminders go at the patient's times in their own zone, outside quiet hours, only on local dates when
some step of the slot is planned (`open_step_sql`: the due rule of routines/due.py, aftercare windows), not
paused and not ticked yet. Reorder
reminders go at the AM time once a product is a week from running out. One row per channel the patient
wants routine reminders by; e-mail keys are `routine:{slot}:{patient}:{day}`, SMS keys add `:sms`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext, ngettext

from clinic.db import UTCDateTime
from clinic.extensions import db
from clinic.i18n import N_
from clinic.patients.models import Patient
from clinic.reminders.batch import memoized, remember
from clinic.reminders.kinds import Kind, Topic, register_kind, register_planner, register_topic
from clinic.reminders.models import CHANNELS, OutboxMessage
from clinic.reminders.planner import Audience, audience, has_portal_account, insert_rows, local_minutes, window
from clinic.routines.due import step_due_sql
from clinic.routines.models import AdherenceLog, Routine, RoutineStep
from clinic.routines.schedule import REORDER_LEAD_DAYS, SLOT_MOMENT, slot_moment
from clinic.routines.services import day_plan
from clinic.routines.windows import paused_sql, recovery_active_sql

TOPIC = "routine"


def open_step_sql(day: sa.ColumnElement, moment: sa.ColumnElement) -> sa.ColumnElement:
    """SQL twin of the day plan for the correlated RoutineStep (joined to its Routine) at the slot's `moment`
    on local date `day`: a regular step due that day or a recovery step an aftercare window covers, not
    paused, not ticked yet."""
    recovery = sa.and_(
        RoutineStep.aftercare_id.is_not(None),
        Routine.starts_on <= day,
        sa.or_(Routine.ends_on.is_(None), Routine.ends_on >= day),
        sa.or_(RoutineStep.ends_on.is_(None), RoutineStep.ends_on >= day),
        recovery_active_sql(moment),
    )
    return sa.and_(
        sa.or_(step_due_sql(day), recovery),
        ~paused_sql(moment),
        ~sa.exists().where(AdherenceLog.step_id == RoutineStep.id, AdherenceLog.local_date == day),
    )


def routine_slot(row: OutboxMessage) -> tuple[str, date]:
    _, slot, _, day = row.dedupe_key.split(":")[:4]
    return slot, date.fromisoformat(day)


def _steps_left_from_day_plan(patient_id: int, day: date, slot: str) -> int:
    plan = memoized(("routine_day_plan", patient_id, day), lambda: day_plan(db.session.get(Patient, patient_id), day))
    return sum(1 for p in plan.slots[slot] if p.pause is None and p.log is None)


def steps_left(row: OutboxMessage) -> int:
    """Steps of the slot still to do: from the batch's bulk count (`prepare_batch`), else from the day plan."""
    slot, day = routine_slot(row)
    return memoized(
        ("routine_steps_left", row.patient_id, day, slot), lambda: _steps_left_from_day_plan(row.patient_id, day, slot)
    )


def prepare_batch(rows: list[OutboxMessage]) -> None:
    """Every patient's steps left per slot for the batch's rows, one query per (day, time zone), not one
    day plan per message. Same rule as the day plan: planned (SQL due rule), not paused at the slot's
    moment, not ticked that day."""
    wanted: dict[tuple[date, str], set[int]] = {}
    zones = dict(
        db.session.execute(sa.select(Patient.id, Patient.timezone).where(Patient.id.in_({r.patient_id for r in rows})))
        .tuples()
        .all()
    )
    for row in rows:
        slot, day = routine_slot(row)
        wanted.setdefault((day, zones[row.patient_id]), set()).add(row.patient_id)
    for (day, zone), patient_ids in wanted.items():
        moments = {slot: slot_moment(day, slot, ZoneInfo(zone)) for slot in SLOT_MOMENT}
        moment = sa.case(*[(RoutineStep.slot == slot, sa.literal(at, UTCDateTime)) for slot, at in moments.items()])
        counts = dict(
            ((patient_id, slot), n)
            for patient_id, slot, n in db.session.execute(
                sa.select(Routine.patient_id, RoutineStep.slot, sa.func.count(RoutineStep.id))
                .join(Routine, Routine.id == RoutineStep.routine_id)
                .where(
                    Routine.patient_id.in_(patient_ids),
                    open_step_sql(sa.literal(day, sa.Date), moment),
                )
                .group_by(Routine.patient_id, RoutineStep.slot)
            ).tuples()
        )
        for patient_id in patient_ids:
            for slot in SLOT_MOMENT:
                remember(("routine_steps_left", patient_id, day, slot), counts.get((patient_id, slot), 0))


#: A slot as a reminder names it ("Your PM routine"; Spanish "Su rutina de la noche").
SLOT_WORDS = {"am": N_("AM"), "pm": N_("PM")}


def _routine_context(row: OutboxMessage) -> dict:
    slot, day = routine_slot(row)
    return {
        "slot": gettext(SLOT_WORDS[slot]) if slot in SLOT_WORDS else slot.upper(),
        "steps": steps_left(row),
        "day": day,
    }


def _routine_subject(row: OutboxMessage, context: dict) -> str:
    return ngettext(
        "Your %(slot)s routine: %(num)d step",
        "Your %(slot)s routine: %(num)d steps",
        context["steps"],
        slot=context["slot"],
    )


def _routine_unwanted(row: OutboxMessage, now: datetime) -> str | None:
    if steps_left(row) == 0:
        return "nothing left to do in that slot (ticked, paused or not due)"
    return None


def _reorder_context(row: OutboxMessage) -> dict:
    step = db.session.get(RoutineStep, int(row.dedupe_key.split(":")[1]))
    return {"runs_out_on": step.runs_out_on if step else None}  # the product is named in the portal only


register_topic(
    Topic(TOPIC, N_("Routine reminders (AM/PM steps, time to reorder)"), N_("Stop routine reminders"), order=10)
)
for _slot in ("am", "pm"):
    register_kind(
        f"routine_{_slot}",
        Kind(
            "routine_reminder",
            _routine_subject,
            _routine_context,
            _routine_unwanted,
            topic=TOPIC,
            prepare=prepare_batch,
            sms=lambda row, ctx: gettext(
                "%(subject)s to do today. Open your clinic portal to see them.", subject=_routine_subject(row, ctx)
            ),
        ),
    )
register_kind(
    "reorder",
    Kind(
        "reorder_reminder",
        lambda row, ctx: gettext("Time to reorder a product"),
        _reorder_context,
        topic=TOPIC,
        sms=lambda row, ctx: gettext(
            "A product in your routine is about to run out. See which one in your clinic portal."
        ),
    ),
)


def _step_wanted(win, slot: str) -> sa.ColumnElement:
    """Some step of the patient's routines in the slot is due that local date, not paused and not ticked."""
    return sa.exists(
        sa.select(RoutineStep.id)
        .join(Routine, Routine.id == RoutineStep.routine_id)
        .where(
            Routine.patient_id == Patient.id,
            RoutineStep.slot == slot,
            open_step_sql(win.c.local_date, win.c.due_at),
        )
    )


def _base(who: Audience, zone: str, win, slot: str) -> sa.Select:
    minute = who.minute(slot)
    who.select = who.select.join(win, win.c.minute == minute).where(
        Patient.timezone == zone, has_portal_account(), who.not_quiet(win.c.minute)
    )
    return who.select


def _routine_select(zone: str, win, slot: str, channel: str, now: datetime) -> sa.Select:
    who = audience(channel, TOPIC)
    _base(who, zone, win, slot)
    who.select = who.select.where(_step_wanted(win, slot))
    key = sa.literal(f"routine:{slot}:") + sa.cast(Patient.id, sa.String) + sa.literal(":") + win.c.day
    return who.columns(f"routine_{slot}", key, win.c.due_at, {"slot": slot}, now)


def _reorder_select(zone: str, win, channel: str, now: datetime, lead_dates: dict[date, date]) -> sa.Select:
    """Reorder reminders at the patient's AM time once a product is a week from running out.

    Steps sharing a bottle (AM and PM) carry the same run-out date; only the first of them is reminded."""
    sharing = sa.orm.aliased(RoutineStep)
    first_of_bottle = ~sa.exists().where(
        sharing.routine_id == RoutineStep.routine_id,
        sharing.product_id == RoutineStep.product_id,
        sharing.runs_out_on == RoutineStep.runs_out_on,
        sharing.id < RoutineStep.id,
    )
    who = audience(channel, TOPIC)
    _base(who, zone, win, "am")
    horizon = sa.case(*[(win.c.local_date == day, sa.literal(lead, sa.Date)) for day, lead in lead_dates.items()])
    who.select = (
        who.select.join(Routine, Routine.patient_id == Patient.id)
        .join(RoutineStep, RoutineStep.routine_id == Routine.id)
        .where(
            RoutineStep.runs_out_on.is_not(None),
            first_of_bottle,
            RoutineStep.runs_out_on <= horizon,
            RoutineStep.runs_out_on >= win.c.local_date,
            sa.or_(RoutineStep.ends_on.is_(None), RoutineStep.ends_on >= win.c.local_date),
            sa.or_(Routine.ends_on.is_(None), Routine.ends_on >= win.c.local_date),
        )
    )
    key = (
        sa.literal("reorder:")
        + sa.cast(RoutineStep.id, sa.String)
        + sa.literal(":")
        + sa.cast(RoutineStep.runs_out_on, sa.String)
    )
    return who.columns("reorder", key, win.c.due_at, {"kind": "reorder"}, now)


def plan_routine_reminders(now: datetime) -> int:
    """Queue the routine (AM/PM) and reorder reminders due at `now` on every channel; returns rows added."""
    zones = db.session.scalars(
        sa.select(Patient.timezone).join(Routine, Routine.patient_id == Patient.id).distinct()
    ).all()
    added = 0
    for zone in zones:
        rows = local_minutes(now, ZoneInfo(zone))
        leads = {day: day + timedelta(days=REORDER_LEAD_DAYS) for day, _, _ in rows}
        for channel in CHANNELS:
            win = window(rows)
            for slot in SLOT_MOMENT:
                added += insert_rows(_routine_select(zone, win, slot, channel, now))
            added += insert_rows(_reorder_select(zone, win, channel, now, leads))
    return added


register_planner("routines", plan_routine_reminders)
