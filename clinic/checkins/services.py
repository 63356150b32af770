"""Answering an aftercare check-in, and the red flags that put it in the dermatologist's inbox at once.

Red flags (DOMAIN.md aftercare; ISSUE 12): fever, pus, spreading redness, pain at or above the clinic's threshold
(7 out of 10 unless an admin changed it, `checkins.settings`), or, on
day 3 and day 7, a skin that is worse than at the previous answered check-in of the same procedure ("worse"
= the sum of redness, swelling, pain and itch went up). A red flag files an urgent problem report to the
treating dermatologist (the existing inbox and its e-mail notice) and the portal tells the patient to call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clinic.audit.services import record
from clinic.checkins.models import CHECKIN_DAYS, SCORES, SIGNS, Checkin, CheckinSettings
from clinic.checkins.settings import checkin_settings
from clinic.extensions import db
from clinic.patients.chart import ChartSection, register_chart_section
from clinic.patients.models import Patient
from clinic.photos.services import add_patient_photo, discard_photo, register_photo_notes
from clinic.routines import problems
from clinic.routines.models import AftercareRecord
from clinic.validation import Invalid

FLAG_TEXT = {
    "fever": "fever",
    "pus": "pus",
    "spreading_redness": "spreading redness",
    "worse": "worse than the previous check-in",
}


@dataclass(frozen=True)
class Answers:
    redness: int
    swelling: int
    pain: int
    itch: int
    fever: bool = False
    pus: bool = False
    spreading_redness: bool = False
    note: str | None = None

    @property
    def total(self) -> int:
        return self.redness + self.swelling + self.pain + self.itch


@dataclass(frozen=True)
class DueCheckin:
    record: AftercareRecord
    day: int
    due_on: date
    answer: Checkin | None


def treatment_day(record_: AftercareRecord, patient: Patient) -> date:
    return record_.session_ended_at.astimezone(ZoneInfo(patient.timezone)).date()


def red_flags(answers: Answers, day: int, previous: Checkin | None, *, red_flag_pain: int) -> list[str]:
    """The red-flag codes of an answer, in a fixed order; pain at or above `red_flag_pain` is one."""
    flags = [sign for sign in SIGNS if getattr(answers, sign)]
    if answers.pain >= red_flag_pain:
        flags.append("pain")
    if day in (3, 7) and previous is not None and answers.total > previous.total:
        flags.append("worse")
    return flags


def checkins_for(patient: Patient, now: datetime) -> list[DueCheckin]:
    """The patient's check-ins that are due now or answered, for procedures of the clinic's answer window."""
    open_days = checkin_settings(patient.clinic_id).open_days
    today = now.astimezone(ZoneInfo(patient.timezone)).date()
    records = db.session.scalars(
        sa.select(AftercareRecord)
        .where(
            AftercareRecord.patient_id == patient.id,
            AftercareRecord.session_ended_at >= now - timedelta(days=open_days + 1),
            AftercareRecord.session_ended_at <= now,
        )
        .order_by(AftercareRecord.session_ended_at.desc())
    ).all()
    answers = _answers([r.id for r in records])
    due = []
    for record_ in records:
        start = treatment_day(record_, patient)
        for day in CHECKIN_DAYS:
            answer = answers.get((record_.id, day))
            if start + timedelta(days=day) <= today <= start + timedelta(days=open_days) or answer:
                due.append(DueCheckin(record_, day, start + timedelta(days=day), answer))
    return due


def _answers(record_ids: list[int]) -> dict[tuple[int, int], Checkin]:
    if not record_ids:
        return {}
    rows = db.session.scalars(sa.select(Checkin).where(Checkin.aftercare_id.in_(record_ids)))
    return {(c.aftercare_id, c.day): c for c in rows}


def find_checkin(aftercare_id: int, day: int) -> Checkin | None:
    return db.session.scalar(sa.select(Checkin).where(Checkin.aftercare_id == aftercare_id, Checkin.day == day))


def check_open(record_: AftercareRecord, patient: Patient, day: int, now: datetime) -> None:
    """Invalid unless the day's check-in may be answered now (day 1, 3 or 7; due; within the clinic's window)."""
    if day not in CHECKIN_DAYS:
        raise Invalid({"day": "There is no check-in for that day."})
    start = treatment_day(record_, patient)
    today = now.astimezone(ZoneInfo(patient.timezone)).date()
    if today < start + timedelta(days=day):
        raise Invalid({"day": "This check-in is not due yet."})
    if today > start + timedelta(days=checkin_settings(patient.clinic_id).open_days):
        raise Invalid({"day": "This check-in has closed."})


def _previous(aftercare_id: int, day: int) -> Checkin | None:
    return db.session.scalar(
        sa.select(Checkin)
        .where(Checkin.aftercare_id == aftercare_id, Checkin.day < day)
        .order_by(Checkin.day.desc())
        .limit(1)
    )


def _validate(answers: Answers) -> None:
    problems_ = {s: "From 0 to 10." for s in SCORES if not 0 <= getattr(answers, s) <= 10}
    if problems_:
        raise Invalid(problems_)


def submit_checkin(
    patient: Patient,
    record_: AftercareRecord,
    day: int,
    answers: Answers,
    *,
    by,
    now: datetime,
    upload=None,
    view: str = "face_front",
) -> tuple[Checkin, bool]:
    """Store the answer once: (checkin, created). A second answer for the same procedure and day (another tab,
    a double click, a race) stores nothing and returns the first. A red flag files an urgent inbox item."""
    check_open(record_, patient, day, now)
    _validate(answers)
    existing = find_checkin(record_.id, day)
    if existing is not None:
        return existing, False
    photo = None
    if upload is not None and getattr(upload, "filename", None):
        local_day = now.astimezone(ZoneInfo(patient.timezone)).date()
        photo = add_patient_photo(patient, by, upload=upload, view=view, taken_on=local_day)
    settings = checkin_settings(patient.clinic_id)
    flags = red_flags(answers, day, _previous(record_.id, day), red_flag_pain=settings.red_flag_pain)
    checkin = Checkin(
        photo_id=photo.id if photo else None,
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        aftercare_id=record_.id,
        day=day,
        redness=answers.redness,
        swelling=answers.swelling,
        pain=answers.pain,
        itch=answers.itch,
        fever=answers.fever,
        pus=answers.pus,
        spreading_redness=answers.spreading_redness,
        note=(answers.note or "").strip()[:2000] or None,
        red_flags=" ".join(flags),
        answered_by_id=by.id,
        answered_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(checkin)
            db.session.flush()
    except sa.exc.IntegrityError:
        winner = find_checkin(record_.id, day)
        if winner is None:
            raise
        if photo is not None:
            discard_photo(photo)
        return winner, False
    if flags:
        message = _inbox_message(checkin, record_, settings)
        report = problems.report_problem(patient, message, by=by, urgent=True)
        checkin.problem_report_id = report.id
    db.session.flush()
    record(
        "checkin.answer",
        patient_id=patient.id,
        object_type="aftercare_checkin",
        object_id=checkin.id,
        user=by,
        detail=f"day {day}" + (f", red flags: {checkin.red_flags}" if flags else ""),
    )
    return checkin, True


def describe(checkin: Checkin) -> str:
    """The answer in one line for staff (chart, photo comparison, inbox)."""
    signs = [FLAG_TEXT[s] for s in SIGNS if getattr(checkin, s)]
    text = (
        f"Check-in day {checkin.day}: redness {checkin.redness}, swelling {checkin.swelling}, "
        f"pain {checkin.pain}, itch {checkin.itch} (of 10)"
    )
    return text + (f"; {', '.join(signs)}" if signs else "; no fever, pus or spreading redness")


def _flag_text(flag: str, checkin: Checkin, settings: CheckinSettings) -> str:
    if flag == "pain":
        return f"pain {checkin.pain}/10, the clinic's red flag is {settings.red_flag_pain} or more"
    return FLAG_TEXT[flag]


def _inbox_message(checkin: Checkin, record_: AftercareRecord, settings: CheckinSettings) -> str:
    flags = ", ".join(_flag_text(f, checkin, settings) for f in checkin.flags)
    text = f"RED FLAG ({flags}) after {record_.procedure.name}. {describe(checkin)}."
    if checkin.note:
        text += f"\nPatient wrote: “{checkin.note}”"
    return text + "\nThe patient was told on screen to call the clinic."


def recent_checkins(patient_id: int, limit: int = 20) -> list[Checkin]:
    return list(
        db.session.scalars(
            sa.select(Checkin)
            .where(Checkin.patient_id == patient_id)
            .order_by(Checkin.answered_at.desc(), Checkin.id.desc())
            .limit(limit)
        )
    )


def _photo_notes(patient_id: int) -> dict[int, str]:
    rows = db.session.scalars(sa.select(Checkin).where(Checkin.patient_id == patient_id, Checkin.photo_id.is_not(None)))
    return {c.photo_id: describe(c) + (" · RED FLAG" if c.red_flags else "") for c in rows}


register_photo_notes("checkins", _photo_notes)
register_chart_section(
    ChartSection("checkins/_chart_checkins.html", order=32, context=lambda p: {"checkins": recent_checkins(p.id)})
)
