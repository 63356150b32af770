"""Procedure-aware pauses: after a session, conflicting home products pause and recovery steps appear.

`apply_aftercare` is the entry point other features call (the treatments feature when a session is
logged or signed). Pauses and recovery steps are UTC time windows, so everything resumes by itself.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from clinic.audit.services import record
from clinic.catalog.models import AftercareRule, Procedure, Product, ProductTag
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.routines.models import AftercareRecord, Routine, RoutineStep, StepPause

PROCEDURE_WORDS = {
    "microneedling": "microneedling",
    "laser": "laser treatment",
    "scalp_topical": "scalp treatment",
    "scalp_injection": "scalp injections",
}


def rule_window(rule: AftercareRule, ended_at: datetime) -> tuple[datetime, datetime]:
    start = ended_at + timedelta(hours=rule.starts_after_hours)
    return start, start + timedelta(hours=rule.window_hours)


def _patient_steps(patient: Patient, day: date) -> list[RoutineStep]:
    routines = db.session.scalars(
        sa.select(Routine)
        .where(Routine.patient_id == patient.id, sa.or_(Routine.ends_on.is_(None), Routine.ends_on >= day))
        .options(selectinload(Routine.steps))
        .order_by(Routine.id)
    ).all()
    return [s for r in routines for s in r.steps if s.aftercare_id is None]


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


def _host_routine(patient: Patient, day: date, user) -> Routine:
    from clinic.routines.services import create_routine

    routine = db.session.scalar(
        sa.select(Routine)
        .where(
            Routine.patient_id == patient.id,
            Routine.starts_on <= day,
            sa.or_(Routine.ends_on.is_(None), Routine.ends_on >= day),
        )
        .order_by(Routine.id.desc())
    )
    return routine or create_routine(
        patient,
        concern="post_microneedling",
        goal="Recovery after a procedure",
        starts_on=day,
        ends_on=None,
        user=user,
    )


def _pause_steps(record_: AftercareRecord, rules: list[AftercareRule], steps: list[RoutineStep], user) -> int:
    paused = 0
    for step in steps:
        matching = [r for r in rules if r.action == "pause_tag" and r.ingredient_tag in step.tags]
        if not matching:
            continue
        windows = [rule_window(r, record_.session_ended_at) for r in matching]
        longest = max(matching, key=lambda r: rule_window(r, record_.session_ended_at)[1])
        db.session.add(
            StepPause(
                step=step,
                aftercare_id=record_.id,
                starts_at=min(w[0] for w in windows),
                ends_at=max(w[1] for w in windows),
                reason=longest.label,
                created_by_id=getattr(user, "id", None),
            )
        )
        paused += 1
    return paused


def _add_recovery_steps(
    record_: AftercareRecord,
    patient: Patient,
    rules: list[AftercareRule],
    steps: list[RoutineStep],
    day: date,
    user,
) -> int:
    added = 0
    for rule in (r for r in rules if r.action == "add_step"):
        slots = ("am", "pm") if rule.step_slot in (None, "both") else (rule.step_slot,)
        for slot in slots:
            if rule.ingredient_tag and any(s.slot == slot and rule.ingredient_tag in s.tags for s in steps):
                continue  # the routine already has such a step in that slot
            product = (
                _recovery_product(patient.clinic_id, rule.ingredient_tag) if rule.ingredient_tag else None
            )
            start, end = rule_window(rule, record_.session_ended_at)
            db.session.add(
                RoutineStep(
                    routine=_host_routine(patient, day, user),
                    product=product,
                    label=None if product else rule.label,
                    slot=slot,
                    position=rule.position,
                    instructions=rule.patient_instruction,
                    aftercare_id=record_.id,
                    active_from=start,
                    active_until=end,
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
    """Pause the patient's conflicting steps and add recovery steps for the procedure's aftercare windows.

    Idempotent per `session_ref` (the treatments feature passes its session id): a second call returns the
    first record. Flushes; the caller commits.
    """
    if session_ended_at.tzinfo is None:
        raise ValueError("session_ended_at must be timezone-aware")
    if session_ref is not None:
        existing = db.session.scalar(
            sa.select(AftercareRecord).where(AftercareRecord.session_ref == session_ref)
        )
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
    day = session_ended_at.astimezone(ZoneInfo(patient.timezone)).date()
    rules = list(procedure.aftercare_rules)
    steps = _patient_steps(patient, day)
    paused = _pause_steps(aftercare, rules, steps, user)
    added = _add_recovery_steps(aftercare, patient, rules, steps, day, user)
    db.session.flush()
    from clinic.reminders.checkins import enqueue_checkins

    enqueue_checkins(patient, day)
    record(
        "aftercare.apply",
        patient_id=patient.id,
        object_type="aftercare_record",
        object_id=aftercare.id,
        detail=f"{procedure.code}: {paused} steps paused, {added} recovery steps",
        user=user,
    )
    return aftercare


def end_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def adjust_pause(pause: StepPause, *, until: date, zone: ZoneInfo, user=None) -> None:
    """Move a pause's end to the end of local date `until` (a date before its start ends it at its start)."""
    pause.ends_at = max(pause.starts_at, end_of_local_day(until, zone))
    db.session.flush()
    record(
        "routine.pause_adjust",
        patient_id=pause.step.routine.patient_id,
        object_type="step_pause",
        object_id=pause.id,
        detail=f"until {until.isoformat()}",
        user=user,
    )


def end_pause(pause: StepPause, *, now: datetime, user=None) -> None:
    pause.ends_at = max(pause.starts_at, min(pause.ends_at, now))
    db.session.flush()
    record(
        "routine.pause_end",
        patient_id=pause.step.routine.patient_id,
        object_type="step_pause",
        object_id=pause.id,
        user=user,
    )


def pause_message(pause: StepPause, zone: ZoneInfo) -> str:
    """'Paused until Thu 3 Dec, after your microneedling on 26 Nov' (the reason, in the patient's zone)."""
    last_day = (pause.ends_at.astimezone(zone) - timedelta(microseconds=1)).date()
    text = f"Paused until {last_day:%a} {last_day.day} {last_day:%b}"
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
