"""patient language: the language of a patient's portal pages, e-mails and texts ('en', 'es'); NULL follows
the browser's Accept-Language, then the clinic default.

Revision ID: 0080_language
Revises: 0070_api_tokens
Create Date: 2026-12-07 23:10:00

"""

import sqlalchemy as sa
from alembic import op

from clinic.db import sqlite_rebuild

# revision identifiers, used by Alembic.
revision = "0080_language"
down_revision = "0070_api_tokens"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    # SQLite rebuilds patient to drop the column, while many tables reference patient.
    with sqlite_rebuild(op.get_bind()):
        with op.batch_alter_table("patient", schema=None) as batch_op:
            batch_op.drop_column("language")
