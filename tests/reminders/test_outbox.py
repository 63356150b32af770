"""Queueing in the outbox: one row per key, and the caller learns whether the row is new."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from clinic.extensions import db
from clinic.reminders.models import OutboxMessage
from clinic.reminders.outbox import cancel, enqueue
from tests.factories import default_clinic


def _enqueue(key: str) -> bool:
    return enqueue(
        clinic_id=default_clinic().id,
        kind="reorder",
        dedupe_key=key,
        recipient="p@example.test",
        due_at=datetime(2026, 11, 26, 9, tzinfo=UTC),
        payload={},
    )


def test_the_same_key_is_queued_once_and_the_second_call_says_so(app):
    assert _enqueue("reorder:1:2026-11-26") is True
    assert _enqueue("reorder:1:2026-11-26") is False
    assert _enqueue("reorder:2:2026-11-26") is True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2


def test_cancel_by_prefix_touches_only_pending_rows_with_that_prefix(app):
    _enqueue("appt:7:remind:24h:x")
    _enqueue("appt:7:remind:2h:x")
    _enqueue("appt:70:remind:24h:x")
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.dedupe_key == "appt:7:remind:2h:x").values(status="sent")
    )
    assert cancel("appt:7:remind:") == 1
    statuses = dict(db.session.execute(sa.select(OutboxMessage.dedupe_key, OutboxMessage.status)).all())
    assert statuses == {
        "appt:7:remind:24h:x": "cancelled",
        "appt:7:remind:2h:x": "sent",
        "appt:70:remind:24h:x": "pending",
    }
