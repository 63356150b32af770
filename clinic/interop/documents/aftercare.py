"""The aftercare sheet of a treatment session: what to do and avoid day by day, which home steps are paused
until when, and whom to call.

The days come from the session's own aftercare windows (`SessionAftercare`, the rules as they were at the
session); the paused home steps from the routines feature's windows, read the way the Today page reads them
(`pause_at`: a pause lasts to the end of its run of overlapping windows). Dates are the patient's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.i18n import format_local
from clinic.interop.documents.model import WORDS, Document, Section, day_text, when
from clinic.routines.models import Routine, RoutineStep
from clinic.routines.windows import last_paused_day, patient_windows, pause_at
from clinic.treatments.models import SessionAftercare, TreatmentSession

ACTION_WORDS = {"pause_tag": "avoid", "add_step": "do", "advise": "note"}
SLOT_WORDS = {"am": "morning", "pm": "evening"}  # keys of WORDS


def until_text(ends_at: datetime, zone: ZoneInfo) -> str:
    """'Tue 1 Dec' ('mar 1 dic'): the last day of a pause, as the Today page states it, in the current locale."""
    return format_local(last_paused_day(ends_at, zone), "%a %-d %b")


def _day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def _day_items(rules: Sequence[SessionAftercare], day: date, zone: ZoneInfo) -> tuple[str, ...]:
    """'Avoid: …' / 'Do: …' / 'Note: …' lines for the rules whose window touches local date `day`."""
    start, end = _day_bounds(day, zone)
    touching = [r for r in rules if r.starts_at < end and r.ends_at > start]
    lines = []
    for action in ("pause_tag", "add_step", "advise"):
        labels = [r.label for r in touching if r.action == action]
        if labels:
            lines.append(f"{WORDS[ACTION_WORDS[action]]}: {'; '.join(dict.fromkeys(labels))}")
    return tuple(lines)


def day_by_day(rules: Sequence[SessionAftercare], ended_at: datetime, zone: ZoneInfo) -> list[tuple[str, str]]:
    """(days, what to do) rows from the session's day to the last day a window touches; days with the same
    advice are one row ('Days 2-4 · Wed 2 Dec 2026 - Fri 4 Dec 2026')."""
    if not rules:
        return []
    first = ended_at.astimezone(zone).date()
    last = max(last_paused_day(r.ends_at, zone) for r in rules)
    runs: list[tuple[date, date, tuple[str, ...]]] = []
    day = first
    while day <= last:
        items = _day_items(rules, day, zone)
        if runs and runs[-1][2] == items and runs[-1][1] == day - timedelta(days=1):
            runs[-1] = (runs[-1][0], day, items)
        else:
            runs.append((day, day, items))
        day += timedelta(days=1)
    rows = []
    for start, end, items in runs:
        if not items:
            continue
        n, m = (start - first).days + 1, (end - first).days + 1
        label = (
            f"{WORDS['day']} {n} · {day_text(start)}"
            if n == m
            else f"{WORDS['days']} {n}-{m} · {day_text(start)} - {day_text(end)}"
        )
        rows.append((label, "\n".join(items)))
    return rows


def paused_steps(session: TreatmentSession, zone: ZoneInfo) -> list[tuple[str, str]]:
    """(home step, 'paused until Thu 3 Dec (reason)') for the patient's routine steps this session pauses."""
    windows = patient_windows(session.patient_id, session.ended_at)
    ref = f"treatment:{session.id}"
    mine = [
        w for w in windows if w.action == "pause_tag" and w.aftercare is not None and w.aftercare.session_ref == ref
    ]
    if not mine:
        return []
    steps = db.session.scalars(
        sa.select(RoutineStep)
        .join(Routine)
        .where(Routine.patient_id == session.patient_id)
        .order_by(RoutineStep.slot, RoutineStep.position, RoutineStep.id)
    ).all()
    rows = []
    for step in steps:
        hits = [w for w in mine if w.ingredient_tag in step.tags]
        if step.is_recovery or not hits:
            continue
        pauses = [p for w in hits if (p := pause_at(step.tags, w.starts_at, windows)) is not None]
        last = max(pauses, key=lambda p: p.ends_at)
        name = step.product.display_name if step.product else (step.label or "")
        rows.append(
            (
                f"{name} ({WORDS[SLOT_WORDS[step.slot]] if step.slot in SLOT_WORDS else step.slot})",
                f"{WORDS['paused_until']} {until_text(last.ends_at, zone)} ({last.reason})",
            )
        )
    return rows


def aftercare_document(session: TreatmentSession) -> Document:
    patient = session.patient
    clinic = db.session.get(Clinic, session.clinic_id)
    zone = ZoneInfo(patient.timezone)
    days = day_by_day(session.aftercare, session.ended_at, zone) if session.ended_at else []
    instructions = [f"{r.label}: {r.patient_instruction}" for r in session.aftercare if r.patient_instruction]
    paused = paused_steps(session, zone) if session.ended_at else []
    call = f"{WORDS['call_us']}: {clinic.phone}." if clinic.phone else WORDS["call_us_no_phone"]
    return Document(
        kind="aftercare",
        title=f"{WORDS['aftercare_title']}: {session.procedure.name}",
        clinic_name=clinic.name,
        clinic_phone=clinic.phone,
        rows=[
            (WORDS["patient"], patient.full_name),
            (WORDS["procedure"], session.procedure.name),
            (WORDS["session_ended"], when(session.ended_at or session.started_at, zone)),
        ],
        sections=[
            Section(WORDS["day_by_day"], rows=days, paragraphs=[] if days else [WORDS["no_aftercare"]]),
            *([Section(WORDS["instructions"], paragraphs=list(dict.fromkeys(instructions)))] if instructions else []),
            Section(WORDS["paused_steps"], rows=paused, paragraphs=[] if paused else [WORDS["no_paused_steps"]]),
            Section(WORDS["problems"], paragraphs=[call]),
        ],
        file_stem=f"aftercare-{session.id}",
    )
