"""api tokens: personal tokens for the JSON API (/api/v1), stored as a SHA-256 hash with name, scope and expiry.

Revision ID: 0070_api_tokens
Revises: 0060_patient_external_id
Create Date: 2026-12-07 22:10:00

"""

import sqlalchemy as sa
from alembic import op

import clinic.db

# revision identifiers, used by Alembic.
revision = "0070_api_tokens"
down_revision = "0060_patient_external_id"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("created_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", clinic.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", clinic.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("scope IN ('read', 'read-write')", name=op.f("ck_api_token_scope")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_api_token_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_api_token_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_clinic_id"), ["clinic_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))
        batch_op.drop_index(batch_op.f("ix_api_token_clinic_id"))
    op.drop_table("api_token")
