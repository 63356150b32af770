"""Before a procedure: a booked appointment pauses the patient's home steps whose ingredients must stop
beforehand, queues the preparation message, and warns the booker about a recent laser/IPL session or sunburn.

Scheduling sits beside routines (neither imports the other), so scheduling reports every booking, move and
status change through `treatments.hooks.appointment_changed`, and this module keeps the patient's
`RoutineWindow` rows for that appointment in step: the windows of an appointment are dropped and rebuilt
from its current time on every change, so a moved appointment moves its pause and a cancelled one lifts it.
The windows are ordinary pause windows, so everything that reads pauses (the Today page, reminders, adherence)
honours them and the steps resume by themselves when the window ends (at the appointment's start; the
session's own aftercare windows take over from there).

Defaults (DOMAIN.md) are the clinic's `catalog.models.PrepSettings`, which an admin changes on the scheduling
settings page: pause 7 days before, tags retinoid aha bha, laser/IPL or sunburn within 14 days, antiviral
from 2 days before.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext

from clinic.catalog.models import PrepSettings, Procedure
from clinic.catalog.services import prep_settings
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.i18n import N_, format_local
from clinic.patients.models import Patient
from clinic.reminders import outbox
from clinic.reminders.kinds import Kind, register_kind
from clinic.reminders.models import OutboxMessage
from clinic.routines.models import RoutineWindow
from clinic.treatments import hooks
from clinic.treatments.models import TreatmentSession

PREP_KIND = "procedure_preparation"
ANTIVIRAL_KIND = "antiviral_prophylaxis"
#: Tag -> words for the patient (gettext at render time).
TAG_WORDS = {
    "retinoid": N_("retinoids (retinol, tretinoin, adapalene)"),
    "aha": N_("AHA acids (glycolic, lactic)"),
    "bha": N_("BHA acids (salicylic)"),
}


def prep_key(appointment_id: int, starts_at: datetime) -> str:
    return f"prep:{appointment_id}:{starts_at.astimezone(UTC):%Y%m%dT%H%MZ}"


def pause_start(starts_at: datetime, days: int, zone: ZoneInfo) -> datetime:
    """Midnight (patient's time) `days` local days before the appointment's local date."""
    local_day = starts_at.astimezone(zone).date() - timedelta(days=days)
    return datetime.combine(local_day, time(0), tzinfo=zone).astimezone(UTC)


def prep_windows(appointment_id: int) -> list[RoutineWindow]:
    return list(db.session.scalars(sa.select(RoutineWindow).where(RoutineWindow.appointment_id == appointment_id)))


def _sync_windows(change: hooks.AppointmentChange, patient: Patient, prep: PrepSettings, procedure: Procedure) -> int:
    for window in prep_windows(change.id):
        db.session.delete(window)
    db.session.flush()
    if not change.active or change.starts_at <= change.now or prep.pause_days <= 0:
        return 0
    starts_at = pause_start(change.starts_at, prep.pause_days, ZoneInfo(patient.timezone))
    windows = [
        RoutineWindow(
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            appointment_id=change.id,
            procedure_id=procedure.id,
            action="pause_tag",
            ingredient_tag=tag,
            label=f"Stop {tag.replace('_', ' ')} before {procedure.name}",
            position=position,
            starts_at=min(starts_at, change.starts_at),
            ends_at=change.starts_at,
        )
        for position, tag in enumerate(prep.tags)
    ]
    db.session.add_all(windows)
    db.session.flush()
    return len(windows)


def _cancel_other_messages(appointment_id: int, keep: str | None) -> None:
    """Cancel the pending preparation messages of the appointment's earlier times (all, when `keep` is None)."""
    query = sa.update(OutboxMessage).where(
        OutboxMessage.dedupe_key.startswith(f"prep:{appointment_id}:", autoescape=True),
        OutboxMessage.status == "pending",
    )
    if keep is not None:
        query = query.where(~OutboxMessage.dedupe_key.startswith(keep, autoescape=True))
    db.session.execute(query.values(status="cancelled").execution_options(synchronize_session=False))


def _queue_messages(change: hooks.AppointmentChange, patient: Patient, clinic: Clinic, prep: PrepSettings) -> int:
    """The preparation e-mail (a day before the pause starts, or now) and, with a cold-sore history, the
    antiviral reminder (from `prep_antiviral_days` before). One of each per appointment time (dedupe key)."""
    key = prep_key(change.id, change.starts_at)
    _cancel_other_messages(change.id, key if change.active else None)
    if not (change.active and change.notify and patient.email and change.starts_at > change.now):
        return 0
    zone = ZoneInfo(patient.timezone)
    stop_from = pause_start(change.starts_at, prep.pause_days, zone)
    antiviral_from = pause_start(change.starts_at, prep.antiviral_days, zone)
    hsv = bool(patient.history is not None and patient.history.hsv_history)
    payload = {
        "appointment_id": change.id,
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "patient_first_name": patient.first_name,
        "starts_at": change.starts_at.isoformat(),
        "stop_from": stop_from.isoformat(),
        "tags": prep.tags,
        "antiviral_from": antiviral_from.isoformat() if hsv else None,
        "timezone": patient.timezone,
    }
    common = dict(clinic_id=clinic.id, patient_id=patient.id, recipient=patient.email, payload=payload)
    # Moved away and back again: the messages of this time were cancelled by the first move; they count again.
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.dedupe_key.in_([key, f"{key}:antiviral"]), OutboxMessage.status == "cancelled")
        .values(status="pending")
        .execution_options(synchronize_session=False)
    )
    added = outbox.enqueue(
        kind=PREP_KIND,
        dedupe_key=key,
        due_at=max(change.now, stop_from - timedelta(days=1)),
        **common,
    )
    if hsv:
        added += outbox.enqueue(
            kind=ANTIVIRAL_KIND, dedupe_key=f"{key}:antiviral", due_at=max(change.now, antiviral_from), **common
        )
    return int(added)


def recent_skin_events(patient: Patient, prep: PrepSettings, starts_at: datetime) -> list[str]:
    """Why a procedure at `starts_at` is early: a laser/IPL session (recorded in the history or logged here)
    or a sunburn within `prep_recent_laser_days` before it. Warnings only: the pre-check decides on the day."""
    days = prep.recent_laser_days
    zone = ZoneInfo(patient.timezone)
    day = starts_at.astimezone(zone).date()
    since = day - timedelta(days=days)
    reasons = []
    history = patient.history
    if history is not None and history.laser_or_ipl_on is not None and since < history.laser_or_ipl_on <= day:
        reasons.append(
            gettext(
                "Laser or IPL on %(day)s, within %(days)s days before this procedure.",
                day=format_local(history.laser_or_ipl_on, "%a %-d %b %Y"),
                days=days,
            )
        )
    laser = db.session.scalar(
        sa.select(sa.func.max(TreatmentSession.started_at))
        .join(Procedure, Procedure.id == TreatmentSession.procedure_id)
        .where(
            TreatmentSession.patient_id == patient.id,
            Procedure.kind == "laser",
            TreatmentSession.started_at > datetime.combine(since, time(0), tzinfo=zone),
            TreatmentSession.started_at < starts_at,
        )
    )
    if laser is not None:
        reasons.append(
            gettext(
                "A laser session was logged on %(day)s, within %(days)s days before this procedure.",
                day=format_local(laser.astimezone(zone).date(), "%a %-d %b %Y"),
                days=days,
            )
        )
    if history is not None and history.recent_sunburn:
        reasons.append(gettext("A recent sunburn is recorded: the skin should heal for %(days)s days.", days=days))
    return reasons


def appointment_changed(change: hooks.AppointmentChange, user) -> list[str]:
    """The treatments hook's listener: rebuild the pause, (re)queue the messages, return booking warnings."""
    patient = db.session.get(Patient, change.patient_id)
    clinic = db.session.get(Clinic, change.clinic_id)
    procedure = db.session.get(Procedure, change.procedure_id)
    prep = prep_settings(clinic.id)
    _sync_windows(change, patient, prep, procedure)
    _queue_messages(change, patient, clinic, prep)
    if not change.active or change.starts_at <= change.now:
        return []
    return recent_skin_events(patient, prep, change.starts_at)


def prep_pause_text(window: RoutineWindow, zone: ZoneInfo) -> str:
    """'Paused before your microneedling on Thu 3 Dec' for a pause window that follows an appointment."""
    word = procedure_word(window.procedure.kind if window.procedure else "")
    day = window.ends_at.astimezone(zone).date()
    return gettext("Paused before your %(procedure)s on %(day)s", procedure=word, day=format_local(day, "%a %-d %b"))


def procedure_word(kind: str) -> str:
    words = {
        "microneedling": gettext("microneedling"),
        "laser": gettext("laser treatment"),
        "scalp_topical": gettext("scalp treatment"),
        "scalp_injection": gettext("scalp injections"),
    }
    return words.get(kind, gettext("treatment"))


def _day(value: str, zone_name: str) -> str:
    return format_local(datetime.fromisoformat(value).astimezone(ZoneInfo(zone_name)).date(), "%A %-d %B")


def _context(row: OutboxMessage) -> dict:
    p = dict(row.payload or {})
    zone = p.get("timezone") or "UTC"
    return {
        **p,
        "appointment_day": _day(p["starts_at"], zone),
        "stop_day": _day(p["stop_from"], zone),
        "antiviral_day": _day(p["antiviral_from"], zone) if p.get("antiviral_from") else None,
        "stop_words": [gettext(TAG_WORDS.get(tag, tag)) for tag in p.get("tags") or []],
    }


register_kind(
    PREP_KIND,
    Kind(
        PREP_KIND,
        lambda row, ctx: gettext("Getting ready for your treatment on %(day)s", day=ctx["appointment_day"]),
        _context,
    ),
)
register_kind(
    ANTIVIRAL_KIND,
    Kind(
        ANTIVIRAL_KIND,
        lambda row, ctx: gettext("Your treatment on %(day)s: start your antiviral today", day=ctx["appointment_day"]),
        _context,
    ),
)
hooks.on_appointment_changed(appointment_changed)
