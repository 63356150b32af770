"""consent typed signature: a consent records how it was signed (drawn, or the typed name agreed as the
signature). Existing consents were all drawn on the signature pad, so they get 'drawn'; the PNG becomes
optional, but only for typed signatures (a check constraint says so).

Revision ID: 0050_consent_typed_signature
Revises: 0007_scheduling_followups
Create Date: 2026-11-27 09:30:00

"""

import sqlalchemy as sa
from alembic import op

from clinic.db import sqlite_rebuild

# revision identifiers, used by Alembic.
revision = "0050_consent_typed_signature"
down_revision = "0041_one_routine_per_patient"
branch_labels = None
depends_on = None


def upgrade():
    with sqlite_rebuild(op.get_bind()), op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signature_method", sa.String(length=10), server_default="drawn", nullable=False))
        batch_op.alter_column("signature_png", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.create_check_constraint(op.f("ck_consent_signature_method"), "signature_method IN ('drawn', 'typed')")
        batch_op.create_check_constraint(
            op.f("ck_consent_drawn_has_png"), "signature_method = 'typed' OR signature_png IS NOT NULL"
        )


def downgrade():
    # A typed-name consent has no image to restore; downgrading past this revision would lose how it was
    # signed, so it is refused while any exists rather than silently inventing a drawn signature.
    bind = op.get_bind()
    typed = bind.execute(sa.text("SELECT count(*) FROM consent WHERE signature_method = 'typed'")).scalar()
    if typed:
        raise RuntimeError(f"{typed} consent(s) were signed with a typed name; cannot downgrade below 0050")
    with sqlite_rebuild(op.get_bind()), op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_consent_drawn_has_png"), type_="check")
        batch_op.drop_constraint(op.f("ck_consent_signature_method"), type_="check")
        batch_op.alter_column("signature_png", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("signature_method")
