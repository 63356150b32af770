"""patient external id: the patient's id in the system a clinic moves from, so an import can be run again and
update (not duplicate) the patients it created. Unique within a clinic; NULL for patients created here.

Revision ID: 0060_patient_external_id
Revises: 0053_session_areas
Create Date: 2026-12-07 22:10:00

"""

from alembic import op
import sqlalchemy as sa

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


def downgrade():
    # SQLite rebuilds patient to drop the column, while many tables reference patient.
    with sqlite_rebuild(op.get_bind()):
        with op.batch_alter_table("patient", schema=None) as batch_op:
            batch_op.drop_index("ix_patient_clinic_external_id")
            batch_op.drop_column("external_id")
