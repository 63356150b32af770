"""procedure prep: pauses before a booked procedure (routine_window follows an appointment), the clinic's
before-a-procedure defaults, and the override reasons of home-product warnings on a routine step

Revision ID: 0110_procedure_prep
Revises: 0080_language
Create Date: 2026-12-08 01:30:00

"""

from alembic import op
import sqlalchemy as sa

from clinic.db import sqlite_rebuild

# revision identifiers, used by Alembic.
revision = "0110_procedure_prep"
down_revision = "0080_language"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prep_pause_days", sa.Integer(), server_default="7", nullable=False))
        batch_op.add_column(
            sa.Column("prep_pause_tags", sa.String(length=200), server_default="retinoid aha bha", nullable=False)
        )
        batch_op.add_column(sa.Column("prep_recent_laser_days", sa.Integer(), server_default="14", nullable=False))
        batch_op.add_column(sa.Column("prep_antiviral_days", sa.Integer(), server_default="2", nullable=False))
    with op.batch_alter_table("routine_step", schema=None) as batch_op:
        batch_op.add_column(sa.Column("safety_overrides", sa.JSON(), nullable=True))
    with op.batch_alter_table("routine_window", schema=None) as batch_op:
        batch_op.add_column(sa.Column("appointment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("procedure_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_routine_window_appointment_id"), ["appointment_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_routine_window_appointment_id_appointment"),
            "appointment",
            ["appointment_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_routine_window_procedure_id_procedure"), "procedure", ["procedure_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("routine_window", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_routine_window_procedure_id_procedure"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_routine_window_appointment_id_appointment"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_routine_window_appointment_id"))
        batch_op.drop_column("procedure_id")
        batch_op.drop_column("appointment_id")
    with op.batch_alter_table("routine_step", schema=None) as batch_op:
        batch_op.drop_column("safety_overrides")
    # SQLite rebuilds clinic to drop the columns, while many tables reference clinic.
    with sqlite_rebuild(op.get_bind()):
        with op.batch_alter_table("clinic", schema=None) as batch_op:
            batch_op.drop_column("prep_antiviral_days")
            batch_op.drop_column("prep_recent_laser_days")
            batch_op.drop_column("prep_pause_tags")
            batch_op.drop_column("prep_pause_days")
