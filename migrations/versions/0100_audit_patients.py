"""audit patients and archive: an audit event names the several patients a page showed in audit_event_patient
rows (one event per request instead of one per patient); audit_archive records each `flask audit archive` run.
The database still refuses UPDATE and TRUNCATE on the audit tables; DELETE of an event (and its patient rows)
is allowed only when an audit_archive row covers it. On PostgreSQL, when CLINIC_DB_APP_ROLE is set, the app's
role may SELECT and INSERT audit_event_patient and only SELECT audit_archive.

Revision ID: 0100_audit_patients
Revises: 0090_consent_language
Create Date: 2026-12-08 01:40:00

"""

import os

import sqlalchemy as sa
from alembic import op

import clinic.db

# revision identifiers, used by Alembic.
revision = "0100_audit_patients"
down_revision = "0090_consent_language"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Copied from clinic/audit/models.py at the time of writing (a migration must not change with the code).
CREATE = {
    "postgresql": [
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
        """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
WHEN NOT EXISTS (SELECT 1 FROM audit_archive a
  WHERE a.last_event_id >= OLD.id
    AND (a.clinic_id = OLD.clinic_id OR (a.clinic_id IS NULL AND OLD.clinic_id IS NULL)))
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
#: Before: one trigger refused UPDATE and DELETE alike (PostgreSQL), or DELETE unconditionally (SQLite).
DROP_BEFORE = {
    "postgresql": ["DROP TRIGGER IF EXISTS audit_event_no_update ON audit_event"],
    "sqlite": ["DROP TRIGGER IF EXISTS audit_event_no_delete"],
}
DROP = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_event_no_update ON audit_event",
        "DROP TRIGGER IF EXISTS audit_event_no_delete ON audit_event",
    ],
    "sqlite": ["DROP TRIGGER IF EXISTS audit_event_no_delete"],
}
RESTORE = {
    "postgresql": [
        """CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
    ],
}


def _grants(role: str) -> list[str]:
    quoted = '"' + role.replace('"', '""') + '"'
    return [
        f"REVOKE ALL ON audit_event_patient FROM {quoted}",
        f"GRANT SELECT, INSERT ON audit_event_patient TO {quoted}",
        f"REVOKE ALL ON audit_archive FROM {quoted}",
        f"GRANT SELECT ON audit_archive TO {quoted}",
    ]


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table(
        "audit_archive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=True),
        sa.Column("archived_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cutoff", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("first_event_id", BigId, nullable=False),
        sa.Column("last_event_id", BigId, nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_audit_archive_clinic_id_clinic")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_archive")),
    )
    op.create_index("ix_audit_archive_chain", "audit_archive", ["clinic_id", "last_event_id"], unique=False)
    op.create_table(
        "audit_event_patient",
        sa.Column("event_id", BigId, nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_event.id"], name=op.f("fk_audit_event_patient_event_id_audit_event")
        ),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_audit_event_patient_patient_id_patient")),
        sa.PrimaryKeyConstraint("event_id", "patient_id", name=op.f("pk_audit_event_patient")),
    )
    op.create_index(op.f("ix_audit_event_patient_patient_id"), "audit_event_patient", ["patient_id"], unique=False)
    for statement in DROP_BEFORE.get(dialect, []) + CREATE.get(dialect, []):
        op.execute(statement)
    app_role = os.environ.get("CLINIC_DB_APP_ROLE")
    if dialect == "postgresql" and app_role:
        for statement in _grants(app_role):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in DROP.get(dialect, []) + RESTORE.get(dialect, []):
        op.execute(statement)
    op.drop_index(op.f("ix_audit_event_patient_patient_id"), table_name="audit_event_patient")
    op.drop_table("audit_event_patient")  # its triggers go with it
    op.drop_index("ix_audit_archive_chain", table_name="audit_archive")
    op.drop_table("audit_archive")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_event_delete_guard()")
        op.execute("DROP FUNCTION IF EXISTS audit_event_patient_delete_guard()")
