"""Models and migrations agree, and upgrade → downgrade base → upgrade runs, on the current backend."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from clinic import create_app
from clinic.extensions import db
from tests.conftest import BACKEND, PG_ADMIN_URL, _pg_url, base_config


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    if BACKEND != "postgres":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"clinic_mig_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def migration_app(empty_database_url):
    app = create_app(base_config(empty_database_url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    # Alembic's env.py applies logging.fileConfig, which disables every logger that already exists.
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.disabled = False


def _diffs() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _tables() -> set[str]:
    with db.engine.connect() as connection:
        return set(sa.inspect(connection).get_table_names()) - {"alembic_version"}


def _audit_is_append_only() -> bool:
    with db.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO audit_event (occurred_at, action, outcome) "
            "VALUES (CURRENT_TIMESTAMP, 'test.migration', 'success')"
        )
    try:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM audit_event")
    except sa.exc.DatabaseError:
        return True
    return False


def test_upgrade_matches_models_then_downgrade_and_upgrade_again(migration_app):
    flask_migrate.upgrade()
    assert _tables() == set(db.metadata.tables)
    assert _diffs() == []
    assert _audit_is_append_only()

    flask_migrate.downgrade(revision="base")
    assert _tables() == set()

    flask_migrate.upgrade()
    assert _tables() == set(db.metadata.tables)
    assert _diffs() == []
    assert _audit_is_append_only()


def test_0020_moves_reminder_and_appointment_preferences_into_channel_rows(migration_app):
    """Existing choices survive the merge: times, quiet hours, opt-outs and the appointment opt-in."""
    flask_migrate.upgrade(revision="0007_scheduling_followups")
    with db.engine.begin() as c:
        c.exec_driver_sql(
            "INSERT INTO clinic (name, timezone, idle_timeout_minutes, absolute_session_hours, "
            "created_at, updated_at) VALUES ('C', 'UTC', 30, 12, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
        clinic_id = c.exec_driver_sql("SELECT id FROM clinic").scalar_one()
        for n in range(3):
            c.execute(
                sa.text(
                    "INSERT INTO patient (clinic_id, record_number, first_name, last_name, date_of_birth, sex, "
                    "timezone, version, created_at, updated_at) "
                    "VALUES (:c, :r, 'Pat', 'Ient', '1985-05-17', 'female', 'UTC', 1, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"c": clinic_id, "r": f"PMIG{n}"},
            )
        ids = [r[0] for r in c.exec_driver_sql("SELECT id FROM patient ORDER BY id")]
        for pid, opted_out, email_enabled in zip(ids, (False, True, False), (True, True, False), strict=True):
            c.execute(
                sa.text(
                    "INSERT INTO reminder_preference (patient_id, am_minute, pm_minute, quiet_start, quiet_end, "
                    "email_enabled, opted_out, created_at, updated_at) VALUES (:p, 420, 1290, 1320, 360, :e, :o, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"p": pid, "e": email_enabled, "o": opted_out},
            )
        c.execute(
            sa.text("INSERT INTO appointment_preference (patient_id, email_reminders) VALUES (:p, :w)"),
            [{"p": ids[0], "w": True}, {"p": ids[1], "w": False}],
        )
    flask_migrate.upgrade(revision="0020_reminder_channels")
    with db.engine.connect() as c:
        prefs = c.exec_driver_sql(
            "SELECT patient_id, channel, enabled, am_minute, pm_minute, quiet_start, "
            "quiet_end FROM reminder_channel_preference ORDER BY patient_id"
        ).all()
        opt_ins = set(c.exec_driver_sql("SELECT patient_id, channel, topic, wanted FROM reminder_opt_in").all())
    assert [tuple(r) for r in prefs] == [(pid, "email", True, 420, 1290, 1320, 360) for pid in ids]
    assert opt_ins == {
        (ids[0], "email", "appointment", True),
        (ids[1], "email", "appointment", False),
        (ids[1], "email", "routine", False),
        (ids[1], "email", "aftercare", False),
        (ids[2], "email", "routine", False),
        (ids[2], "email", "aftercare", False),
    }
    flask_migrate.downgrade(revision="0007_scheduling_followups")
    with db.engine.connect() as c:
        back = c.exec_driver_sql(
            "SELECT patient_id, am_minute, opted_out FROM reminder_preference ORDER BY patient_id"
        ).all()
        appointment = dict(c.exec_driver_sql("SELECT patient_id, email_reminders FROM appointment_preference").all())
    assert [(r[0], r[1], bool(r[2])) for r in back] == [(ids[0], 420, False), (ids[1], 420, True), (ids[2], 420, True)]
    assert {k: bool(v) for k, v in appointment.items()} == {ids[0]: True, ids[1]: False}
