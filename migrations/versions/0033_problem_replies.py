"""problem replies: the thread under a patient's problem report (staff answers and the patient's follow-ups).

Revision ID: 0033_problem_replies
Revises: 0032_followup_contacts
Create Date: 2026-11-27 10:10:00

"""

import sqlalchemy as sa
from alembic import op

import clinic.db

# revision identifiers, used by Alembic.
revision = "0033_problem_replies"
down_revision = "0032_followup_contacts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "problem_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("from_patient", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], name=op.f("fk_problem_reply_author_id_user")),
        sa.ForeignKeyConstraint(
            ["report_id"], ["problem_report.id"], name=op.f("fk_problem_reply_report_id_problem_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem_reply")),
    )
    with op.batch_alter_table("problem_reply", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_problem_reply_report_id"), ["report_id"], unique=False)


def downgrade():
    with op.batch_alter_table("problem_reply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_problem_reply_report_id"))

    op.drop_table("problem_reply")
