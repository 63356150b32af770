"""Importing patients: plan every row against the clinic's records (loaded in two queries), then write.

Outcomes per row: create (a new external id), update (a known external id with other details), unchanged
(a known external id, same details), refused (the reasons). A real run writes nothing when any row is refused,
unless bad rows are to be skipped; running the same file again changes nothing (the external id matches).
Writes go in batches, with one audit event per patient written and one summarising the import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from clinic.audit.services import record, record_each
from clinic.auth.models import User
from clinic.clinics.models import Clinic
from clinic.db import now_utc
from clinic.extensions import db
from clinic.interop.imports.patient_rows import ALIASES, COLUMNS, new_form, row_details
from clinic.interop.imports.reading import ImportFileError, SourceRow, read_rows
from clinic.interop.imports.report import CREATE, REFUSED, UNCHANGED, UPDATE, ImportReport, RowOutcome
from clinic.patients.forms import PatientForm
from clinic.patients.models import Patient, PatientConcern
from clinic.patients.services import PatientDetails, apply_details, new_record_number

BATCH = 1000
#: What an update compares (notes are the clinic's own and are not in the layout: kept as they are).
COMPARED = (
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "email",
    "phone",
    "address",
    "timezone",
    "fitzpatrick",
    "allergies",
    "medications",
)
#: What a new patient's INSERT carries from the details (as `apply_details` normalised them).
INSERTED = (*COMPARED, "phone_digits", "notes")


class _Probe:
    """What `apply_details` writes, without a mapped Patient (instrumented objects cost more than the check)."""

    def __init__(self) -> None:
        self.concern_rows: list = []

    @property
    def concerns(self) -> list[str]:
        return [row.concern for row in self.concern_rows]


def _normalised(details: PatientDetails) -> _Probe:
    probe = _Probe()
    apply_details(probe, details)  # type: ignore[arg-type] - duck-typed: the attributes a Patient has
    return probe


@dataclass
class PatientPlan:
    report: ImportReport
    creates: list[tuple[str, PatientDetails]] = field(default_factory=list)
    updates: list[tuple[Patient, PatientDetails]] = field(default_factory=list)


@dataclass
class _Known:
    """The clinic's patients an import is checked against, loaded once."""

    by_external_id: dict[str, Patient]
    email_owner: dict[str, int]  # lower-cased e-mail -> patient id
    form: PatientForm = field(default_factory=new_form)
    seen_external: dict[str, int] = field(default_factory=dict)  # in this file: id -> line
    seen_email: dict[str, int] = field(default_factory=dict)  # in this file: e-mail -> line


def _check_header(rows: list[SourceRow]) -> None:
    if not rows:
        raise ImportFileError("The file has a header but no patients.")
    columns = set(rows[0].cells)
    missing = [c for c in ("external_id", "date_of_birth") if c not in columns]
    if "name" not in columns and not {"first_name", "last_name"} <= columns:
        missing.append("name (or first_name and last_name)")
    if missing:
        raise ImportFileError(f"Required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)}.")


def _load_known(clinic: Clinic) -> _Known:
    patients = db.session.scalars(
        sa.select(Patient)
        .where(Patient.clinic_id == clinic.id, Patient.external_id.is_not(None))
        .options(selectinload(Patient.concern_rows))
    )
    emails = db.session.execute(
        sa.select(sa.func.lower(Patient.email), Patient.id).where(
            Patient.clinic_id == clinic.id, Patient.email.is_not(None)
        )
    )
    return _Known({p.external_id: p for p in patients}, dict(emails.all()))


def plan_patients(data: bytes, clinic: Clinic, *, skip_bad_rows: bool = False) -> PatientPlan:
    """Read the file and decide each row's outcome; nothing is written. ImportFileError for a bad file."""
    rows = read_rows(data, COLUMNS, ALIASES)
    _check_header(rows)
    known = _load_known(clinic)
    plan = PatientPlan(ImportReport("patients", skip_bad_rows=skip_bad_rows))
    for row in rows:
        plan.report.rows.append(_plan_row(row, clinic, known, plan))
    return plan


def _plan_row(row: SourceRow, clinic: Clinic, known: _Known, plan: PatientPlan) -> RowOutcome:
    details, reasons = row_details(row.cells, clinic.timezone, known.form)
    if row.extra_cells:
        reasons.append("The row has more cells than the header has columns (a delimiter inside an unquoted cell?).")
    external_id = row.cells.get("external_id", "")
    existing = known.by_external_id.get(external_id)
    reasons += _duplicates(row, external_id, details, existing, known)
    label = f"{details.last_name}, {details.first_name}" if details else row.cells.get("name", "")
    if reasons:
        return RowOutcome(row.line, REFUSED, label or external_id, reasons)
    if existing is None:
        plan.creates.append((external_id, details))
        return RowOutcome(row.line, CREATE, label)
    details.notes = existing.notes
    if not _differs(existing, details):
        return RowOutcome(row.line, UNCHANGED, label)
    plan.updates.append((existing, details))
    return RowOutcome(row.line, UPDATE, label)


def _duplicates(
    row: SourceRow, external_id: str, details: PatientDetails | None, existing: Patient | None, known: _Known
) -> list[str]:
    """Reasons a row clashes with an earlier row of the file or another patient of the clinic."""
    reasons = []
    if external_id:
        if external_id in known.seen_external:
            reasons.append(f"external_id: {external_id} is also on line {known.seen_external[external_id]}.")
        known.seen_external.setdefault(external_id, row.line)
    email = (details.email or "").strip().lower() if details else ""
    if email:
        if email in known.seen_email:
            reasons.append(f"email: {email} is also on line {known.seen_email[email]}.")
        owner = known.email_owner.get(email)
        if owner is not None and (existing is None or owner != existing.id):
            reasons.append(f"email: another patient of the clinic already has {email}.")
        known.seen_email.setdefault(email, row.line)
    return reasons


def _differs(patient: Patient, details: PatientDetails) -> bool:
    """Would saving `details` change the record? Compared after the same normalising a save applies."""
    probe = _normalised(details)
    return any(getattr(probe, name) != getattr(patient, name) for name in COMPARED) or set(probe.concerns) != set(
        patient.concerns
    )


def write_patients(plan: PatientPlan, clinic: Clinic, *, by: User | None = None, source: str = "") -> ImportReport:
    """Write a plan (flushes; the caller commits), unless a row is refused and bad rows are not skipped."""
    report = plan.report
    report.dry_run = False
    if report.blocked:
        _audit_summary(report, clinic, by, source, outcome="failure")
        return report
    created = _insert(plan.creates, clinic)
    for patient, details in plan.updates:
        apply_details(patient, details)
        patient.updated_at = now_utc()
    db.session.flush()
    record_each("patient.import_create", created, clinic_id=clinic.id, detail=source or None)
    record_each("patient.import_update", [p.id for p, _ in plan.updates], clinic_id=clinic.id, detail=source or None)
    report.written = True
    _audit_summary(report, clinic, by, source)
    return report


def _insert(creates: list[tuple[str, PatientDetails]], clinic: Clinic) -> list[int]:
    """Insert the new patients and their concerns, BATCH rows per statement (the ORM's unit of work would
    send one INSERT per patient to fetch each id)."""
    ids: list[int] = []
    for start in range(0, len(creates), BATCH):
        rows, concerns = [], []
        for external_id, details in creates[start : start + BATCH]:
            patient = _normalised(details)
            rows.append(
                {name: getattr(patient, name) for name in INSERTED}
                | {"clinic_id": clinic.id, "record_number": new_record_number(), "external_id": external_id}
            )
            concerns.append(patient.concerns)
        # Ids come back matched by record number: asking for them in parameter order makes SQLite insert
        # row by row.
        inserted = db.session.execute(sa.insert(Patient.__table__).returning(Patient.record_number, Patient.id), rows)
        id_of = dict(inserted.tuples().all())
        batch_ids = [id_of[row["record_number"]] for row in rows]
        concern_rows = [
            {"patient_id": pid, "concern": c} for pid, cs in zip(batch_ids, concerns, strict=True) for c in cs
        ]
        if concern_rows:
            db.session.execute(sa.insert(PatientConcern), concern_rows)
        ids += batch_ids
    return ids


def _audit_summary(report: ImportReport, clinic: Clinic, by: User | None, source: str, outcome: str = "success"):
    record(
        "import.patients",
        object_type="import",
        outcome=outcome,
        user=by,
        clinic_id=clinic.id,
        detail=f"{source + ': ' if source else ''}{report.summary()}",
    )


def import_patients(
    data: bytes,
    clinic: Clinic,
    *,
    dry_run: bool = True,
    skip_bad_rows: bool = False,
    by: User | None = None,
    source: str = "",
) -> ImportReport:
    """Plan the file and, unless `dry_run`, write it. Raises ImportFileError for a file refused as a whole."""
    plan = plan_patients(data, clinic, skip_bad_rows=skip_bad_rows)
    if dry_run:
        return plan.report
    return write_patients(plan, clinic, by=by, source=source)
