"""Contact attempts from the follow-up queue: "called, no answer", "left a message", "will book",
"declined", each with the date it happened and who recorded it.

The queue shows each patient's latest attempt and leaves out patients whose latest attempt hides them until
a date still to come (`visible_clause`); recording a new attempt without a date shows them again.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from clinic.audit.services import record
from clinic.auth.models import User
from clinic.db import Base, UTCDateTime, now_utc
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.scheduling.errors import SchedulingError

OUTCOMES = {
    "no_answer": "Called, no answer",
    "left_message": "Left a message",
    "will_book": "Will book",
    "declined": "Declined",
}
MAX_HIDE_DAYS = 366


class ContactAttempt(Base):
    """One attempt to reach a patient about a follow-up (append-only: a correction is a new attempt)."""

    __tablename__ = "followup_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(20))
    contacted_on: Mapped[date] = mapped_column(sa.Date)  # the clinic's local date
    hide_until: Mapped[date | None] = mapped_column(sa.Date)  # back in the queue on this local date
    note: Mapped[str | None] = mapped_column(sa.String(300))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    created_by = relationship("User")

    __table_args__ = (
        sa.CheckConstraint("outcome IN ('no_answer', 'left_message', 'will_book', 'declined')", name="outcome"),
        sa.CheckConstraint("hide_until IS NULL OR hide_until > contacted_on", name="hide_after_contact"),
    )

    @property
    def outcome_label(self) -> str:
        return OUTCOMES[self.outcome]


def record_attempt(
    patient: Patient,
    *,
    outcome: str,
    contacted_on: date,
    today: date,
    hide_until: date | None = None,
    note: str | None = None,
    by: User | None = None,
) -> ContactAttempt:
    """Record an attempt to reach the patient; `hide_until` keeps them off the queue until that date."""
    if outcome not in OUTCOMES:
        raise SchedulingError("Choose what happened.")
    if contacted_on > today:
        raise SchedulingError("The contact date is in the future.")
    if hide_until is not None and hide_until <= today:
        raise SchedulingError("Choose a date after today to hide the patient until.")
    if hide_until is not None and (hide_until - today).days > MAX_HIDE_DAYS:
        raise SchedulingError("Hide a patient for at most a year.")
    attempt = ContactAttempt(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        outcome=outcome,
        contacted_on=contacted_on,
        hide_until=hide_until,
        note=(note or "").strip()[:300] or None,
        created_by_id=by.id if by else None,
    )
    db.session.add(attempt)
    db.session.flush()
    record(
        "followup.contact",
        patient_id=patient.id,
        object_type="followup_contact",
        object_id=attempt.id,
        user=by,
        detail=f"{outcome} on {contacted_on}" + (f", hidden until {hide_until}" if hide_until else ""),
    )
    return attempt


def attempts_for(patient: Patient) -> list[ContactAttempt]:
    """The patient's attempts, latest first."""
    return list(
        db.session.scalars(
            sa.select(ContactAttempt).where(ContactAttempt.patient_id == patient.id).order_by(ContactAttempt.id.desc())
        )
    )


def latest_id(patient_id_column):
    """The id of the patient's latest attempt (a correlated subquery, to join a list's rows to it)."""
    inner = aliased(ContactAttempt)
    return (
        sa.select(sa.func.max(inner.id))
        .where(inner.patient_id == patient_id_column)
        .correlate_except(inner)
        .scalar_subquery()
    )


def visible_clause(patient_id_column, today: date):
    """True for patients not hidden today: no attempt yet, or the latest attempt hides nobody past today."""
    inner = aliased(ContactAttempt)
    latest_hide = (
        sa.select(inner.hide_until)
        .where(inner.patient_id == patient_id_column)
        .order_by(inner.id.desc())
        .limit(1)
        .correlate_except(inner)
        .scalar_subquery()
    )
    return sa.or_(latest_hide.is_(None), latest_hide <= today)
