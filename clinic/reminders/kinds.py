"""What each outbox kind looks like as an e-mail: kind → (template, subject, context, still wanted?).

Other features enqueue rows with a `kind` and a `payload`; the dispatcher renders any registered kind and
fails a row with an unknown kind clearly. E-mails carry no medical details, only a count and a link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from clinic.auth.invitations import link_context, link_unwanted
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.models import OutboxMessage
from clinic.reminders.preferences import get_preferences


@dataclass(frozen=True)
class Kind:
    template: str
    subject: str | Callable[[OutboxMessage, dict], str]
    #: Extra template context from the row (may read the database).
    context: Callable[[OutboxMessage], dict] = lambda row: dict(row.payload or {})
    #: Re-checked just before sending; returning a reason string cancels the row instead.
    unwanted: Callable[[OutboxMessage, datetime], str | None] = lambda row, now: None
    #: Routine reminders obey the patient's opt-out; appointment reminders have their own opt-in.
    routine: bool = False


def _routine_slot(row: OutboxMessage) -> tuple[str, date]:
    _, slot, _, day = row.dedupe_key.split(":")
    return slot, date.fromisoformat(day)


def _steps_left(row: OutboxMessage) -> int:
    from clinic.routines.services import day_plan

    slot, day = _routine_slot(row)
    plan = day_plan(db.session.get(Patient, row.patient_id), day)
    return sum(1 for p in plan.slots[slot] if p.pause is None and p.log is None)


def _routine_context(row: OutboxMessage) -> dict:
    slot, day = _routine_slot(row)
    return {"slot": slot.upper(), "steps": _steps_left(row), "day": day}


def _routine_subject(context: dict) -> str:
    steps = context["steps"]
    return f"Your {context['slot']} routine: {steps} step{'' if steps == 1 else 's'}"


def _routine_unwanted(row: OutboxMessage, now: datetime) -> str | None:
    patient = db.session.get(Patient, row.patient_id)
    prefs = get_preferences(patient)
    if prefs.opted_out or not prefs.email_enabled:
        return "patient opted out"
    if _steps_left(row) == 0:
        return "nothing left to do in that slot (ticked, paused or not due)"
    return None


def _reorder_context(row: OutboxMessage) -> dict:
    from clinic.routines.models import RoutineStep

    step = db.session.get(RoutineStep, int(row.dedupe_key.split(":")[1]))
    return {"runs_out_on": step.runs_out_on if step else None}  # the product is named in the portal only


def _opted_out(row: OutboxMessage, now: datetime) -> str | None:
    prefs = get_preferences(db.session.get(Patient, row.patient_id))
    return "patient opted out" if prefs.opted_out or not prefs.email_enabled else None


def _payload_as_p(row: OutboxMessage) -> dict:
    return {"p": dict(row.payload or {})}


def _appointment_reminder_subject(row: OutboxMessage, ctx: dict) -> str:
    when = {"24h": "tomorrow", "2h": "in 2 hours"}.get(ctx["p"].get("hours_before"), "soon")
    return f"Reminder: your appointment {when}"


def _waitlist_offer_gone(row: OutboxMessage, now: datetime) -> str | None:
    """Do not offer a time that was booked or taken off the list since the row was queued."""
    from clinic.scheduling.models import WaitlistEntry
    from clinic.scheduling.notifications import waitlist_key

    entry = db.session.get(WaitlistEntry, (row.payload or {}).get("waitlist_entry_id"), populate_existing=True)
    if entry is None or entry.status != "waiting" or entry.match_starts_at is None:
        return "no longer on the waitlist"
    if waitlist_key(entry) != row.dedupe_key:
        return "a newer time was offered"
    return None


REGISTRY: dict[str, Kind] = {
    "routine_am": Kind(
        "routine_reminder",
        lambda row, ctx: _routine_subject(ctx),
        _routine_context,
        _routine_unwanted,
        routine=True,
    ),
    "routine_pm": Kind(
        "routine_reminder",
        lambda row, ctx: _routine_subject(ctx),
        _routine_context,
        _routine_unwanted,
        routine=True,
    ),
    "reorder": Kind(
        "reorder_reminder", "Time to reorder a product", _reorder_context, _opted_out, routine=True
    ),
    "aftercare_checkin": Kind(
        "aftercare_checkin",
        lambda row, ctx: f"Day {ctx.get('day')} after your treatment: how is your skin?",
        unwanted=_opted_out,
        routine=True,
    ),
    # Enqueued by the scheduling feature (clinic/scheduling/notifications.py); templates read `p` = payload.
    "appointment_confirmation": Kind("appointment_confirmation", "Your appointment is booked", _payload_as_p),
    "appointment_rescheduled": Kind("appointment_rescheduled", "Your appointment has moved", _payload_as_p),
    "appointment_cancelled": Kind("appointment_cancelled", "Your appointment is cancelled", _payload_as_p),
    "appointment_reminder": Kind("appointment_reminder", _appointment_reminder_subject, _payload_as_p),
    "appointment_staff_notice": Kind(
        "appointment_staff_notice", lambda row, ctx: f"Appointment {ctx['p'].get('event', 'changed')} online",
        _payload_as_p,
    ),
    "waitlist_match": Kind(
        "waitlist_match", "A time has opened up at the clinic", _payload_as_p, _waitlist_offer_gone
    ),
    # Account e-mails queued by auth through clinic.messaging; the link's token is issued at send time.
    "password_reset": Kind(
        "password_reset", lambda row, ctx: f"Reset your password at {ctx['clinic'].name}",
        lambda row: link_context("password_reset", row.user_id),
        lambda row, now: link_unwanted("password_reset", row.user_id),
    ),
    "invitation": Kind(
        "invitation", lambda row, ctx: f"Your account at {ctx['clinic'].name}",
        lambda row: link_context("invitation", row.user_id),
        lambda row, now: link_unwanted("invitation", row.user_id),
    ),
}


def subject_for(kind: Kind, row: OutboxMessage, context: dict) -> str:
    return kind.subject(row, context) if callable(kind.subject) else kind.subject
