"""Sending the outbox: claim due rows, send each by SMTP with a stable Message-ID, mark sent or retry.

Claiming is safe with any number of dispatchers: PostgreSQL locks candidate rows with
`FOR UPDATE SKIP LOCKED`; SQLite flips each row pending → sending with a conditional UPDATE that only one
dispatcher can win. A claim is a lease (`claimed_until`): a dispatcher that dies mid-batch leaves rows in
`sending`, and once the lease expires the next run claims and sends them. Failures retry with exponential
backoff (the row waits in `pending` until `claimed_until`), then fail for good after MAX_ATTEMPTS.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from clinic.extensions import db
from clinic.mailer import build_email
from clinic.reminders import planner
from clinic.reminders.kinds import REGISTRY, subject_for
from clinic.reminders.models import OutboxMessage
from clinic.reminders.tokens import unsubscribe_token
from clinic.urls import external_url

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
BATCH = 50


@dataclass
class DispatchResult:
    planned: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    errors: list[str] = field(default_factory=list)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes, capped at an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _claimable(now: datetime) -> sa.ColumnElement:
    M = OutboxMessage  # noqa: N806
    return sa.or_(
        sa.and_(
            M.status == "pending", M.due_at <= now, sa.or_(M.claimed_until.is_(None), M.claimed_until <= now)
        ),
        sa.and_(M.status == "sending", M.claimed_until < now),
    )


def claim(worker: str, now: datetime, limit: int = BATCH) -> list[int]:
    """Claim up to `limit` due rows for `worker`; commits, so other dispatchers see the claim at once."""
    M = OutboxMessage  # noqa: N806
    claim_values = dict(status="sending", claimed_by=worker, claimed_until=now + LEASE)
    candidates = sa.select(M.id, M.status, M.claimed_until).where(_claimable(now)).order_by(M.due_at, M.id)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = list(
            db.session.scalars(
                candidates.with_only_columns(M.id).limit(limit).with_for_update(skip_locked=True)
            )
        )
        if ids:
            db.session.execute(sa.update(M).where(M.id.in_(ids)).values(**claim_values))
    else:
        ids = _claim_by_conditional_update(candidates.limit(limit), claim_values)
    db.session.commit()
    return ids


def _claim_by_conditional_update(candidates: sa.Select, claim_values: dict) -> list[int]:
    """SQLite: flip each candidate pending → sending only if nobody else did first.

    A dispatcher that read its candidates just before another claimed them loses every race; it reads the
    candidates again (a few times) instead of stopping while rows are still due.
    """
    M = OutboxMessage  # noqa: N806
    for _ in range(5):
        rows = db.session.execute(candidates).all()
        ids = []
        for row_id, status, claimed_until in rows:
            same_lease = M.claimed_until.is_(None) if claimed_until is None else M.claimed_until == claimed_until
            won = db.session.execute(
                sa.update(M).where(M.id == row_id, M.status == status, same_lease).values(**claim_values)
            ).rowcount
            if won:
                ids.append(row_id)
        if ids or not rows:
            return ids
    return []


def message_id(row: OutboxMessage) -> str:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    domain = current_app.config.get("MAIL_MESSAGE_ID_DOMAIN") or sender.rpartition("@")[2] or "localhost"
    return f"<outbox-{row.id}@{domain}>"


def _finish(row_id: int, worker: str, **values) -> bool:
    done = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == row_id, OutboxMessage.claimed_by == worker, OutboxMessage.status == "sending"
        )
        .values(**values)
    ).rowcount
    db.session.commit()
    return bool(done)


def send_one(row_id: int, worker: str, now: datetime, result: DispatchResult) -> None:
    row = db.session.get(OutboxMessage, row_id)
    kind = REGISTRY.get(row.kind)
    if kind is None:
        _finish(
            row_id, worker, status="failed", last_error=f"unknown kind {row.kind!r}: no template registered"
        )
        result.failed += 1
        return
    reason = kind.unwanted(row, now)
    if reason:
        _finish(row_id, worker, status="cancelled", last_error=f"not sent: {reason}")
        result.cancelled += 1
        return
    try:
        context = kind.context(row)
        links = {
            "portal_url": external_url("routine_portal.today"),
            "aftercare_url": external_url("routine_portal.aftercare"),
            "report_url": external_url("routine_portal.report_problem"),
        }
        headers = {"Message-ID": message_id(row)}
        if row.patient_id is not None:
            links["unsubscribe_url"] = external_url(
                "reminders.unsubscribe", token=unsubscribe_token(row.patient_id)
            )
            headers["List-Unsubscribe"] = f"<{links['unsubscribe_url']}>"
        email = build_email(
            row.recipient, kind.template, subject_for(kind, row, context), headers=headers, **context, **links
        )
        email.send()
    except Exception as error:  # noqa: BLE001 - any failure is recorded on the row and retried
        db.session.rollback()
        _fail(row_id, worker, now, error, result)
        return
    if _finish(row_id, worker, status="sent", sent_at=now, message_id=headers["Message-ID"], last_error=None):
        result.sent += 1


def _fail(row_id: int, worker: str, now: datetime, error: Exception, result: DispatchResult) -> None:
    row = db.session.get(OutboxMessage, row_id)
    attempts = row.attempts + 1
    final = attempts >= MAX_ATTEMPTS
    _finish(
        row_id,
        worker,
        attempts=attempts,
        last_error=f"{type(error).__name__}: {error}"[:500],
        status="failed" if final else "pending",
        claimed_by=None,
        claimed_until=None if final else now + backoff(attempts),
    )
    result.failed += 1
    result.errors.append(f"outbox {row_id}: {error}")


def send_due(now: datetime, worker: str | None = None, batch: int = BATCH) -> DispatchResult:
    """Claim and send batches until nothing is claimable at `now`."""
    worker = worker or worker_name()
    result = DispatchResult()
    while ids := claim(worker, now, batch):
        for row_id in ids:
            send_one(row_id, worker, now, result)
    return result


def dispatch(now: datetime | None = None, worker: str | None = None) -> DispatchResult:
    """Plan what is due, then send it: what `flask reminders dispatch` runs every minute."""
    now = now or datetime.now(UTC)
    planned = planner.plan(now)
    db.session.commit()
    result = send_due(now, worker)
    result.planned = planned
    return result
