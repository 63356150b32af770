"""Helpers for tests that look inside the session cookie or the audit trail."""

from __future__ import annotations

import sqlalchemy as sa

from clinic.audit.models import AuditEvent, AuditEventPatient
from clinic.extensions import db

COOKIE = "clinic_session"
HOST = "clinic.test"


def session_cookie(client) -> str | None:
    cookie = client.get_cookie(COOKIE, domain=HOST)
    return cookie.value if cookie else None


def replay_cookie(app, value: str):
    """A brand-new client that only has a copied session cookie, like an attacker who stole it."""
    other = app.test_client()
    other.set_cookie(COOKIE, value, domain=HOST)
    return other


def session_data(app, client) -> dict:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(session_cookie(client))


def events(action: str, **where) -> list[AuditEvent]:
    db.session.expire_all()
    query = sa.select(AuditEvent).where(AuditEvent.action == action)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def shown_patients(event: AuditEvent) -> list[int]:
    """The patients an event names: its own patient, or those a list page showed (audit_event_patient)."""
    named = db.session.scalars(
        sa.select(AuditEventPatient.patient_id).where(AuditEventPatient.event_id == event.id)
    ).all()
    return sorted({*named, *([event.patient_id] if event.patient_id else [])})


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].split("?")[0].endswith("/login")
