"""measured precision: depths, volumes, laser fluence and spot size keep three decimal places (a 0.135 mm spot
was saved as 0.14). Widening the scale keeps every existing value exactly; signed sessions hash Decimals in
normalised form (1.50 and 1.500 both hash as "1.5"), so their signatures still verify.

Revision ID: 0051_measured_precision
Revises: 0050_consent_typed_signature
Create Date: 2026-11-27 09:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0051_measured_precision'
down_revision = '0050_consent_typed_signature'
branch_labels = None
depends_on = None

#: table, column, old type (before this revision)
COLUMNS = [
    ('treatment_session', 'laser_fluence_j_cm2', sa.Numeric(6, 2)),
    ('treatment_session', 'laser_spot_size_mm', sa.Numeric(5, 2)),
    ('session_area', 'needle_depth_mm', sa.Numeric(4, 2)),
    ('injection_site', 'volume_ml', sa.Numeric(5, 2)),
    ('session_product', 'volume_ml', sa.Numeric(5, 2)),
]
NEW = sa.Numeric(7, 3)


def _alter(types: dict[str, tuple]) -> None:
    """On SQLite a type change rebuilds the table (copy, drop, rename); dropping treatment_session while its
    rows are referenced fails with foreign keys on, so they are off for the rebuild and checked after it.
    (The PRAGMA takes effect here: Alembic's SQLite connection is not inside a transaction between batches.)"""
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    for table, column, _old in COLUMNS:
        existing, new = types[(table, column)]
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=existing, type_=new)
    if sqlite:
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        if broken:
            raise RuntimeError(f"foreign keys broken by the table rebuild: {broken[:5]}")


def upgrade():
    _alter({(table, column): (old, NEW) for table, column, old in COLUMNS})


def downgrade():
    # Values recorded with a third decimal are rounded to two places by the narrower column: the loss this
    # revision exists to prevent. Downgrade only to roll back a failed deploy.
    _alter({(table, column): (NEW, old) for table, column, old in COLUMNS})
