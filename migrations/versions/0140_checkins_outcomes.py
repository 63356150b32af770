"""checkins and outcomes: aftercare check-in answers (one per procedure and day), urgent problem reports (red-flag
check-ins), and photos staff share with the patient.

Revision ID: 0140_checkins_outcomes
Revises: 0120_lot_safety
Create Date: 2026-12-08 01:29:04.329765

"""

from alembic import op
import sqlalchemy as sa

import clinic.db
from clinic.db import sqlite_rebuild


# revision identifiers, used by Alembic.
revision = "0140_checkins_outcomes"
down_revision = "0120_lot_safety"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "aftercare_checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("aftercare_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("redness", sa.Integer(), nullable=False),
        sa.Column("swelling", sa.Integer(), nullable=False),
        sa.Column("pain", sa.Integer(), nullable=False),
        sa.Column("itch", sa.Integer(), nullable=False),
        sa.Column("fever", sa.Boolean(), nullable=False),
        sa.Column("pus", sa.Boolean(), nullable=False),
        sa.Column("spreading_redness", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("red_flags", sa.String(length=80), nullable=False),
        sa.Column("problem_report_id", sa.Integer(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=False),
        sa.Column("answered_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("day IN (1, 3, 7)", name=op.f("ck_aftercare_checkin_day")),
        sa.CheckConstraint("itch BETWEEN 0 AND 10", name=op.f("ck_aftercare_checkin_itch_range")),
        sa.CheckConstraint("pain BETWEEN 0 AND 10", name=op.f("ck_aftercare_checkin_pain_range")),
        sa.CheckConstraint("redness BETWEEN 0 AND 10", name=op.f("ck_aftercare_checkin_redness_range")),
        sa.CheckConstraint("swelling BETWEEN 0 AND 10", name=op.f("ck_aftercare_checkin_swelling_range")),
        sa.ForeignKeyConstraint(
            ["aftercare_id"], ["aftercare_record.id"], name=op.f("fk_aftercare_checkin_aftercare_id_aftercare_record")
        ),
        sa.ForeignKeyConstraint(["answered_by_id"], ["user.id"], name=op.f("fk_aftercare_checkin_answered_by_id_user")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_aftercare_checkin_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_aftercare_checkin_patient_id_patient")),
        sa.ForeignKeyConstraint(["photo_id"], ["photo.id"], name=op.f("fk_aftercare_checkin_photo_id_photo")),
        sa.ForeignKeyConstraint(
            ["problem_report_id"],
            ["problem_report.id"],
            name=op.f("fk_aftercare_checkin_problem_report_id_problem_report"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftercare_checkin")),
        sa.UniqueConstraint("aftercare_id", "day", name="uq_aftercare_checkin_day"),
    )
    with op.batch_alter_table("aftercare_checkin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aftercare_checkin_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_aftercare_checkin_patient_id"), ["patient_id"], unique=False)

    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shared_with_patient", sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table("problem_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("aftercare_checkin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aftercare_checkin_patient_id"))
        batch_op.drop_index(batch_op.f("ix_aftercare_checkin_clinic_id"))
    op.drop_table("aftercare_checkin")
    # SQLite rebuilds both tables to drop a column, while other tables reference them.
    with sqlite_rebuild(op.get_bind()):
        with op.batch_alter_table("problem_report", schema=None) as batch_op:
            batch_op.drop_column("urgent")
        with op.batch_alter_table("photo", schema=None) as batch_op:
            batch_op.drop_column("shared_with_patient")
