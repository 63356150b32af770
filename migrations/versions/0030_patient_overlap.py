"""patient overlap: on PostgreSQL an exclusion constraint refuses two active appointments of one patient
at overlapping times (from start to end; the buffer after is the room's cleanup). On SQLite there is no
such constraint: the booking service checks under the write lock (`scheduling.locking`), so nothing changes.

Existing overlaps would make the constraint fail to build; the upgrade then stops and lists them, so the
clinic cancels or moves one of each pair (a person decides which) and runs the upgrade again.

Revision ID: 0030_patient_overlap
Revises: 0007_scheduling_followups
Create Date: 2026-11-27 09:40:00

"""

import sqlalchemy as sa
from alembic import op

# Written out, not imported: a migration must not change when the models do.
ADD_SQL = """ALTER TABLE appointment ADD CONSTRAINT ex_appointment_patient_overlap
EXCLUDE USING gist (patient_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status IN ('booked', 'checked_in', 'completed'))"""
DROP_SQL = "ALTER TABLE appointment DROP CONSTRAINT IF EXISTS ex_appointment_patient_overlap"
OVERLAPS_SQL = """SELECT a.id, b.id, a.patient_id FROM appointment a JOIN appointment b
ON a.patient_id = b.patient_id AND a.id < b.id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
WHERE a.status IN ('booked', 'checked_in', 'completed') AND b.status IN ('booked', 'checked_in', 'completed')
ORDER BY a.id, b.id"""

# revision identifiers, used by Alembic.
revision = "0030_patient_overlap"
down_revision = "0020_reminder_channels"
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    overlaps = connection.execute(sa.text(OVERLAPS_SQL)).all()
    if overlaps:
        pairs = ", ".join(f"{a} and {b} (patient {p})" for a, b, p in overlaps[:50])
        raise RuntimeError(
            "Some patients are booked twice at the same time; cancel or move one appointment of each pair, "
            f"then run the upgrade again. Overlapping appointments: {pairs}"
        )
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(ADD_SQL)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_SQL)
