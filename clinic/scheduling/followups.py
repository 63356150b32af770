"""The aestheticians' follow-up queue, computed, sorted and paginated in SQL.

Three kinds of rows, in one UNION ALL:
- series sessions that are due, whose window closes within 7 days, or overdue, and not booked
  (a series' `next_due_on` is empty while every remaining session is booked); after induction this is the
  next maintenance session, for protocols with a maintenance interval (see `series_rules.refresh_series`);
- outcome checkpoints (baseline, 3, 6, 9 months after the first session) due within 7 days with no outcome
  score recorded within ± the series tolerance of their date (`scheduling.checkpoints`), for patients
  with no upcoming booked appointment;
- no-shows of the last 90 days not followed by a new booking of the same treatment.

Each row shows the patient's latest contact attempt; a patient hidden by staff until a later date
(`scheduling.contacts`) is left out until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.scheduling.checkpoints import earliest_open
from clinic.scheduling.contacts import ContactAttempt, latest_id, visible_clause
from clinic.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentType, Series

WINDOW_DAYS = 7
NO_SHOW_LOOKBACK_DAYS = 90
PAGE_SIZE = 25
KIND_LABELS = {
    "overdue": "Overdue",
    "window_closing": "Window closes soon",
    "due": "Session due",
    "checkpoint": "Outcome checkpoint due",
    "no_show": "No-show to rebook",
}
SESSION_KINDS = ("overdue", "window_closing", "due")


@dataclass
class FollowUp:
    kind: str
    due_on: date
    window_closes_on: date | None
    patient: Patient
    series: Series | None
    appointment: Appointment | None
    appointment_type: AppointmentType
    last_contact: ContactAttempt | None = None

    @property
    def label(self) -> str:
        """The kind, marked "Maintenance" for a session after the induction phase."""
        if self.series is not None and self.kind in SESSION_KINDS and self.series.in_maintenance:
            return f"Maintenance: {KIND_LABELS[self.kind].lower()}"
        return KIND_LABELS[self.kind]


@dataclass
class FollowUpPage:
    items: list[FollowUp]
    page: int
    pages: int
    total: int


def _null(type_):
    return sa.cast(sa.null(), type_)


def _series_rows(clinic_id: int, today: date):
    soon = today + timedelta(days=WINDOW_DAYS)
    kind = sa.case(
        (Series.window_closes_on < today, "overdue"),
        (Series.window_closes_on <= soon, "window_closing"),
        else_="due",
    )
    return (
        sa.select(
            kind.label("kind"),
            Series.patient_id,
            Series.next_due_on.label("due_on"),
            Series.window_closes_on.label("window_closes_on"),
            Series.id.label("series_id"),
            _null(sa.Integer).label("appointment_id"),
            Series.appointment_type_id,
        )
        .join(Patient, Patient.id == Series.patient_id)
        .where(
            Series.clinic_id == clinic_id,
            Series.status == "active",
            Patient.archived_at.is_(None),
            Series.next_due_on.is_not(None),
            sa.or_(Series.next_due_on <= today, Series.window_closes_on <= soon),
        )
    )


def _checkpoint_rows(clinic: Clinic, today: date, now: datetime):
    """Each series' earliest checkpoint with no outcome score in its window (nor marked by hand)."""
    due = earliest_open(clinic)
    upcoming = sa.exists().where(
        Appointment.patient_id == Series.patient_id,
        Appointment.status == "booked",
        Appointment.starts_at >= now,
    )
    return (
        sa.select(
            sa.literal("checkpoint").label("kind"),
            Series.patient_id,
            due.c.due_on,
            _null(sa.Date),
            Series.id,
            _null(sa.Integer),
            Series.appointment_type_id,
        )
        .join(due, due.c.series_id == Series.id)
        .join(Patient, Patient.id == Series.patient_id)
        .where(
            Series.clinic_id == clinic.id,
            Series.status != "cancelled",
            Patient.archived_at.is_(None),
            due.c.due_on <= today + timedelta(days=WINDOW_DAYS),
            ~upcoming,
        )
    )


def _no_show_rows(clinic_id: int, today: date):
    later = aliased(Appointment)
    rebooked = sa.exists().where(
        later.patient_id == Appointment.patient_id,
        later.appointment_type_id == Appointment.appointment_type_id,
        later.status.in_(ACTIVE_STATUSES),
        later.starts_at > Appointment.starts_at,
    )
    return (
        sa.select(
            sa.literal("no_show"),
            Appointment.patient_id,
            Appointment.local_date,
            _null(sa.Date),
            Appointment.series_id,
            Appointment.id,
            Appointment.appointment_type_id,
        )
        .join(Patient, Patient.id == Appointment.patient_id)
        .where(
            Appointment.clinic_id == clinic_id,
            Appointment.status == "no_show",
            Patient.archived_at.is_(None),
            Appointment.local_date >= today - timedelta(days=NO_SHOW_LOOKBACK_DAYS),
            ~rebooked,
        )
    )


def follow_up_queue(
    clinic: Clinic, page: int = 1, per_page: int = PAGE_SIZE, now: datetime | None = None
) -> FollowUpPage:
    """One page of the queue, most urgent (earliest due) first."""
    now = now or datetime.now(UTC)
    today = now.astimezone(clinic.zone).date()
    rows = sa.union_all(
        _series_rows(clinic.id, today),
        _checkpoint_rows(clinic, today, now),
        _no_show_rows(clinic.id, today),
    ).subquery("follow_up")
    visible = visible_clause(rows.c.patient_id, today)
    page = max(page, 1)
    found = _page_rows(rows, visible, per_page, page)
    if not found and page > 1:  # past the end (the queue shrank): show the last page
        total = db.session.scalar(sa.select(sa.func.count()).select_from(rows).where(visible))
        page = max((total + per_page - 1) // per_page, 1)
        found = _page_rows(rows, visible, per_page, page)
    total = found[0].total if found else 0
    pages = max((total + per_page - 1) // per_page, 1)
    return FollowUpPage(_hydrate(found), page, pages, total)


def _page_rows(rows, visible, per_page: int, page: int) -> list:
    """One page of the queue, each row also carrying the queue's length (`count(*) OVER ()`): the UNION is
    evaluated once per request, not once for the count and again for the page."""
    return db.session.execute(
        sa.select(rows, ContactAttempt, sa.func.count().over().label("total"))
        .outerjoin(ContactAttempt, ContactAttempt.id == latest_id(rows.c.patient_id))
        .where(visible)
        .order_by(rows.c.due_on, rows.c.patient_id, rows.c.kind)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()


def _by_id(model, ids: set[int], *options) -> dict:
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(sa.select(model).where(model.id.in_(ids)).options(*options))}


def _hydrate(found) -> list[FollowUp]:
    """Load the patients, series, appointments and types of a page: four queries whatever its length (each
    row already carries the patient's latest contact attempt)."""
    patients = _by_id(Patient, {r.patient_id for r in found})
    series = _by_id(Series, {r.series_id for r in found if r.series_id}, selectinload(Series.protocol))
    appointments = _by_id(
        Appointment, {r.appointment_id for r in found if r.appointment_id}, selectinload(Appointment.provider)
    )
    types = _by_id(AppointmentType, {r.appointment_type_id for r in found})
    return [
        FollowUp(
            r.kind,
            r.due_on,
            r.window_closes_on,
            patients[r.patient_id],
            series.get(r.series_id),
            appointments.get(r.appointment_id),
            types[r.appointment_type_id],
            r.ContactAttempt,
        )
        for r in found
    ]
