"""The audit trail's hash chain: tampering shows even to someone who owns the database.

Each event stores `hash = SHA-256(prev_hash + "\\n" + canonical JSON of its content)`, where `prev_hash` is
the hash of the previous event of the same clinic (events without a clinic form their own chain). Editing
an event breaks its own hash; deleting, inserting or reordering events breaks the next event's link.
`flask audit verify` walks every chain and names the first broken link; `flask audit anchor` exports the
latest hash of each chain to somewhere the database owner does not control, so even a rewritten chain (all
hashes recomputed) or a cut-off tail is caught by `flask audit verify --anchors FILE`.

The chain is extended when events are flushed. Two transactions must not extend the same chain at once:
PostgreSQL takes a per-clinic advisory lock until commit; SQLite takes the database's write lock
(`BEGIN IMMEDIATE`) before reading the chain's head. The format below is part of the stored data: never
change it (migration 0010 uses it to seal events written before the chain existed). An event that names
several patients (`AuditEventPatient` rows) adds their sorted ids as `patient_ids` to the hashed content;
events without them hash exactly as before.

`flask audit archive` moves a chain's oldest events to a file and records the last archived hash in
`audit_archive`: the live chain then starts from that hash instead of the genesis.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from clinic.audit.models import AuditArchive, AuditEvent, AuditEventPatient
from clinic.db import now_utc

CHAIN_FIELDS = (
    "clinic_id",
    "occurred_at",
    "user_id",
    "user_email",
    "role",
    "patient_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "ip",
    "detail",
)
GENESIS = "0" * 64
LOCK_NAMESPACE = 815015  # first key of pg_advisory_xact_lock(int, int); the second is the clinic id


def canonical(value):
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def link_hash(prev_hash: str | None, fields: dict) -> str:
    """The hash of an event with content `fields` that follows `prev_hash` (None: the first of its chain)."""
    content = {name: canonical(fields.get(name)) for name in CHAIN_FIELDS}
    if fields.get("patient_ids"):
        content["patient_ids"] = sorted(fields["patient_ids"])
    content = json.dumps(
        content,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(f"{prev_hash or GENESIS}\n{content}".encode()).hexdigest()


def event_fields(event: AuditEvent, patient_ids: Iterable[int] | None = None) -> dict:
    """The hashed content of `event`; `patient_ids` defaults to the ones a new event was given."""
    fields = {name: getattr(event, name) for name in CHAIN_FIELDS}
    fields["patient_ids"] = list(event.shown_patient_ids if patient_ids is None else patient_ids)
    return fields


def _lock_and_read_head(session: Session, clinic_id: int | None) -> str | None:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_NAMESPACE, clinic_id or 0)))
    elif connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # pysqlite only begins before a write; we read first
    same_clinic = AuditEvent.clinic_id.is_(None) if clinic_id is None else AuditEvent.clinic_id == clinic_id
    head = connection.execute(
        sa.select(AuditEvent.hash).where(same_clinic).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    if head is None:  # a new chain, or one whose every event was archived: it goes on from the archive
        head = connection.execute(
            sa.select(AuditArchive.last_hash)
            .where(AuditArchive.clinic_id.is_not_distinct_from(clinic_id))
            .order_by(AuditArchive.last_event_id.desc())
            .limit(1)
        ).scalar_one_or_none()
    return head


def lock_chain(session: Session, clinic_id: int | None) -> None:
    """Hold the chain of `clinic_id` (the lock sealing takes) until the transaction ends."""
    _lock_and_read_head(session, clinic_id)


def seal(session: Session, rows: list[dict]) -> None:
    """Give each row (a dict of column values, in insertion order) its `prev_hash` and `hash`."""
    heads: dict[int | None, str | None] = {}
    for row in rows:
        row.setdefault("occurred_at", None)
        row["occurred_at"] = row["occurred_at"] or now_utc()
        clinic_id = row.get("clinic_id")
        if clinic_id not in heads:
            heads[clinic_id] = _lock_and_read_head(session, clinic_id)
        row["prev_hash"] = heads[clinic_id]
        row["hash"] = heads[clinic_id] = link_hash(row["prev_hash"], row)


def seal_pending(session: Session, flush_context, instances) -> None:  # noqa: ARG001 - event signature
    """before_flush: seal the session's new audit events in the order they were added."""
    new = sorted(
        (o for o in session.new if isinstance(o, AuditEvent) and o.hash is None),
        key=lambda o: sa.inspect(o).insert_order,
    )
    if not new:
        return
    rows = [event_fields(event) for event in new]
    with session.no_autoflush:
        seal(session, rows)
    for event, row in zip(new, rows, strict=True):
        event.occurred_at, event.prev_hash, event.hash = row["occurred_at"], row["prev_hash"], row["hash"]


sa.event.listen(Session, "before_flush", seal_pending)


@dataclass(frozen=True)
class Break:
    clinic_id: int | None
    event_id: int
    problem: str

    def __str__(self) -> str:
        chain = "no clinic" if self.clinic_id is None else f"clinic {self.clinic_id}"
        return f"{chain}: event {self.event_id} {self.problem}"


BATCH = 1000


def events_with_patients(session: Session, query: sa.Select) -> Iterator[tuple[AuditEvent, list[int]]]:
    """(event, the patient ids it names) for `query`'s events, in batches: two queries per thousand events."""
    result = session.scalars(query.execution_options(yield_per=BATCH))
    for batch in result.partitions():
        ids = [event.id for event in batch]
        named: dict[int, list[int]] = {}
        for event_id, patient_id in session.execute(
            sa.select(AuditEventPatient.event_id, AuditEventPatient.patient_id).where(
                AuditEventPatient.event_id.in_(ids)
            )
        ):
            named.setdefault(event_id, []).append(patient_id)
        for event in batch:
            yield event, named.get(event.id, [])


def archive_starts(session: Session) -> dict[int | None, tuple[int, str]]:
    """Each archived chain's (last archived event id, its hash): where the live chain resumes."""
    latest = (
        sa.select(AuditArchive.clinic_id, sa.func.max(AuditArchive.last_event_id).label("last"))
        .group_by(AuditArchive.clinic_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(AuditArchive.clinic_id, AuditArchive.last_event_id, AuditArchive.last_hash).join(
            latest,
            sa.and_(
                AuditArchive.clinic_id.is_not_distinct_from(latest.c.clinic_id),
                AuditArchive.last_event_id == latest.c.last,
            ),
        )
    )
    return {clinic_id: (last_id, last_hash) for clinic_id, last_id, last_hash in rows}


def verify(session: Session) -> tuple[int, list[Break], dict[int | None, tuple[int, str]]]:
    """Walk every chain. Returns (events checked, the first break of each broken chain, each chain's head).

    A chain with archived events starts at the hash of its last archived event (its anchor in
    `audit_archive`) instead of the genesis."""
    checked, breaks, heads = 0, [], {}
    broken: set[int | None] = set()
    previous: dict[int | None, tuple[int | None, str | None]] = dict(archive_starts(session))
    query = sa.select(AuditEvent).order_by(AuditEvent.clinic_id.nulls_first(), AuditEvent.id)
    for event, patient_ids in events_with_patients(session, query):
        checked += 1
        clinic_id = event.clinic_id
        if clinic_id in broken:
            continue
        prev_id, prev_hash = previous.get(clinic_id, (None, None))
        problem = None
        if event.hash is None:
            problem = "has no hash (written around the application, or the chain was stripped)"
        elif event.prev_hash != prev_hash:
            after = f"event {prev_id}" if prev_id is not None else "the start of the chain"
            problem = (
                f"does not follow {after}: an event between them was deleted, inserted or the events were reordered"
            )
        elif link_hash(event.prev_hash, event_fields(event, patient_ids)) != event.hash:
            problem = "was edited after it was written (its content no longer matches its hash)"
        if problem:
            breaks.append(Break(clinic_id, event.id, problem))
            broken.add(clinic_id)
            continue
        previous[clinic_id] = (event.id, event.hash)
        heads[clinic_id] = (event.id, event.hash)
    return checked, breaks, heads


def check_anchors(session: Session, anchors: Iterable[dict]) -> list[str]:
    """Each exported anchor (clinic, event id, hash) must still be in the chain, unchanged."""
    problems = []
    for anchor in anchors:
        stored = session.scalar(sa.select(AuditEvent).where(AuditEvent.id == anchor["event_id"]))
        where = f"anchor of {anchor.get('exported_at', '?')} (clinic {anchor.get('clinic_id')})"
        if stored is None and _archived(session, anchor.get("clinic_id"), anchor["event_id"]):
            continue  # moved by `flask audit archive`: `flask audit verify-archive FILE --anchors` checks it there
        if stored is None:
            problems.append(f"{where}: event {anchor['event_id']} no longer exists")
        elif stored.hash != anchor["hash"] or stored.clinic_id != anchor.get("clinic_id"):
            problems.append(f"{where}: event {anchor['event_id']} has a different hash now (chain rewritten)")
    return problems


def _archived(session: Session, clinic_id: int | None, event_id: int) -> bool:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditArchive)
            .where(AuditArchive.clinic_id.is_not_distinct_from(clinic_id), AuditArchive.last_event_id >= event_id)
        )
        > 0
    )
