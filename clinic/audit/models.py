"""The audit trail (HIPAA 45 CFR 164.312(b)): who did what to which patient's data, when, from where.

Rows are append-only. The ORM refuses to update or delete them (see `guard_append_only`) and the database
refuses too: triggers created with the table (and by the migrations) raise on UPDATE and DELETE, on
TRUNCATE (PostgreSQL), and on an INSERT that reuses an existing id (SQLite's `INSERT OR REPLACE`). On
PostgreSQL the table should belong to a separate owner role, the app's role holding only SELECT and INSERT
(`app_role_grants_sql`, applied by migration 0010 when CLINIC_DB_APP_ROLE is set): the owner of a table
can always disable its triggers. Against the database owner, the hash chain (`clinic/audit/chain.py`)
makes tampering evident.
Retention is at least six years (164.316); nothing in the app deletes them.
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


APPEND_ONLY_SQL = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
        """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
    ],
}
#: Added by migration 0010: TRUNCATE (PostgreSQL) and INSERT over an existing id (SQLite) are refused too.
APPEND_ONLY_V2_SQL = {
    "postgresql": [
        """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER audit_event_no_replace BEFORE INSERT ON audit_event
WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
    ],
}
DROP_APPEND_ONLY_V2_SQL = {
    "postgresql": ["DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event"],
    "sqlite": ["DROP TRIGGER IF EXISTS audit_event_no_replace"],
}


def app_role_grants_sql(app_role: str) -> list[str]:
    """PostgreSQL: let `app_role` (the role the app connects as) use every table, but only read and append
    to audit_event. Run as the tables' owner (a different role); see README "Audit trail"."""
    role = '"' + app_role.replace('"', '""') + '"'
    return [
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        f"REVOKE ALL ON audit_event FROM {role}",
        f"GRANT SELECT, INSERT ON audit_event TO {role}",
    ]


DROP_APPEND_ONLY_SQL = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_event_no_update ON audit_event",
        "DROP FUNCTION IF EXISTS audit_event_append_only()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        "DROP TRIGGER IF EXISTS audit_event_no_delete",
    ],
}


def _install_triggers(target, connection, **kw) -> None:  # noqa: ARG001 - SQLAlchemy event signature
    dialect = connection.dialect.name
    for statement in APPEND_ONLY_SQL.get(dialect, []) + APPEND_ONLY_V2_SQL.get(dialect, []):
        connection.exec_driver_sql(statement)


sa.event.listen(AuditEvent.__table__, "after_create", _install_triggers)
