"""Queueing messages in the outbox. Other features call `enqueue`; they never send e-mail themselves."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from clinic.db import now_utc
from clinic.extensions import db
from clinic.messaging import register_queue
from clinic.reminders.models import OutboxMessage


def enqueue(
    *,
    clinic_id: int,
    kind: str,
    dedupe_key: str,
    recipient: str,
    due_at: datetime,
    payload: dict,
    patient_id: int | None = None,
    user_id: int | None = None,
    channel: str = "email",
) -> bool:
    """Queue one message; return False when a message with the same key already exists.

    The insert is `ON CONFLICT DO NOTHING`, so concurrent planners racing on the same key add one row.
    """
    values = dict(
        clinic_id=clinic_id,
        kind=kind,
        dedupe_key=dedupe_key,
        recipient=recipient,
        due_at=due_at,
        payload=payload,
        patient_id=patient_id,
        user_id=user_id,
        channel=channel,
        status="pending",
        attempts=0,
    )
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    # RETURNING rather than rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT DO NOTHING.
    return db.session.execute(stmt).scalar_one_or_none() is not None


def cancel(dedupe_key_prefix: str) -> int:
    """Cancel unsent messages whose key starts with the prefix (a cancelled appointment's reminders)."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.dedupe_key.startswith(dedupe_key_prefix, autoescape=True))
        .where(OutboxMessage.status == "pending")
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


@register_queue
def _queue_email(
    kind: str,
    *,
    recipient: str,
    clinic_id: int,
    user_id: int | None,
    payload: dict,
    dedupe_key: str,
    due_at: datetime | None = None,
) -> bool:
    """`clinic.messaging.queue_email`'s implementation: account e-mails (reset, invitation) from `auth`."""
    return enqueue(
        clinic_id=clinic_id,
        kind=kind,
        dedupe_key=dedupe_key,
        recipient=recipient,
        due_at=due_at or now_utc(),
        payload=payload,
        user_id=user_id,
    )
