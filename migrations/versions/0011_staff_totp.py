"""staff two-factor login: TOTP secret, enabled time and last used step per user; hashed single-use
recovery codes; the clinic's list of roles that must use a second factor (dermatologists and admins).

Revision ID: 0011_staff_totp
Revises: 0010_audit_chain
Create Date: 2026-11-27 10:05:00

"""

import sqlalchemy as sa
from alembic import op

import clinic.db
from clinic.db import sqlite_rebuild

# revision identifiers, used by Alembic.
revision = "0011_staff_totp"
down_revision = "0010_audit_chain"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", clinic.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_recovery_code_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
    )
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_code_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled_at", clinic.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "totp_required_roles", sa.String(length=100), server_default="dermatologist,admin", nullable=False
            )
        )


def downgrade():
    # SQLite rebuilds clinic and user to drop columns, while patients, users and audit events reference them.
    with sqlite_rebuild(op.get_bind()):
        with op.batch_alter_table("clinic", schema=None) as batch_op:
            batch_op.drop_column("totp_required_roles")
        with op.batch_alter_table("user", schema=None) as batch_op:
            batch_op.drop_column("totp_last_step")
            batch_op.drop_column("totp_enabled_at")
            batch_op.drop_column("totp_secret")
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_code_user_id"))
    op.drop_table("recovery_code")
