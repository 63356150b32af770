"""Writing audit events. `record` adds to the current transaction; the request commits it with its work."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from clinic.audit import chain  # noqa: F401 - seals new events when they are flushed
from clinic.audit.models import AuditEvent, AuditEventPatient, shows_patient
from clinic.extensions import db


def _client_ip() -> str | None:
    if not has_request_context():
        return None
    return request.remote_addr


def record(
    action: str,
    *,
    patient_id: int | None = None,
    object_type: str | None = None,
    object_id: int | str | None = None,
    outcome: str = "success",
    detail: str | None = None,
    user=None,
    clinic_id: int | None = None,
) -> AuditEvent:
    """Add an audit event for `action` by `user` (default: the logged-in user) to the session."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    event = AuditEvent(
        action=action,
        patient_id=patient_id,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        outcome=outcome,
        detail=(detail or None) and detail[:500],
        user_id=getattr(user, "id", None),
        user_email=getattr(user, "email", None),
        role=getattr(user, "role", None),
        clinic_id=clinic_id if clinic_id is not None else getattr(user, "clinic_id", None),
        ip=_client_ip(),
    )
    db.session.add(event)
    return event


def record_each(
    action: str,
    patient_ids: Iterable[int],
    *,
    detail: str | None = None,
    object_type: str | None = "patient",
    clinic_id: int | None = None,
) -> AuditEvent | None:
    """One event for a page (or a job) that names several patients, naming each of them in an
    `AuditEventPatient` row so each finds it in "who viewed my record". Two INSERTs whatever the number of
    patients; the patients are part of the event's hash."""
    ids = tuple(dict.fromkeys(patient_ids))
    if not ids:
        return None
    event = record(action, object_type=object_type, detail=detail, clinic_id=clinic_id)
    event.shown_patient_ids = ids
    db.session.flush()
    db.session.execute(sa.insert(AuditEventPatient), [{"event_id": event.id, "patient_id": pid} for pid in ids])
    return event


def record_denial(*, status: int, detail: str = "", patient_id: int | None = None) -> None:
    """Audit a refused request in its own commit: the request is about to fail, so nothing else commits."""
    db.session.rollback()
    record(
        "access.denied",
        outcome="denied",
        patient_id=patient_id,
        detail=f"{status} {request.method} {request.path} {detail}".strip(),
    )
    db.session.commit()


def guard_append_only(session: Session, flush_context, instances) -> None:  # noqa: ARG001
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("audit events are append-only")


sa.event.listen(Session, "before_flush", guard_append_only)


@dataclass(frozen=True)
class AuditFilter:
    """What an admin narrows the audit log to. Dates are the clinic's local calendar days, both inclusive."""

    user_id: int | None = None
    patient_id: int | None = None
    action: str | None = None
    outcome: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def audit_query(clinic_id: int, zone: ZoneInfo, filters: AuditFilter) -> sa.Select:
    """A clinic's audit events matching `filters`, newest first. Other clinics' events are never included."""
    query = sa.select(AuditEvent).where(AuditEvent.clinic_id == clinic_id)
    if filters.user_id is not None:
        query = query.where(AuditEvent.user_id == filters.user_id)
    if filters.patient_id is not None:
        query = query.where(shows_patient(filters.patient_id))
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action.strip(), autoescape=True))
    if filters.outcome:
        query = query.where(AuditEvent.outcome == filters.outcome)
    if filters.date_from:
        query = query.where(AuditEvent.occurred_at >= _local_midnight_utc(filters.date_from, zone))
    if filters.date_to:
        day_after = filters.date_to + timedelta(days=1)
        query = query.where(AuditEvent.occurred_at < _local_midnight_utc(day_after, zone))
    return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def named_counts(events: Iterable[AuditEvent]) -> dict[int, int]:
    """event id -> how many patients it names in `AuditEventPatient` rows (one query for a page of events)."""
    ids = [event.id for event in events]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(AuditEventPatient.event_id, sa.func.count())
        .where(AuditEventPatient.event_id.in_(ids))
        .group_by(AuditEventPatient.event_id)
    )
    return dict(rows.tuples().all())
