"""Audit helpers for pages that show several patients at once (calendars, the follow-up queue)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_login import current_user

from clinic.audit.models import AuditEvent
from clinic.db import now_utc
from clinic.extensions import db


def record_viewed(action: str, patient_ids: set[int] | list[int], detail: str) -> None:
    """One audit row per patient shown, written in a single INSERT whatever the number of patients."""
    ids = sorted(set(patient_ids))
    if not ids:
        return
    base = dict(
        action=action,
        occurred_at=now_utc(),
        clinic_id=current_user.clinic_id,
        user_id=current_user.id,
        user_email=current_user.email,
        role=current_user.role,
        outcome="success",
        ip=request.remote_addr,
        detail=detail[:500],
    )
    db.session.execute(sa.insert(AuditEvent), [{**base, "patient_id": pid} for pid in ids])
