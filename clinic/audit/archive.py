"""Moving audit events past their retention out of the live table, verifiably (`flask audit archive`).

For each chain (clinic), the oldest events written before the cutoff (a contiguous run from the start of
the live chain) go to `audit-<clinic>-<first id>-<last id>.jsonl.gz`: a header line, then one JSON line per
event with every column and the patients it named. The chain is checked while the file is written (a broken
chain is never archived), the file is renamed into place once complete, and its SHA-256 is kept in an
`AuditArchive` row together with the last archived hash. Only then are the events deleted: the database's
triggers allow deleting exactly the events such a row covers, and the live chain now starts from that hash.

`verify_archive` re-walks a file's chain from the hash it starts after, and (given a session) checks the
file's digest against its `AuditArchive` row.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from clinic.audit.chain import archive_starts, canonical, events_with_patients, link_hash, lock_chain
from clinic.audit.models import AuditArchive, AuditEvent, AuditEventPatient

FORMAT = "clinic-audit-archive/1"
COLUMNS = ("id", "prev_hash", "hash", "clinic_id", "occurred_at", "user_id", "user_email", "role", "patient_id")
COLUMNS += ("action", "object_type", "object_id", "outcome", "ip", "detail")


class ArchiveError(RuntimeError):
    """The chain to archive is broken: nothing is written or deleted."""


@dataclass(frozen=True)
class Archived:
    clinic_id: int | None
    path: Path
    count: int
    first_event_id: int
    last_event_id: int
    sha256: str


def retention_cutoff(now: datetime, years: int) -> datetime:
    """Events before this instant are past a retention of `years` (calendar years, leap days included)."""
    return now - relativedelta(years=years)


def _same_chain(clinic_id: int | None) -> sa.ColumnElement[bool]:
    return AuditEvent.clinic_id.is_(None) if clinic_id is None else AuditEvent.clinic_id == clinic_id


def chains(session: Session) -> list[int | None]:
    return list(session.scalars(sa.select(AuditEvent.clinic_id).distinct()))


def _due(session: Session, clinic_id: int | None, cutoff: datetime) -> sa.Select:
    """The chain's events before the first one written at or after the cutoff, oldest first."""
    first_kept = (
        sa.select(sa.func.min(AuditEvent.id))
        .where(_same_chain(clinic_id), AuditEvent.occurred_at >= cutoff)
        .scalar_subquery()
    )
    return (
        sa.select(AuditEvent)
        .where(
            _same_chain(clinic_id),
            AuditEvent.occurred_at < cutoff,
            sa.or_(first_kept.is_(None), AuditEvent.id < first_kept),
        )
        .order_by(AuditEvent.id)
    )


def _lines(session: Session, clinic_id: int | None, cutoff: datetime, start: str | None) -> Iterator[dict]:
    """The file's lines; raises ArchiveError at the first event that does not follow the one before."""
    previous = start
    for event, patient_ids in events_with_patients(session, _due(session, clinic_id, cutoff)):
        row = {name: canonical(getattr(event, name)) for name in COLUMNS}
        row["patient_ids"] = sorted(patient_ids)
        if event.prev_hash != previous or link_hash(event.prev_hash, row) != event.hash:
            raise ArchiveError(f"event {event.id} breaks the chain: run `flask audit verify`, archive nothing")
        previous = event.hash
        yield row


def _write(path: Path, header: dict, rows: Iterator[dict]) -> tuple[int, dict | None, dict | None]:
    """Write header and rows to `path` (through a temporary name); returns (count, first row, last row)."""
    partial = path.with_name(path.name + ".partial")
    count, first, last = 0, None, None
    with gzip.open(partial, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(header, sort_keys=True) + "\n")
        for row in rows:
            handle.write(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n")
            count, first, last = count + 1, first or row, row
    if count:
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
    return count, first, last


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def archive_chain(session: Session, clinic_id: int | None, cutoff: datetime, directory: Path) -> Archived | None:
    """Archive one chain's events before `cutoff` into `directory`; the caller commits (None: nothing due)."""
    lock_chain(session, clinic_id)
    _, start_hash = archive_starts(session).get(clinic_id, (None, None))
    header = {"format": FORMAT, "clinic_id": clinic_id, "cutoff": canonical(cutoff), "starts_after": start_hash}
    label = "none" if clinic_id is None else str(clinic_id)
    staging = directory / f"audit-{label}-staging.jsonl.gz"
    partial = staging.with_name(staging.name + ".partial")
    try:
        count, first, last = _write(staging, header, _lines(session, clinic_id, cutoff, start_hash))
    except ArchiveError:
        partial.unlink(missing_ok=True)
        raise
    if not count:
        partial.unlink(missing_ok=True)
        return None
    path = directory / f"audit-{label}-{first['id']}-{last['id']}.jsonl.gz"
    partial.replace(path)
    digest = _sha256(path)
    session.add(
        AuditArchive(
            clinic_id=clinic_id,
            cutoff=cutoff,
            file_name=path.name,
            sha256=digest,
            event_count=count,
            first_event_id=first["id"],
            last_event_id=last["id"],
            last_hash=last["hash"],
        )
    )
    session.flush()  # the triggers allow the deletes below only once this row exists
    archived_ids = sa.select(AuditEvent.id).where(_same_chain(clinic_id), AuditEvent.id <= last["id"])
    session.execute(sa.delete(AuditEventPatient).where(AuditEventPatient.event_id.in_(archived_ids)))
    session.execute(
        sa.delete(AuditEvent)
        .where(_same_chain(clinic_id), AuditEvent.id <= last["id"])
        .execution_options(synchronize_session=False)
    )
    return Archived(clinic_id, path, count, first["id"], last["id"], digest)


def archive(session: Session, cutoff: datetime, directory: Path) -> list[Archived]:
    directory.mkdir(parents=True, exist_ok=True)
    done = []
    for clinic_id in sorted(chains(session), key=lambda c: (c is not None, c or 0)):
        result = archive_chain(session, clinic_id, cutoff, directory)
        if result is not None:
            done.append(result)
    return done


def verify_archive(path: Path, session: Session | None = None) -> tuple[int, list[str]]:
    """(events checked, problems) for an archive file: its chain, and with a session its recorded digest."""
    problems: list[str] = []
    count = 0
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        header = json.loads(handle.readline() or "{}")
        if header.get("format") != FORMAT:
            return 0, [f"{path.name}: not an audit archive ({header.get('format')!r})"]
        previous = header.get("starts_after")
        for line in handle:
            row = json.loads(line)
            count += 1
            if row.get("prev_hash") != previous or link_hash(row.get("prev_hash"), row) != row.get("hash"):
                problems.append(f"{path.name}: event {row.get('id')} does not match its chain (edited or reordered)")
                break
            previous = row["hash"]
    if session is not None:
        stored = session.scalar(sa.select(AuditArchive).where(AuditArchive.file_name == path.name))
        if stored is None:
            problems.append(f"{path.name}: no archive run recorded under this name")
        elif stored.sha256 != _sha256(path) or stored.event_count != count or stored.last_hash != previous:
            problems.append(f"{path.name}: differs from the file the archive run wrote (digest or last hash)")
    return count, problems
