"""Sending the outbox: claim due rows, send each through its channel (e-mail, SMS), mark sent or retry.

Per row: the patient's preferences are read again (an opt-out after planning cancels the row; read for the
whole batch in two queries right after it is claimed), the lease is
renewed in a statement that also checks the row is still this dispatcher's, the channel sends (one SMTP
connection / HTTP session per batch), and the row is marked sent at once, in a statement that again checks
ownership, before the next message and before the SMTP QUIT. E-mails keep a stable Message-ID per row.

Claiming is safe with any number of dispatchers: PostgreSQL locks candidate rows with
`FOR UPDATE SKIP LOCKED`; SQLite flips each row pending → sending with a conditional UPDATE that only one
dispatcher can win. A claim is a lease (`claimed_until`): a dispatcher that dies mid-batch leaves rows in
`sending`, and once the lease expires the next run claims and sends them. Failures retry with exponential
backoff (the row waits in `pending` until `claimed_until`), then fail for good after MAX_ATTEMPTS.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from clinic.extensions import db
from clinic.reminders import planner
from clinic.reminders.batch import batch_scope, memoized
from clinic.reminders.channels import Channels
from clinic.reminders.channels.email import message_id  # noqa: F401 - re-exported for tests and callers
from clinic.reminders.kinds import REGISTRY, TOPICS, Kind, subject_for
from clinic.reminders.language import recipient_language, remember_languages
from clinic.reminders.models import OutboxMessage
from clinic.reminders.preferences import remember_choices, wants
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
    lost: int = 0
    errors: list[str] = field(default_factory=list)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes, capped at an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _claimable(now: datetime, due_by: datetime | None = None) -> sa.ColumnElement:
    M = OutboxMessage  # noqa: N806
    return sa.or_(
        sa.and_(
            M.status == "pending",
            M.due_at <= (due_by or now),
            sa.or_(M.claimed_until.is_(None), M.claimed_until <= now),
        ),
        sa.and_(M.status == "sending", M.claimed_until < now),
    )


def claim(worker: str, now: datetime, limit: int = BATCH, due_by: datetime | None = None) -> list[int]:
    """Claim up to `limit` rows due by `due_by` (default `now`) for `worker`, leased from `now`; commits, so
    other dispatchers see the claim at once. The sender renews the lease row by row (`_renew`), so a slow
    server cannot let a lease run out under a message being sent."""
    M = OutboxMessage  # noqa: N806
    claim_values = dict(status="sending", claimed_by=worker, claimed_until=now + LEASE)
    candidates = sa.select(M.id, M.status, M.claimed_until).where(_claimable(now, due_by)).order_by(M.due_at, M.id)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = list(
            db.session.scalars(candidates.with_only_columns(M.id).limit(limit).with_for_update(skip_locked=True))
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


def _finish(row_id: int, worker: str, **values) -> bool:
    """Update the row only if this dispatcher still holds it (same statement: no window for a takeover)."""
    done = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == worker, OutboxMessage.status == "sending")
        .values(**values)
        # Matched by the RETURNED id, not by evaluating the criteria on every object the batch holds.
        .execution_options(synchronize_session="fetch")
    ).rowcount
    db.session.commit()
    return bool(done)


def _renew(row_id: int, worker: str, at: datetime) -> bool:
    """Extend this dispatcher's lease on one row just before sending it; False if another dispatcher took it."""
    return _finish(row_id, worker, claimed_until=at + LEASE)


class Leases:
    """When this dispatcher's lease on each claimed row ends, so it renews only when the lease runs short.

    Nobody else can claim a row before its lease ends, so with more than `margin` left (longer than one
    send may take) the row is certainly still ours; closer to the end it is renewed in one statement that
    also checks ownership, and a row another dispatcher took is skipped.
    """

    def __init__(self, worker: str, clock) -> None:
        self.worker, self.clock, self.until = worker, clock, {}
        self.margin = min(timedelta(seconds=60), LEASE / 2)

    def claimed(self, ids: list[int], at: datetime) -> None:
        self.until.update(dict.fromkeys(ids, at + LEASE))

    def hold(self, row_id: int) -> bool:
        at = self.clock()
        if at + self.margin < self.until.get(row_id, at):
            return True
        if _renew(row_id, self.worker, at):
            self.until[row_id] = at + LEASE
            return True
        return False


def render(row: OutboxMessage, kind: Kind) -> dict:
    """Template, subject, context (with links) and SMS text of a row."""
    context = kind.context(row)
    links = dict(
        memoized(
            "portal_links",
            lambda: {
                "portal_url": external_url("portal.today"),
                "aftercare_url": external_url("portal.aftercare"),
                "report_url": external_url("portal.report_problem"),
                "checkin_url": external_url("portal.checkins"),
            },
        )
    )
    headers = {}
    topic = TOPICS.get(kind.topic) if kind.topic else None
    if row.patient_id is not None and topic is not None:
        links["unsubscribe_url"] = external_url(
            "reminders.unsubscribe", token=unsubscribe_token(row.patient_id, topic.name)
        )
        links["unsubscribe_label"] = gettext(topic.stop_label)  # marked with N_ where the topic is registered
        headers["List-Unsubscribe"] = f"<{links['unsubscribe_url']}>"
    context = {**context, **links}
    return {
        "template": kind.template,
        "subject": subject_for(kind, row, context),
        "context": context,
        "headers": headers,
        "sms": kind.sms(row, context) if kind.sms else None,
    }


def _not_wanted(row: OutboxMessage, kind: Kind, now: datetime) -> str | None:
    """Preferences are read at send time: an opt-out after planning stops the row."""
    if kind.topic and row.patient_id is not None:
        reason = wants(row.patient_id, row.channel, kind.topic)
        if reason:
            return reason
    return kind.unwanted(row, now)


def send_one(
    row_id: int,
    worker: str,
    now: datetime,
    result: DispatchResult,
    channels: Channels,
    leases: Leases | None = None,
) -> None:
    row = db.session.get(OutboxMessage, row_id)
    kind = REGISTRY.get(row.kind)
    if kind is None:
        _finish(row_id, worker, status="failed", last_error=f"unknown kind {row.kind!r}: no template registered")
        result.failed += 1
        return
    reason = _not_wanted(row, kind, now)
    if reason:
        _finish(row_id, worker, status="cancelled", last_error=f"not sent: {reason}")
        result.cancelled += 1
        return
    try:
        rendered = render(row, kind)
    except Exception as error:  # noqa: BLE001 - a template or context failure is recorded and retried
        db.session.rollback()
        _fail(row_id, worker, now, error, result)
        return
    if not (leases.hold(row_id) if leases else _renew(row_id, worker, now)):
        result.lost += 1  # our lease ran out and another dispatcher has the row: it sends it, not us
        return
    try:
        provider_id = channels.get(row.channel).send(row, rendered)
    except Exception as error:  # noqa: BLE001 - any failure is recorded on the row and retried
        channels.reset(row.channel)
        db.session.rollback()
        _fail(row_id, worker, now, error, result)
        return
    # Marked before the next message and before QUIT: a crash from here on cannot resend it.
    if _finish(row_id, worker, status="sent", sent_at=now, message_id=provider_id, last_error=None):
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
    started = time.monotonic()

    def clock() -> datetime:
        """`now` moved on by the real time spent sending, for leases."""
        return now + timedelta(seconds=time.monotonic() - started)

    leases = Leases(worker, clock)
    while True:
        claimed_at = clock()
        ids = claim(worker, claimed_at, batch, due_by=now)
        if not ids:
            return result
        leases.claimed(ids, claimed_at)
        with batch_scope(), Channels() as channels:
            # Held for the batch, so the session's identity map answers every lookup of these rows.
            rows = {row.id: row for row in prepare(ids)}
            for row_id in ids:
                with force_locale(recipient_language(rows[row_id])):
                    send_one(row_id, worker, now, result, channels, leases)


def prepare(ids: list[int]) -> list[OutboxMessage]:
    """Read what the batch's rows share once: the patients' languages and reminder choices, and what each kind
    computes in bulk (e.g. every patient's steps left that day, one query per day and zone)."""
    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.in_(ids))).all()
    by_kind: dict[str, list[OutboxMessage]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    remember_languages(rows)
    remember_choices(
        {
            (row.patient_id, row.channel, REGISTRY[row.kind].topic)
            for row in rows
            if row.patient_id is not None and row.kind in REGISTRY and REGISTRY[row.kind].topic
        }
    )
    for name, kind_rows in by_kind.items():
        kind = REGISTRY.get(name)
        if kind is not None and kind.prepare is not None:
            kind.prepare(kind_rows)
    return rows


def dispatch(now: datetime | None = None, worker: str | None = None) -> DispatchResult:
    """Plan what is due, then send it: what `flask reminders dispatch` runs every minute."""
    now = now or datetime.now(UTC)
    planned = planner.plan(now)
    db.session.commit()
    result = send_due(now, worker)
    result.planned = planned
    return result
