"""measured precision: depths, volumes, laser fluence and spot size keep three decimal places (a 0.135 mm spot
was saved as 0.14). Widening the scale keeps every existing value exactly; signed sessions hash Decimals in
normalised form (1.50 and 1.500 both hash as "1.5"), so their signatures still verify.

Revision ID: 0051_measured_precision
Revises: 0050_consent_typed_signature
Create Date: 2026-11-27 09:45:00

"""

import sqlalchemy as sa
from alembic import op

from clinic.db import sqlite_rebuild

# revision identifiers, used by Alembic.
revision = "0051_measured_precision"
down_revision = "0050_consent_typed_signature"
branch_labels = None
depends_on = None

#: table, column, old type (before this revision)
COLUMNS = [
    ("treatment_session", "laser_fluence_j_cm2", sa.Numeric(6, 2)),
    ("treatment_session", "laser_spot_size_mm", sa.Numeric(5, 2)),
    ("session_area", "needle_depth_mm", sa.Numeric(4, 2)),
    ("injection_site", "volume_ml", sa.Numeric(5, 2)),
    ("session_product", "volume_ml", sa.Numeric(5, 2)),
]
NEW = sa.Numeric(7, 3)


def _alter(types: dict[str, tuple]) -> None:
    """On SQLite a type change rebuilds the table (see clinic.db.sqlite_rebuild)."""
    with sqlite_rebuild(op.get_bind()):
        for table, column, _old in COLUMNS:
            existing, new = types[(table, column)]
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.alter_column(column, existing_type=existing, type_=new)


def upgrade():
    _alter({(table, column): (old, NEW) for table, column, old in COLUMNS})


def downgrade():
    # Values recorded with a third decimal are rounded to two places by the narrower column: the loss this
    # revision exists to prevent. Downgrade only to roll back a failed deploy.
    _alter({(table, column): (NEW, old) for table, column, old in COLUMNS})
