"""Importing future appointments: each row goes through the scheduling booking service, so hours, time off,
double bookings of a provider, a room or the patient are refused with the service's own reason.

Rows are booked one by one inside savepoints (a refused row leaves nothing); a dry run, or a real run with a
refused row when bad rows are not to be skipped, rolls the whole transaction back, so it writes nothing but
still reports clashes between rows of the same file. Patients are not notified: the other system already did.
A row matching a booked appointment (same patient, provider, type and start) is "unchanged", so running a
file twice books nothing new.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from clinic.audit.services import record
from clinic.auth.models import User
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.interop.imports.reading import ImportFileError, SourceRow, read_rows
from clinic.interop.imports.report import CREATE, REFUSED, UNCHANGED, ImportReport, RowOutcome
from clinic.patients.models import Patient
from clinic.roles import Role
from clinic.scheduling.booking import book_appointment
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.locking import take_write_lock
from clinic.scheduling.models import Appointment, AppointmentType, Room

COLUMNS = ("patient_external_id", "provider_email", "appointment_type", "room", "start")
ALIASES = {"external_id": "patient_external_id", "provider": "provider_email", "type": "appointment_type"}
REQUIRED = ("patient_external_id", "provider_email", "appointment_type", "start")


class _Lookups:
    """The clinic's patients, providers, types and rooms named by the file, loaded in one query each."""

    def __init__(self, clinic: Clinic, rows: list[SourceRow]) -> None:
        def named(column: str) -> set[str]:
            return {row.cells.get(column, "") for row in rows} - {""}

        self.patients = {
            p.external_id: p
            for p in db.session.scalars(
                sa.select(Patient).where(
                    Patient.clinic_id == clinic.id, Patient.external_id.in_(named("patient_external_id"))
                )
            )
        }
        emails = {e.lower() for e in named("provider_email")}
        self.providers = {
            u.email: u
            for u in db.session.scalars(
                sa.select(User).where(User.clinic_id == clinic.id, User.email.in_(emails), User.role != Role.PATIENT)
            )
        }
        self.types = {
            t.name.lower(): t
            for t in db.session.scalars(sa.select(AppointmentType).where(AppointmentType.clinic_id == clinic.id))
        }
        self.rooms = {r.name.lower(): r for r in db.session.scalars(sa.select(Room).where(Room.clinic_id == clinic.id))}
        self.booked = set(
            db.session.execute(
                sa.select(
                    Appointment.patient_id,
                    Appointment.provider_id,
                    Appointment.appointment_type_id,
                    Appointment.starts_at,
                ).where(
                    Appointment.clinic_id == clinic.id,
                    Appointment.status == "booked",
                    Appointment.patient_id.in_([p.id for p in self.patients.values()]),
                )
            ).all()
        )


def _check_header(rows: list[SourceRow]) -> None:
    if not rows:
        raise ImportFileError("The file has a header but no appointments.")
    missing = [c for c in REQUIRED if c not in rows[0].cells]
    if missing:
        raise ImportFileError(f"Required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)}.")


def local_start(text: str, clinic: Clinic) -> datetime:
    """ "2027-03-04 14:30" in the clinic's zone, as UTC; ValueError for a bad or skipped (clock change) time."""
    local = datetime.fromisoformat(text.strip().replace("T", " "))
    if local.tzinfo is not None:
        raise ValueError("give the clinic's local time without a zone offset")
    aware = local.replace(tzinfo=clinic.zone)
    if aware.astimezone(UTC).astimezone(clinic.zone).replace(tzinfo=None) != local:
        raise ValueError("that local time does not exist (the clocks change then)")
    return aware.astimezone(UTC)


def _resolve(row: SourceRow, clinic: Clinic, found: _Lookups) -> tuple[dict, list[str]]:
    cells, reasons, parts = row.cells, [], {}
    for column in REQUIRED:
        if not cells.get(column):
            reasons.append(f"{column}: missing.")
    if cells.get("patient_external_id"):
        parts["patient"] = found.patients.get(cells["patient_external_id"])
        if parts["patient"] is None:
            reasons.append(f"patient_external_id: no patient of the clinic has {cells['patient_external_id']}.")
    if cells.get("provider_email"):
        parts["provider"] = found.providers.get(cells["provider_email"].lower())
        if parts["provider"] is None:
            reasons.append(f"provider_email: no staff member of the clinic has {cells['provider_email']}.")
    if cells.get("appointment_type"):
        parts["appointment_type"] = found.types.get(cells["appointment_type"].lower())
        if parts["appointment_type"] is None:
            reasons.append(f"appointment_type: the clinic has no type named {cells['appointment_type']}.")
    parts["room"] = found.rooms.get(cells.get("room", "").lower()) if cells.get("room") else None
    if cells.get("room") and parts["room"] is None:
        reasons.append(f"room: the clinic has no room named {cells['room']}.")
    if cells.get("start"):
        try:
            parts["starts_at"] = local_start(cells["start"], clinic)
        except ValueError as error:
            reasons.append(f"start: {cells['start']!r} is not a local time like 2027-03-04 14:30 ({error}).")
    if row.extra_cells:
        reasons.append("The row has more cells than the header has columns.")
    return parts, reasons


def _book_row(row: SourceRow, clinic: Clinic, found: _Lookups, by: User | None, now: datetime) -> RowOutcome:
    label = f"{row.cells.get('patient_external_id', '')} {row.cells.get('start', '')}".strip()
    parts, reasons = _resolve(row, clinic, found)
    if reasons:
        return RowOutcome(row.line, REFUSED, label, reasons)
    key = (parts["patient"].id, parts["provider"].id, parts["appointment_type"].id, parts["starts_at"])
    if key in found.booked:
        return RowOutcome(row.line, UNCHANGED, label)
    try:
        with db.session.begin_nested():
            book_appointment(clinic=clinic, by=by, now=now, notify=False, **parts)
    except SchedulingError as error:
        return RowOutcome(row.line, REFUSED, label, [str(error)])
    found.booked.add(key)
    return RowOutcome(row.line, CREATE, label)


def import_appointments(
    data: bytes,
    clinic: Clinic,
    *,
    dry_run: bool = True,
    skip_bad_rows: bool = False,
    by: User | None = None,
    source: str = "",
    now: datetime | None = None,
) -> ImportReport:
    """Book the file's appointments (flushes; the caller commits) or, for a dry run, only report them."""
    rows = read_rows(data, COLUMNS, ALIASES)
    _check_header(rows)
    found = _Lookups(clinic, rows)
    report = ImportReport("appointments", dry_run=dry_run, skip_bad_rows=skip_bad_rows)
    take_write_lock()  # one writer from the first check to the commit (SQLite); savepoints need the transaction
    now = now or datetime.now(UTC)
    report.rows = [_book_row(row, clinic, found, by, now) for row in rows]
    if dry_run or report.blocked:
        db.session.rollback()
    else:
        report.written = True
    if not dry_run:
        record(
            "import.appointments",
            object_type="import",
            outcome="success" if report.written else "failure",
            user=by,
            clinic_id=clinic.id,
            detail=f"{source + ': ' if source else ''}{report.summary()}",
        )
    return report
