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
