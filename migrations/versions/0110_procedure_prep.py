"""procedure prep: pauses before a booked procedure (routine_window follows an appointment and names its
procedure), the clinic's before-a-procedure settings (prep_settings), and the reasons staff gave to keep a home
step despite a home-product warning (routine_step_override)

Revision ID: 0110_procedure_prep
Revises: 0100_audit_patients
Create Date: 2026-12-08 01:30:00

"""

from alembic import op
import sqlalchemy as sa

import clinic.db

# revision identifiers, used by Alembic.
revision = "0110_procedure_prep"
down_revision = "0100_audit_patients"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "prep_settings",
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("pause_days", sa.Integer(), nullable=False),
        sa.Column("pause_tags", sa.String(length=200), nullable=False),
        sa.Column("recent_laser_days", sa.Integer(), nullable=False),
        sa.Column("antiviral_days", sa.Integer(), nullable=False),
        sa.Column("created_at", clinic.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", clinic.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("antiviral_days >= 0", name=op.f("ck_prep_settings_antiviral_days_not_negative")),
        sa.CheckConstraint("pause_days >= 0", name=op.f("ck_prep_settings_pause_days_not_negative")),
        sa.CheckConstraint("recent_laser_days >= 0", name=op.f("ck_prep_settings_laser_days_not_negative")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_prep_settings_clinic_id_clinic")),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_prep_settings")),
    )
    op.create_table(
        "routine_step_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", clinic.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["user.id"], name=op.f("fk_routine_step_override_by_id_user")),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["routine_step.id"],
            name=op.f("fk_routine_step_override_step_id_routine_step"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routine_step_override")),
        sa.UniqueConstraint("step_id", "code", name="uq_routine_step_override_step_code"),
    )
    with op.batch_alter_table("routine_step_override", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routine_step_override_step_id"), ["step_id"], unique=False)
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
    with op.batch_alter_table("routine_step_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routine_step_override_step_id"))
    op.drop_table("routine_step_override")
    op.drop_table("prep_settings")
