"""Queueing e-mail from features below `reminders` (auth): a one-function hook, no upward import.

`auth` sits below `reminders` in the layers, so it cannot import the outbox. `reminders.outbox` registers
its implementation here when it is imported (create_app imports it); `queue_email` delegates to it. The
message then leaves only through the dispatcher (`flask reminders dispatch`), never inside a request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol


class EmailQueue(Protocol):
    def __call__(
        self,
        kind: str,
        *,
        recipient: str,
        clinic_id: int,
        user_id: int | None,
        payload: dict,
        dedupe_key: str,
        due_at: datetime | None = None,
    ) -> bool: ...


_queue: EmailQueue | None = None


def register_queue(queue: EmailQueue) -> Callable:
    """Called once by `clinic.reminders.outbox` at import."""
    global _queue
    _queue = queue
    return queue


def queue_email(
    kind: str,
    *,
    recipient: str,
    clinic_id: int,
    user_id: int | None,
    payload: dict,
    dedupe_key: str,
    due_at: datetime | None = None,
) -> bool:
    """Queue one e-mail of a registered outbox `kind`; False when `dedupe_key` was queued before."""
    if _queue is None:
        raise RuntimeError("no e-mail queue is registered: import clinic.reminders.outbox (create_app does)")
    return _queue(
        kind,
        recipient=recipient,
        clinic_id=clinic_id,
        user_id=user_id,
        payload=payload,
        dedupe_key=dedupe_key,
        due_at=due_at,
    )
