"""Small helpers for the API tests."""

from __future__ import annotations

import sqlalchemy as sa

from clinic.audit.models import AuditEvent, AuditEventPatient
from clinic.extensions import db

PROBLEM = "application/problem+json"


def events(action: str, patient_id: int | None = None, **filters) -> list[AuditEvent]:
    """Audit events of `action`; with `patient_id`, those about that patient or naming them among others
    (a list is one event naming every patient it showed)."""
    db.session.expire_all()
    query = sa.select(AuditEvent).where(AuditEvent.action == action).filter_by(**filters)
    if patient_id is not None:
        named = sa.select(AuditEventPatient.event_id).where(AuditEventPatient.patient_id == patient_id)
        query = query.where(sa.or_(AuditEvent.patient_id == patient_id, AuditEvent.id.in_(named)))
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def assert_problem(response, status: int) -> dict:
    """The response is problem+json with this status (never HTML, never a redirect); its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM, response.mimetype
    body = response.get_json(force=True)
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= set(body)
    return body
