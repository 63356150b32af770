"""checkin settings: the clinic's red-flag pain threshold and check-in answer window (defaults 7 and 14 days until
an admin saves them; no row is written for existing clinics).

Revision ID: 0150_checkin_settings
Revises: 0140_checkins_outcomes
Create Date: 2026-12-08 02:55:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0150_checkin_settings"
down_revision = "0140_checkins_outcomes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "checkin_settings",
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("red_flag_pain", sa.Integer(), nullable=False),
        sa.Column("open_days", sa.Integer(), nullable=False),
        sa.CheckConstraint("open_days BETWEEN 7 AND 30", name=op.f("ck_checkin_settings_open_days_range")),
        sa.CheckConstraint("red_flag_pain BETWEEN 4 AND 10", name=op.f("ck_checkin_settings_red_flag_pain_range")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_checkin_settings_clinic_id_clinic")),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_checkin_settings")),
    )


def downgrade():
    op.drop_table("checkin_settings")
