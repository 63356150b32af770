"""consent language: consent form versions per language (a version number is one text, each language a row of
it) and the language a signed consent was read and signed in. Existing rows are English.

Revision ID: 0090_consent_language
Revises: 0080_language
Create Date: 2026-12-08 01:40:00

"""

import sqlalchemy as sa
from alembic import op

from clinic.db import sqlite_rebuild

# revision identifiers, used by Alembic.
revision = "0090_consent_language"
down_revision = "0080_language"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite rebuilds consent_form to change its unique key, while signed consents reference it.
    with sqlite_rebuild(op.get_bind()):
        with op.batch_alter_table("consent_form", schema=None) as batch_op:
            batch_op.add_column(sa.Column("language", sa.String(length=8), server_default="en", nullable=False))
            batch_op.drop_constraint("uq_consent_form_version", type_="unique")
            batch_op.create_unique_constraint(
                "uq_consent_form_version", ["clinic_id", "kind", "procedure_id", "version", "language"]
            )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), server_default="en", nullable=False))


def downgrade():
    with sqlite_rebuild(op.get_bind()):
        with op.batch_alter_table("consent", schema=None) as batch_op:
            batch_op.drop_column("language")
        op.execute("DELETE FROM consent_form WHERE language <> 'en' AND id NOT IN (SELECT form_id FROM consent)")
        with op.batch_alter_table("consent_form", schema=None) as batch_op:
            batch_op.drop_constraint("uq_consent_form_version", type_="unique")
            batch_op.create_unique_constraint(
                "uq_consent_form_version", ["clinic_id", "kind", "procedure_id", "version"]
            )
            batch_op.drop_column("language")
