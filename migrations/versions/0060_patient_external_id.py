"""patient external id and import uploads: the patient's id in the system a clinic moves from, so an import
can be run again and update (not duplicate) the patients it created (unique within a clinic; NULL for patients
created here); and the files admins uploaded for a dry run, kept until they confirm the import.

Revision ID: 0060_patient_external_id
Revises: 0053_session_areas
Create Date: 2026-12-07 22:10:00

"""

import sqlalchemy as sa
from alembic import op

import clinic.db
from clinic.db import sqlite_rebuild

# revision identifiers, used by Alembic.
revision = "0060_patient_external_id"
down_revision = "0053_session_areas"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_patient_clinic_external_id", ["clinic_id", "external_id"], unique=True)
    op.create_table(
        "import_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('patients', 'appointments')", name=op.f("ck_import_upload_kind")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_import_upload_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_import_upload_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_upload")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_import_upload_token_hash")),
    )
    with op.batch_alter_table("import_upload", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_upload_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("import_upload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_upload_user_id"))
    op.drop_table("import_upload")
    # SQLite rebuilds patient to drop the column, while many tables reference patient.
    with sqlite_rebuild(op.get_bind()):
        with op.batch_alter_table("patient", schema=None) as batch_op:
            batch_op.drop_index("ix_patient_clinic_external_id")
            batch_op.drop_column("external_id")
