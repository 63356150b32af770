"""Double booking refused by PostgreSQL itself: exclusion constraints (btree_gist) per provider, per room and
per patient over the active appointments' time ranges. SQLite has none; the booking takes its write lock
(scheduling/locking.py) before the same checks in the service."""

from __future__ import annotations

_ACTIVE_SQL = "status IN ('booked', 'checked_in', 'completed')"

#: A patient cannot be in two rooms at once: held from start to end (the buffer is the room's cleanup).
PATIENT_EXCLUSION_SQL = f"""ALTER TABLE appointment ADD CONSTRAINT ex_appointment_patient_overlap
EXCLUDE USING gist (patient_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE ({_ACTIVE_SQL})"""
EXCLUSION_SQL = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE appointment ADD CONSTRAINT ex_appointment_provider_overlap
EXCLUDE USING gist (provider_id WITH =, tstzrange(starts_at, blocks_until) WITH &&) WHERE ({_ACTIVE_SQL})""",
    f"""ALTER TABLE appointment ADD CONSTRAINT ex_appointment_room_overlap
EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, blocks_until) WITH &&) WHERE ({_ACTIVE_SQL})""",
    PATIENT_EXCLUSION_SQL,
]
DROP_EXCLUSION_SQL = [
    "ALTER TABLE appointment DROP CONSTRAINT IF EXISTS ex_appointment_provider_overlap",
    "ALTER TABLE appointment DROP CONSTRAINT IF EXISTS ex_appointment_room_overlap",
    "ALTER TABLE appointment DROP CONSTRAINT IF EXISTS ex_appointment_patient_overlap",
]


def install_exclusions(target, connection, **kw) -> None:  # noqa: ARG001 - SQLAlchemy event signature
    if connection.dialect.name == "postgresql":
        for statement in EXCLUSION_SQL:
            connection.exec_driver_sql(statement)
