"""Data migrations of issue 14 on existing rows, on the current backend: 0031 gives existing rooms every
capability and existing types the one their procedure needs; 0030 refuses to build the patient constraint
over existing overlaps (PostgreSQL) and says which appointments clash."""

from __future__ import annotations

import json

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic import command

from clinic.extensions import db
from tests.conftest import BACKEND
from tests.test_migrations import empty_database_url, migration_app  # noqa: F401 - fixtures

NOW = "2026-11-27 09:00:00+00:00"


def _insert(connection, table: str, **values) -> int:
    columns = ", ".join(values)
    params = ", ".join(f":{k}" for k in values)
    statement = sa.text(f"INSERT INTO {table} ({columns}) VALUES ({params}) RETURNING id")
    return connection.execute(statement, values).scalar()


def _clinic_with_types(connection) -> int:
    clinic_id = _insert(
        connection,
        "clinic",
        name="Old",
        timezone="UTC",
        idle_timeout_minutes=30,
        absolute_session_hours=12,
        created_at=NOW,
        updated_at=NOW,
    )
    for code, kind in (("laser_exosome", "laser"), ("scalp_exosome_injection", "scalp_injection")):
        procedure_id = _insert(
            connection,
            "procedure",
            clinic_id=clinic_id,
            code=code,
            name=code,
            kind=kind,
            duration_minutes=60,
            requires_consent=True,
            active=True,
            created_at=NOW,
            updated_at=NOW,
        )
        _insert(
            connection,
            "appointment_type",
            clinic_id=clinic_id,
            procedure_id=procedure_id,
            name=code,
            duration_minutes=60,
            performer_role="dermatologist",
            buffer_minutes=0,
            active=True,
        )
    _insert(connection, "room", clinic_id=clinic_id, name="Treatment room 1", active=True)
    return clinic_id


def test_room_capabilities_backfill(migration_app):  # noqa: F811
    flask_migrate.upgrade(revision="0030_patient_overlap")
    with db.engine.begin() as connection:
        _clinic_with_types(connection)
    flask_migrate.upgrade()
    with db.engine.connect() as connection:
        needs = dict(connection.execute(sa.text("SELECT name, required_capability FROM appointment_type")).all())
        (capabilities,) = connection.execute(sa.text("SELECT capabilities FROM room")).one()
    assert needs == {"laser_exosome": "laser", "scalp_exosome_injection": "injections"}
    capabilities = capabilities if isinstance(capabilities, list) else json.loads(capabilities)
    assert sorted(capabilities) == ["injections", "laser", "microneedling"]
    flask_migrate.downgrade(revision="0030_patient_overlap")  # and back down with data in place


@pytest.mark.skipif(BACKEND != "postgres", reason="the constraint exists on PostgreSQL only")
def test_patient_constraint_refuses_existing_overlaps(migration_app):  # noqa: F811
    flask_migrate.upgrade(revision="0007_scheduling_followups")
    with db.engine.begin() as connection:
        clinic_id = _clinic_with_types(connection)
        room_id = connection.execute(sa.text("SELECT id FROM room")).scalar()
        room2 = _insert(connection, "room", clinic_id=clinic_id, name="Treatment room 2", active=True)
        type_id = connection.execute(sa.text("SELECT id FROM appointment_type LIMIT 1")).scalar()
        patient_id = _insert(
            connection,
            "patient",
            clinic_id=clinic_id,
            record_number="P0000001",
            first_name="A",
            last_name="B",
            date_of_birth="1980-01-01",
            sex="unknown",
            version=1,
            timezone="UTC",
            created_at=NOW,
            updated_at=NOW,
        )
        users = [
            _insert(
                connection,
                '"user"',
                clinic_id=clinic_id,
                email=f"d{i}@x.test",
                full_name=f"D{i}",
                role="dermatologist",
                active=True,
                password_hash="x",
                created_at=NOW,
                updated_at=NOW,
            )
            for i in range(2)
        ]
        for user_id, room, start in ((users[0], room_id, "09:00"), (users[1], room2, "09:30")):
            _insert(
                connection,
                "appointment",
                clinic_id=clinic_id,
                patient_id=patient_id,
                provider_id=user_id,
                room_id=room,
                appointment_type_id=type_id,
                starts_at=f"2026-12-07 {start}:00+00",
                ends_at=f"2026-12-07 {start[:2]}:59:00+00",
                blocks_until=f"2026-12-07 {start[:2]}:59:00+00",
                local_date="2026-12-07",
                status="booked",
                overdue=False,
                booked_via="staff",
                reschedule_count=0,
                version=1,
                created_at=NOW,
                updated_at=NOW,
            )
    config = migration_app.extensions["migrate"].migrate.get_config()
    with pytest.raises(RuntimeError, match=r"Overlapping appointments: 1 and 2 \(patient"):
        command.upgrade(config, "0030_patient_overlap")  # alembic itself: flask_migrate turns errors into exit(1)
