"""The audit trail (HIPAA 45 CFR 164.312(b)): who did what to which patient's data, when, from where.

Rows are append-only. The ORM refuses to update or delete them (see `guard_append_only`) and the database
refuses too: triggers created with the table (and by the migrations) raise on UPDATE and DELETE, on
TRUNCATE (PostgreSQL), and on an INSERT that reuses an existing id (SQLite's `INSERT OR REPLACE`). On
PostgreSQL the table should belong to a separate owner role, the app's role holding only SELECT and INSERT
(`app_role_grants_sql`, applied by migration 0010 when CLINIC_DB_APP_ROLE is set): the owner of a table
can always disable its triggers. Against the database owner, the hash chain (`clinic/audit/chain.py`)
makes tampering evident.
Retention is at least six years (164.316, `AUDIT_RETENTION_YEARS`). The only way rows leave the table is
`flask audit archive` (`clinic/audit/archive.py`): it first writes them to a compressed file and records an
`AuditArchive` row; the database refuses to delete an event (or one of its patient rows) that no archive row
covers, so deletion stays impossible for everyone else. On PostgreSQL the app's role cannot delete or add
archive rows at all (SELECT only): the archive runs as the tables' owner.

An event that shows several patients (a list, a calendar) names them in `AuditEventPatient` rows, written
with it in the same transaction and covered by its hash; `shows_patient` finds an event either way.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from clinic.db import Base, UTCDateTime, now_utc

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    clinic_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    user_email: Mapped[str | None] = mapped_column(sa.String(254))
    role: Mapped[str | None] = mapped_column(sa.String(20))
    patient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(64))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    outcome: Mapped[str] = mapped_column(sa.String(16), default="success")
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    detail: Mapped[str | None] = mapped_column(sa.String(500))
    #: The hash chain (clinic/audit/chain.py): the previous event's hash in this clinic, and this one's.
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    hash: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (
        sa.CheckConstraint("outcome IN ('success', 'failure', 'denied')", name="outcome"),
        sa.Index("ix_audit_event_patient_time", "patient_id", "occurred_at"),
        sa.Index("ix_audit_event_chain", "clinic_id", "id"),
    )

    #: The patients a new event names beyond `patient_id` (set by `record_each` before the flush, sealed
    #: into the hash, then written as `AuditEventPatient` rows). Not a column.
    shown_patient_ids: tuple[int, ...] = ()


class AuditEventPatient(Base):
    """One patient an audit event showed (a list, a calendar, the follow-up queue): one event per request,
    one small row per patient, found by `ix_audit_event_patient_patient` for "who viewed my record"."""

    __tablename__ = "audit_event_patient"

    event_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("audit_event.id"), primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), primary_key=True, index=True)


class AuditArchive(Base):
    """A run of `flask audit archive` for one chain: events up to `last_event_id` moved to `file_name`.

    The live chain now starts after `last_hash`; `sha256` is the file's digest, so the file can be proven
    to be the one written. Append-only like the events."""

    __tablename__ = "audit_archive"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clinic.id"))
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime)
    file_name: Mapped[str] = mapped_column(sa.String(300))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    event_count: Mapped[int] = mapped_column(sa.Integer)
    first_event_id: Mapped[int] = mapped_column(BigId)
    last_event_id: Mapped[int] = mapped_column(BigId)
    last_hash: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_audit_archive_chain", "clinic_id", "last_event_id"),)


def shows_patient(patient_id: int) -> sa.ColumnElement[bool]:
    """Audit events about `patient_id`: as the event's patient, or among the patients it showed.

    A UNION of the two indexed lookups, not `patient_id = x OR id IN (...)`: an OR across two tables makes
    PostgreSQL scan every event."""
    own = sa.select(AuditEvent.id).where(AuditEvent.patient_id == patient_id)
    named = sa.select(AuditEventPatient.event_id).where(AuditEventPatient.patient_id == patient_id)
    return AuditEvent.id.in_(sa.union(own, named))


#: The database's half of the append-only guarantee, as the models create it (migrations 0001, 0010 and
#: 0100_audit_patients build the same): no UPDATE, TRUNCATE or INSERT over an existing key on the three
#: audit tables; DELETE only of events (and their patient rows) that an `audit_archive` row covers.
APPEND_ONLY_SQL = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql""",
        """CREATE OR REPLACE FUNCTION audit_event_delete_guard() RETURNS trigger AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM audit_archive a
  WHERE a.last_event_id >= OLD.id
    AND (a.clinic_id = OLD.clinic_id OR (a.clinic_id IS NULL AND OLD.clinic_id IS NULL)))
  THEN RAISE EXCEPTION 'audit_event is append-only'; END IF;
  RETURN OLD;
END; $$ LANGUAGE plpgsql""",
        """CREATE OR REPLACE FUNCTION audit_event_patient_delete_guard() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM audit_event e WHERE e.id = OLD.event_id AND NOT EXISTS (SELECT 1 FROM audit_archive a
  WHERE a.last_event_id >= e.id
    AND (a.clinic_id = e.clinic_id OR (a.clinic_id IS NULL AND e.clinic_id IS NULL))))
  THEN RAISE EXCEPTION 'audit_event is append-only'; END IF;
  RETURN OLD;
END; $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
        """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_delete_guard()""",
        """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
        """CREATE TRIGGER audit_event_patient_no_update BEFORE UPDATE ON audit_event_patient
FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
        """CREATE TRIGGER audit_event_patient_no_delete BEFORE DELETE ON audit_event_patient
FOR EACH ROW EXECUTE FUNCTION audit_event_patient_delete_guard()""",
        """CREATE TRIGGER audit_event_patient_no_truncate BEFORE TRUNCATE ON audit_event_patient
FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
        """CREATE TRIGGER audit_archive_no_change BEFORE UPDATE OR DELETE ON audit_archive
FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
        """CREATE TRIGGER audit_archive_no_truncate BEFORE TRUNCATE ON audit_archive
FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
        """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
WHEN NOT EXISTS (SELECT 1 FROM audit_archive a
  WHERE a.last_event_id >= OLD.id
    AND (a.clinic_id = OLD.clinic_id OR (a.clinic_id IS NULL AND OLD.clinic_id IS NULL)))
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
        """CREATE TRIGGER audit_event_no_replace BEFORE INSERT ON audit_event
WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
        """CREATE TRIGGER audit_event_patient_no_update BEFORE UPDATE ON audit_event_patient
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
        """CREATE TRIGGER audit_event_patient_no_delete BEFORE DELETE ON audit_event_patient
WHEN EXISTS (SELECT 1 FROM audit_event e WHERE e.id = OLD.event_id AND NOT EXISTS (SELECT 1 FROM audit_archive a
  WHERE a.last_event_id >= e.id
    AND (a.clinic_id = e.clinic_id OR (a.clinic_id IS NULL AND e.clinic_id IS NULL))))
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
        """CREATE TRIGGER audit_event_patient_no_replace BEFORE INSERT ON audit_event_patient
WHEN EXISTS (SELECT 1 FROM audit_event_patient WHERE event_id = NEW.event_id AND patient_id = NEW.patient_id)
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
        """CREATE TRIGGER audit_archive_no_update BEFORE UPDATE ON audit_archive
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
        """CREATE TRIGGER audit_archive_no_delete BEFORE DELETE ON audit_archive
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
        """CREATE TRIGGER audit_archive_no_replace BEFORE INSERT ON audit_archive
WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_archive WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
    ],
}


def app_role_grants_sql(app_role: str) -> list[str]:
    """PostgreSQL: let `app_role` (the role the app connects as) use every table, but only read and append
    to the audit tables, and only read the archive runs. Run as the tables' owner (a different role), who
    also runs `flask audit archive`; see README "Audit trail"."""
    role = '"' + app_role.replace('"', '""') + '"'
    return [
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        f"REVOKE ALL ON audit_event FROM {role}",
        f"GRANT SELECT, INSERT ON audit_event TO {role}",
        f"REVOKE ALL ON audit_event_patient FROM {role}",
        f"GRANT SELECT, INSERT ON audit_event_patient TO {role}",
        f"REVOKE ALL ON audit_archive FROM {role}",
        f"GRANT SELECT ON audit_archive TO {role}",
    ]


def _install_triggers(target, connection, tables=(), **kw) -> None:  # noqa: ARG001 - SQLAlchemy event signature
    """After `create_all`: once all three audit tables exist (the triggers refer to each other)."""
    created = {table.name for table in tables}
    if not {"audit_event", "audit_event_patient", "audit_archive"} <= created:
        return
    for statement in APPEND_ONLY_SQL.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)


sa.event.listen(Base.metadata, "after_create", _install_triggers)
