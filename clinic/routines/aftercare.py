"""Procedure-aware pauses: a session's aftercare rules become time windows over ingredient tags.

`apply_aftercare` records a procedure for the patient: it snapshots the procedure's aftercare rules as
`RoutineWindow` rows and makes sure the patient's one routine has each recovery step once. Nothing is copied
onto existing steps: `routines.windows` applies the windows to every step whenever a day is shown, so steps
added later pause too and everything resumes by itself. `apply_session_aftercare(session)` is the entry point
for the treatments feature's hook.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clinic.audit.services import record
from clinic.catalog.models import Procedure, Product, ProductTag
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.checkins import enqueue_checkins
from clinic.routines.models import AftercareRecord, Routine, RoutineStep, RoutineWindow
from clinic.routines.preparation import prep_pause_text
from clinic.routines.services import patient_routine
from clinic.routines.windows import Pause, patient_windows, pause_at, until_text

PROCEDURE_WORDS = {
    "microneedling": "microneedling",
    "laser": "laser treatment",
    "scalp_topical": "scalp treatment",
    "scalp_injection": "scalp injections",
}


def rule_window(rule, ended_at: datetime) -> tuple[datetime, datetime]:
    start = ended_at + timedelta(hours=rule.starts_after_hours)
    return start, start + timedelta(hours=rule.window_hours)


def _recovery_product(clinic_id: int, tag: str) -> Product | None:
    """The plainest home product with the tag (fewest other ingredients): a recovery step should be simple."""
    candidates = db.session.scalars(
        sa.select(Product)
        .join(ProductTag)
        .where(
            Product.clinic_id == clinic_id,
            Product.active.is_(True),
            ProductTag.tag == tag,
            Product.use.in_(("home", "both")),
        )
        .order_by(Product.id)
    ).all()
    return min(candidates, key=lambda p: len(p.tags), default=None)


def _ensure_recovery_steps(record_: AftercareRecord, routine: Routine, windows: list[RoutineWindow]) -> int:
    """One recovery step per product (or label) and slot in the patient's routine, shared by every window
    that asks for it; returns how many were added."""
    added = 0
    for window in (w for w in windows if w.action == "add_step"):
        product = _recovery_product(record_.clinic_id, window.ingredient_tag) if window.ingredient_tag else None
        for slot in ("am", "pm") if window.step_slot in (None, "both") else (window.step_slot,):
            exists = any(
                s.is_recovery
                and s.slot == slot
                and s.product_id == (product.id if product else None)
                and (product is not None or s.label == window.label)
                for s in routine.steps
            )
            if exists:
                continue
            routine.steps.append(
                RoutineStep(
                    product=product,
                    product_id=product.id if product else None,
                    label=None if product else window.label,
                    slot=slot,
                    position=window.position,
                    instructions=window.patient_instruction,
                    aftercare_id=record_.id,
                    frequency="daily",
                )
            )
            added += 1
    return added


def apply_aftercare(
    patient: Patient,
    procedure: Procedure,
    session_ended_at: datetime,
    *,
    user=None,
    session_ref: str | None = None,
) -> AftercareRecord:
    """Record the procedure: its aftercare rules become windows from the session's end, and the patient's
    routine (created if they have none: one routine per patient) gets its recovery steps once.

    Idempotent per `session_ref` (the treatments feature passes its session id): a second call returns the
    first record. Flushes; the caller commits.
    """
    if session_ended_at.tzinfo is None:
        raise ValueError("session_ended_at must be timezone-aware")
    if session_ref is not None:
        existing = db.session.scalar(sa.select(AftercareRecord).where(AftercareRecord.session_ref == session_ref))
        if existing is not None:
            return existing
    aftercare = AftercareRecord(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        procedure_id=procedure.id,
        session_ended_at=session_ended_at,
        session_ref=session_ref,
        recorded_by_id=getattr(user, "id", None),
    )
    db.session.add(aftercare)
    db.session.flush()
    windows = []
    for rule in procedure.aftercare_rules:
        starts_at, ends_at = rule_window(rule, session_ended_at)
        windows.append(
            RoutineWindow(
                clinic_id=patient.clinic_id,
                patient_id=patient.id,
                aftercare=aftercare,
                action=rule.action,
                ingredient_tag=rule.ingredient_tag,
                label=rule.label,
                patient_instruction=rule.patient_instruction,
                step_slot=rule.step_slot,
                position=rule.position,
                starts_at=starts_at,
                ends_at=ends_at,
            )
        )
    db.session.add_all(windows)
    day = session_ended_at.astimezone(ZoneInfo(patient.timezone)).date()
    added = 0
    if any(w.action == "add_step" for w in windows):
        added = _ensure_recovery_steps(aftercare, patient_routine(patient, day, user), windows)
    db.session.flush()
    enqueue_checkins(patient, day)
    paused = sorted({w.ingredient_tag for w in windows if w.action == "pause_tag"})
    record(
        "aftercare.apply",
        patient_id=patient.id,
        object_type="aftercare_record",
        object_id=aftercare.id,
        detail=f"{procedure.code}: pauses {', '.join(paused) or 'nothing'}; {added} recovery steps added",
        user=user,
    )
    return aftercare


def apply_session_aftercare(session, user=None) -> AftercareRecord | None:
    """What a logged in-office session does at home (the treatments hook calls this with the session).

    Applied once per session (keyed by its id) once its end is recorded. A session entered after its whole
    aftercare window has passed changes nothing at home.
    """
    rules = session.procedure.aftercare_rules
    if session.ended_at is None or not rules:
        return None
    longest = max(r.starts_after_hours + r.window_hours for r in rules)
    if session.ended_at + timedelta(hours=longest) <= now_utc():
        return None
    return apply_aftercare(
        session.patient, session.procedure, session.ended_at, user=user, session_ref=f"treatment:{session.id}"
    )


def end_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def adjust_window(window: RoutineWindow, *, until: date, zone: ZoneInfo, user=None) -> None:
    """Move a window's end to the end of local date `until` (a date before its start ends it at its start)."""
    window.ends_at = max(window.starts_at, end_of_local_day(until, zone))
    window.changed_by_id = getattr(user, "id", None)
    db.session.flush()
    record(
        "routine.pause_adjust",
        patient_id=window.patient_id,
        object_type="routine_window",
        object_id=window.id,
        detail=f"{window.label}: until {until.isoformat()}",
        user=user,
    )


def end_window(window: RoutineWindow, *, now: datetime, user=None) -> None:
    window.ends_at = max(window.starts_at, min(window.ends_at, now))
    window.changed_by_id = getattr(user, "id", None)
    db.session.flush()
    record(
        "routine.pause_end",
        patient_id=window.patient_id,
        object_type="routine_window",
        object_id=window.id,
        detail=window.label,
        user=user,
    )


def pause_message(pause: Pause, zone: ZoneInfo) -> str:
    """'Paused until Thu 3 Dec, after your microneedling on 26 Nov (no retinoids)', in the patient's zone;
    a pause before a booked procedure says so: 'Paused before your microneedling on Thu 3 Dec'."""
    if pause.window.appointment_id is not None:
        return prep_pause_text(pause.window, zone)
    text = f"Paused until {until_text(pause.ends_at, zone)}"
    if pause.aftercare is not None:
        when = pause.aftercare.session_ended_at.astimezone(zone).date()
        word = PROCEDURE_WORDS.get(pause.aftercare.procedure.kind, pause.aftercare.procedure.name)
        text += f", after your {word} on {when.day} {when:%b}"
    return f"{text} ({pause.reason[:1].lower()}{pause.reason[1:]})" if pause.reason else text


def latest_aftercare(patient_id: int) -> AftercareRecord | None:
    return db.session.scalar(
        sa.select(AftercareRecord)
        .where(AftercareRecord.patient_id == patient_id)
        .order_by(AftercareRecord.session_ended_at.desc(), AftercareRecord.id.desc())
    )


def aftercare_overview(patient_id: int, now: datetime) -> list[tuple[AftercareRecord, list[tuple]]]:
    """The procedures whose aftercare is not over (else the latest one), each with (window, effective end).

    A pause window's effective end is the end of the whole pause for its ingredient (the latest of the
    overlapping windows): the same date the Today page gives the paused step.
    """
    windows = patient_windows(patient_id, now)
    records = sorted(
        {w.aftercare for w in windows if w.aftercare is not None},
        key=lambda r: (r.session_ended_at, r.id),
        reverse=True,
    )
    if not records:
        latest = latest_aftercare(patient_id)
        records = [latest] if latest is not None else []
    overview = []
    for record_ in records:
        rows = []
        for window in record_.windows:
            pause = (
                pause_at([window.ingredient_tag], window.starts_at, windows)
                if window.action == "pause_tag" and window.ends_at > now
                else None
            )
            rows.append((window, pause.ends_at if pause is not None else window.ends_at))
        overview.append((record_, rows))
    return overview
