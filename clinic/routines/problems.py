"""'Report a problem': a patient's message that lands in the treating dermatologist's inbox, and the thread
of replies that follows.

A report goes to the dermatologist who last recorded a procedure or built a routine for the patient, else
the clinic's on-call dermatologist (its first active dermatologist). That dermatologist gets an inbox item
and an e-mail notice; any clinical staff member may reply, and the patient gets a notice and reads the
reply in the portal. Notices carry no medical detail: no message text, no patient name, only a link.
Every report, reply and view is audited.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.audit.services import record
from clinic.auth.models import User
from clinic.clinics.models import Clinic
from clinic.db import Base, UTCDateTime, now_utc
from clinic.extensions import db
from clinic.i18n import N_
from clinic.patients.models import Patient
from clinic.reminders import outbox
from clinic.reminders.kinds import Kind, payload_as_p, register_kind
from clinic.roles import Role
from clinic.routines.models import AftercareRecord, Routine

MAX_MESSAGE = 4000


class ProblemReport(Base):
    __tablename__ = "problem_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    dermatologist_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    message: Mapped[str] = mapped_column(sa.Text)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A red-flag aftercare check-in: shown first and marked urgent in the inbox.
    urgent: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    patient = relationship("Patient", lazy="joined")
    dermatologist = relationship("User", foreign_keys=[dermatologist_id])
    replies: Mapped[list[ProblemReply]] = relationship(
        back_populates="report", order_by="ProblemReply.id", lazy="selectin"
    )


class ProblemReply(Base):
    """One message in a report's thread, from clinical staff or from the patient (append-only)."""

    __tablename__ = "problem_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("problem_report.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    from_patient: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    report: Mapped[ProblemReport] = relationship(back_populates="replies")
    author = relationship("User", lazy="joined")


def treating_dermatologist(patient_id: int, clinic_id: int) -> int | None:
    """Who gets a patient's report: the active dermatologist who last recorded a procedure or built a
    routine for them, else the clinic's on-call dermatologist (its first active dermatologist)."""
    for column, order in (
        (AftercareRecord.recorded_by_id, AftercareRecord.id),
        (Routine.created_by_id, Routine.id),
    ):
        user_id = db.session.scalar(
            sa.select(column)
            .join(User, User.id == column)
            .where(
                column.class_.patient_id == patient_id,
                User.role == Role.DERMATOLOGIST.value,
                User.active.is_(True),
            )
            .order_by(order.desc())
            .limit(1)
        )
        if user_id:
            return user_id
    return db.session.scalar(
        sa.select(User.id)
        .where(User.clinic_id == clinic_id, User.role == Role.DERMATOLOGIST.value, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )


def _link(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, from the configured CLINIC_BASE_URL (never the request's Host)."""
    base = (current_app.config.get("CLINIC_BASE_URL") or "http://localhost:5000").rstrip("/")
    # The path from the URL map alone: nothing of the current request (host, script root) goes in.
    return base + current_app.url_map.bind("localhost").build(endpoint, values)


def _notify_dermatologist(report: ProblemReport, event: str, key: str) -> None:
    dermatologist = db.session.get(User, report.dermatologist_id) if report.dermatologist_id else None
    if dermatologist is None or not dermatologist.email:
        return
    clinic = db.session.get(Clinic, report.clinic_id)
    outbox.enqueue(
        clinic_id=report.clinic_id,
        kind="problem_report_notice",
        dedupe_key=key,
        recipient=dermatologist.email,
        due_at=now_utc(),
        payload={
            "event": event,
            "recipient_name": dermatologist.full_name,
            "clinic_name": clinic.name,
            "link": _link("routines.problem_thread", report_id=report.id),
        },
        user_id=dermatologist.id,
    )


def report_problem(patient: Patient, message: str, by: User, *, urgent: bool = False) -> ProblemReport:
    """File the patient's report, put it in the dermatologist's inbox and e-mail them a notice."""
    report = ProblemReport(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        message=message.strip()[:MAX_MESSAGE],
        dermatologist_id=treating_dermatologist(patient.id, patient.clinic_id),
        urgent=urgent,
    )
    db.session.add(report)
    db.session.flush()
    record(
        "problem.report",
        patient_id=patient.id,
        object_type="problem_report",
        object_id=report.id,
        user=by,
        detail=f"to user {report.dermatologist_id}" if report.dermatologist_id else "no dermatologist",
    )
    _notify_dermatologist(report, "reported", f"problem:{report.id}:reported")
    return report


def reply(report: ProblemReport, message: str, by: User) -> ProblemReply:
    """Add a message to the thread. Staff replies notify the patient; a patient's reply notifies the
    dermatologist."""
    from_patient = by.role == Role.PATIENT.value
    answer = ProblemReply(
        report_id=report.id, author_id=by.id, from_patient=from_patient, message=message.strip()[:MAX_MESSAGE]
    )
    db.session.add(answer)
    if not from_patient and report.read_at is None:
        report.read_at = now_utc()
    db.session.flush()
    record(
        "problem.reply",
        patient_id=report.patient_id,
        object_type="problem_report",
        object_id=report.id,
        user=by,
        detail=f"reply {answer.id} from {'patient' if from_patient else by.role}",
    )
    if from_patient:
        _notify_dermatologist(report, "replied", f"problem:{report.id}:reply:{answer.id}")
    else:
        _notify_patient(report, answer)
    return answer


def _notify_patient(report: ProblemReport, answer: ProblemReply) -> None:
    patient = report.patient
    if not patient.email:
        return
    clinic = db.session.get(Clinic, report.clinic_id)
    outbox.enqueue(
        clinic_id=report.clinic_id,
        kind="problem_reply_notice",
        dedupe_key=f"problem:{report.id}:reply:{answer.id}",
        recipient=patient.email,
        due_at=now_utc(),
        payload={
            "patient_first_name": patient.first_name,
            "clinic_name": clinic.name,
            "link": _link("portal.problem_thread", report_id=report.id),
        },
        patient_id=patient.id,
    )


def mark_read(report: ProblemReport, by: User) -> None:
    """The assigned dermatologist opened the thread (staff views are audited by the caller)."""
    if report.read_at is None and by.id == report.dermatologist_id:
        report.read_at = now_utc()


def for_patient(patient: Patient) -> list[ProblemReport]:
    return list(
        db.session.scalars(
            sa.select(ProblemReport)
            .where(ProblemReport.patient_id == patient.id)
            .order_by(ProblemReport.reported_at.desc())
            .limit(50)
        )
    )


# A link only, no message text and no patient name (staff and patient notices of a thread).
register_kind("problem_report_notice", Kind("problem_report_notice", "A patient has sent you a message", payload_as_p))
register_kind(
    "problem_reply_notice", Kind("problem_reply_notice", N_("Your clinic has replied to your message"), payload_as_p)
)
