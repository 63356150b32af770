"""Small helpers for the API tests."""

from __future__ import annotations

import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.extensions import db

PROBLEM = "application/problem+json"


def events(action: str, **filters) -> list[AuditEvent]:
    db.session.expire_all()
    query = sa.select(AuditEvent).where(AuditEvent.action == action).filter_by(**filters)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def assert_problem(response, status: int) -> dict:
    """The response is problem+json with this status (never HTML, never a redirect); its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM, response.mimetype
    body = response.get_json(force=True)
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= set(body)
    return body
