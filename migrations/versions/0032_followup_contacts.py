"""follow-up contacts: staff record each attempt to reach a patient from the follow-up queue (outcome,
date, optional note) and may hide the patient from the queue until a date.

Revision ID: 0032_followup_contacts
Revises: 0031_room_capabilities
Create Date: 2026-11-27 10:00:00

"""

import sqlalchemy as sa
from alembic import op

import clinic.db

# revision identifiers, used by Alembic.
revision = "0032_followup_contacts"
down_revision = "0031_room_capabilities"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "followup_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column("hide_until", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('no_answer', 'left_message', 'will_book', 'declined')",
            name=op.f("ck_followup_contact_outcome"),
        ),
        sa.CheckConstraint(
            "hide_until IS NULL OR hide_until > contacted_on", name=op.f("ck_followup_contact_hide_after_contact")
        ),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_followup_contact_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_followup_contact_created_by_id_user")),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_followup_contact_patient_id_patient")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_contact")),
    )
    with op.batch_alter_table("followup_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followup_contact_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_followup_contact_patient_id"), ["patient_id"], unique=False)


def downgrade():
    with op.batch_alter_table("followup_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_contact_patient_id"))
        batch_op.drop_index(batch_op.f("ix_followup_contact_clinic_id"))

    op.drop_table("followup_contact")
