"""Aftercare windows applied to steps when a day is shown: which steps are paused, until when, and which
recovery steps are planned.

Windows are rules over time and ingredient tags (`RoutineWindow`), not rows copied onto the steps that
existed when a session was logged: a retinol step added the afternoon after microneedling is paused that
evening like one added a year ago. A step is paused at a moment when a `pause_tag` window covers it and its
product has the window's tag; it stays paused until the end of the whole run of overlapping windows for
its tags (the latest end), and every page formats that end with `until_text`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clinic.catalog.models import ProductTag
from clinic.extensions import db
from clinic.routines.due import due_steps
from clinic.routines.models import AftercareRecord, Routine, RoutineStep, RoutineWindow
from clinic.routines.schedule import slot_moment


@dataclass(frozen=True)
class Pause:
    """A step's pause at some moment: it lasts until `ends_at`; `window` (the one ending last) says why."""

    ends_at: datetime
    window: RoutineWindow

    @property
    def reason(self) -> str:
        return self.window.label

    @property
    def aftercare(self) -> AftercareRecord | None:
        return self.window.aftercare


def patient_windows(patient_id: int, since: datetime) -> list[RoutineWindow]:
    """The patient's windows that have not ended by `since` (current and future), in start order."""
    return list(
        db.session.scalars(
            sa.select(RoutineWindow)
            .where(RoutineWindow.patient_id == patient_id, RoutineWindow.ends_at > since)
            .order_by(RoutineWindow.starts_at, RoutineWindow.id)
        )
    )


def pause_at(tags: Iterable[str], moment: datetime, windows: Sequence[RoutineWindow]) -> Pause | None:
    """The pause of a product with `tags` at `moment`, or None. It ends where the run of overlapping
    pause windows for those tags ends, so two sessions' windows give the later end, not the earlier."""
    tags = set(tags)
    matching = [w for w in windows if w.action == "pause_tag" and w.ingredient_tag in tags]
    covering = [w for w in matching if w.covers(moment)]
    if not covering:
        return None
    last = max(covering, key=lambda w: (w.ends_at, w.id or 0))
    extended = True
    while extended:
        extended = False
        for window in matching:
            if window.starts_at <= last.ends_at < window.ends_at:
                last, extended = window, True
    return Pause(last.ends_at, last)


def next_pause(tags: Iterable[str], now: datetime, windows: Sequence[RoutineWindow]) -> Pause | None:
    """The pause a product with `tags` is under now, else the next one ahead (for warnings to staff)."""
    tags = set(tags)
    current = pause_at(tags, now, windows)
    if current is not None:
        return current
    ahead = [w for w in windows if w.action == "pause_tag" and w.ingredient_tag in tags and w.starts_at > now]
    if not ahead:
        return None
    return pause_at(tags, min(w.starts_at for w in ahead), windows)


def _recovery_matches(step: RoutineStep, window: RoutineWindow) -> bool:
    if window.action != "add_step" or not window.fits_slot(step.slot):
        return False
    if step.product is not None:
        return window.ingredient_tag is not None and window.ingredient_tag in step.tags
    return window.label == step.label


def recovery_windows(step: RoutineStep, moment: datetime, windows: Sequence[RoutineWindow]) -> list[RoutineWindow]:
    """The add_step windows that make the recovery step `step` part of the routine at `moment`."""
    return [w for w in windows if w.covers(moment) and _recovery_matches(step, w)]


def planned_steps(
    routines: Sequence[Routine],
    windows: Sequence[RoutineWindow],
    day: date,
    zone: ZoneInfo,
    due: set[tuple[int, date]] | None = None,
) -> list[tuple[RoutineStep, Pause | None]]:
    """The steps planned on local date `day` with their pause (None when not paused).

    A regular step follows its schedule: the SQL rule of routines/due.py, read here as `due` ((step id,
    day) pairs; pass them in when planning many days, or they are read for this day). A recovery step is
    planned while an add_step window covers it, once per product (or label) and slot however many windows
    overlap, and not when a regular step due in the same slot already gives the window's ingredient (the
    patient's own gentle cleanser).
    """
    if due is None:
        patients = {routine.patient_id for routine in routines}
        due = {pair for patient_id in patients for pair in due_steps(patient_id, day, day)}
    out: list[tuple[RoutineStep, Pause | None]] = []
    seen_recovery: set[tuple[str, int | None, str | None]] = set()
    for routine in routines:
        if routine.ends_on is not None and day > routine.ends_on:
            continue
        regular = [s for s in routine.steps if not s.is_recovery and (s.id, day) in due]
        for step in routine.steps:
            moment = slot_moment(day, step.slot, zone)
            if step.is_recovery:
                key = (step.slot, step.product_id, None if step.product_id else step.label)
                given = {tag for s in regular if s.slot == step.slot for tag in s.tags}
                needed = [
                    w
                    for w in recovery_windows(step, moment, windows)
                    if w.ingredient_tag is None or w.ingredient_tag not in given
                ]
                if not needed or key in seen_recovery:
                    continue
                seen_recovery.add(key)
            elif step not in regular:
                continue
            out.append((step, pause_at(step.tags, moment, windows)))
    return out


def last_paused_day(ends_at: datetime, zone: ZoneInfo) -> date:
    """The last local date a window touches (a window ending at midnight does not touch the next day)."""
    return (ends_at.astimezone(zone) - timedelta(microseconds=1)).date()


def until_text(ends_at: datetime, zone: ZoneInfo) -> str:
    """'Tue 1 Dec': the one way every page states the last day of a pause or window."""
    day = last_paused_day(ends_at, zone)
    return f"{day:%a} {day.day} {day:%b}"


def paused_sql(moment: sa.ColumnElement) -> sa.ColumnElement:
    """SQL twin of `pause_at(...) is not None` for the correlated `RoutineStep` (and its `Routine`)."""
    return sa.exists(
        sa.select(RoutineWindow.id)
        .join(ProductTag, ProductTag.tag == RoutineWindow.ingredient_tag)
        .where(
            RoutineWindow.patient_id == Routine.patient_id,
            RoutineWindow.action == "pause_tag",
            ProductTag.product_id == RoutineStep.product_id,
            RoutineWindow.starts_at <= moment,
            RoutineWindow.ends_at > moment,
        )
    )


def recovery_active_sql(moment: sa.ColumnElement) -> sa.ColumnElement:
    """SQL twin of `recovery_windows(...)` being non-empty for the correlated recovery `RoutineStep`."""
    tag_matches = sa.exists().where(
        ProductTag.product_id == RoutineStep.product_id, ProductTag.tag == RoutineWindow.ingredient_tag
    )
    return sa.exists(
        sa.select(RoutineWindow.id).where(
            RoutineWindow.patient_id == Routine.patient_id,
            RoutineWindow.action == "add_step",
            RoutineWindow.starts_at <= moment,
            RoutineWindow.ends_at > moment,
            sa.or_(
                RoutineWindow.step_slot.is_(None),
                RoutineWindow.step_slot == "both",
                RoutineWindow.step_slot == RoutineStep.slot,
            ),
            sa.or_(
                sa.and_(RoutineStep.product_id.is_(None), RoutineWindow.label == RoutineStep.label),
                sa.and_(RoutineStep.product_id.is_not(None), tag_matches),
            ),
        )
    )
