"""audit chain: each audit event carries a hash over its content and the previous event's hash (a chain per
clinic); TRUNCATE (PostgreSQL) and INSERT over an existing id (SQLite) are refused like UPDATE and DELETE.
Existing events are sealed in id order. On PostgreSQL, when CLINIC_DB_APP_ROLE names the role the app
connects as (a role other than the one running this migration, which owns the tables), that role may only
SELECT and INSERT audit events.

Revision ID: 0010_audit_chain
Revises: 0007_scheduling_followups
Create Date: 2026-11-27 09:40:00

"""

import os

import sqlalchemy as sa
from alembic import op

from clinic.audit.chain import CHAIN_FIELDS, link_hash

# revision identifiers, used by Alembic.
revision = "0010_audit_chain"
down_revision = "0007_scheduling_followups"
branch_labels = None
depends_on = None

# Copied from clinic/audit/models.py at the time of writing (a migration must not change with the code).
NO_TRUNCATE_OR_REPLACE = {
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
DROP_NO_TRUNCATE_OR_REPLACE = {
    "postgresql": ["DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event"],
    "sqlite": ["DROP TRIGGER IF EXISTS audit_event_no_replace"],
}
UPDATE_TRIGGER = {
    "postgresql": (
        "DROP TRIGGER IF EXISTS audit_event_no_update ON audit_event",
        """CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    ),
    "sqlite": (
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
    ),
}


def _grants(role: str) -> list[str]:
    quoted = '"' + role.replace('"', '""') + '"'
    return [
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
        f"REVOKE ALL ON audit_event FROM {quoted}",
        f"GRANT SELECT, INSERT ON audit_event TO {quoted}",
    ]


def _seal_existing(bind) -> None:
    """Seal the events written before the chain existed, in id order, one chain per clinic."""
    table = sa.table(
        "audit_event",
        sa.column("id"),
        sa.column("prev_hash"),
        sa.column("hash"),
        *(sa.column(name) for name in CHAIN_FIELDS),
    )
    heads = {}
    rows = bind.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    for row in rows:
        fields = dict(row)
        if isinstance(fields["occurred_at"], str):  # SQLite returns the stored text through a bare table()
            fields["occurred_at"] = sa.DateTime().result_processor(bind.dialect, None)(fields["occurred_at"])
        prev = heads.get(row["clinic_id"])
        heads[row["clinic_id"]] = link_hash(prev, fields)
        bind.execute(table.update().where(table.c.id == row["id"]).values(prev_hash=prev, hash=heads[row["clinic_id"]]))


def upgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_audit_event_chain", ["clinic_id", "id"], unique=False)
    drop_update, create_update = UPDATE_TRIGGER.get(dialect, (None, None))
    if drop_update:
        op.execute(drop_update)  # sealing writes the two new columns once
    _seal_existing(bind)
    if create_update:
        op.execute(create_update)
    for statement in NO_TRUNCATE_OR_REPLACE.get(dialect, []):
        op.execute(statement)
    app_role = os.environ.get("CLINIC_DB_APP_ROLE")
    if dialect == "postgresql" and app_role:
        for statement in _grants(app_role):
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name
    for statement in DROP_NO_TRUNCATE_OR_REPLACE.get(dialect, []):
        op.execute(statement)
    drop_update, create_update = UPDATE_TRIGGER.get(dialect, (None, None))
    if drop_update:
        op.execute(drop_update)
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_chain")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    if create_update:
        op.execute(create_update)
    if dialect == "sqlite":  # a batch table rebuild drops every trigger: put back 0001's delete trigger
        op.execute("""CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""")
