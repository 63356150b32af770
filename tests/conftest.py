"""Test fixtures shared by every feature.

The database backend is chosen per run: CLINIC_TEST_DB=sqlite (default) or postgres (URL from
CLINIC_TEST_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres). `make test`
runs the suite once per backend. Every test gets an empty database:
- SQLite: a copy of a template file built once per run (fast, and threads can share it);
- PostgreSQL: one database per run, tables truncated after each test.

The `app` fixture keeps an app context pushed so tests can use `db.session` and the factories directly;
the test client runs every request in a fresh context, so requests never share `g` or a session with the
test (see `IsolatedClient`).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from clinic import create_app
from clinic.extensions import db, limiter

BACKEND = os.environ.get("CLINIC_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("CLINIC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"

pytest_plugins = ["tests.fixtures.mail", "tests.fixtures.users", "tests.fixtures.sms_provider"]


def base_config(database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SERVER_NAME": "clinic.test",
        "CLINIC_BASE_URL": "http://clinic.test",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_BACKEND": "locmem",
    }


def _pg_url(database: str) -> str:
    return sa.make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


def _build_schema(url: str) -> None:
    app = create_app(base_config(url))
    with app.app_context():
        db.create_all()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> Iterator[str]:
    """SQLite: path of a schema-only template file. PostgreSQL: URL of this run's own database."""
    if BACKEND == "postgres":
        name = f"clinic_test_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
        _build_schema(url)
        yield url
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("schema") / "template.db"
        _build_schema(f"sqlite:///{path}")
        yield str(path)


def _truncate_all(app: Flask) -> None:
    """Empty the tables a test wrote to and restart every sequence, as a fresh database would be.

    TRUNCATE of every table costs about two seconds per test on PostgreSQL (a new file for each table and
    index); most tests touch a handful of tables, so those are found with one probe and emptied by DELETE.
    Replica mode skips triggers (the audit table's append-only guard, foreign keys) for this cleanup only.
    """
    names = [t.name for t in db.metadata.sorted_tables]
    probe = " UNION ALL ".join(f"(SELECT '{name}' FROM \"{name}\" LIMIT 1)" for name in names)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for (name,) in conn.exec_driver_sql(probe).all():
            conn.exec_driver_sql(f'DELETE FROM "{name}"')
        conn.exec_driver_sql(
            "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
        )


@pytest.fixture
def database_url(database_template: str, tmp_path: Path, tmp_path_factory) -> str:
    """The test's empty database.

    SQLite: a fresh copy of the template for each test, reached through one symbolic link whose path stays
    the same for the whole run, so the app (whose configuration names that path) can be shared between
    tests; a connection the last test left open keeps its own file.
    """
    if BACKEND == "postgres":
        return database_template
    target = tmp_path / "clinic.db"
    shutil.copyfile(database_template, target)
    link = tmp_path_factory.getbasetemp() / "clinic.db"
    staged = link.with_name(f"clinic.db.{uuid.uuid4().hex}")
    staged.symlink_to(target)
    staged.replace(link)
    return f"sqlite:///{link}"


@pytest.fixture
def app_config(database_url: str) -> dict:
    """Override in a test module (or update in a test) to change the app's configuration."""
    return base_config(database_url)


class _AppCache:
    """Apps by configuration, reused between tests.

    Building the app costs about half a second (mostly compiling some 170 URL rules); most tests use the same
    configuration. Before each reuse the app is put back as it was built: its configuration, rate-limit
    counters and local mail outbox. An app that a test changed in ways that cannot be put back (a route
    added) is dropped.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self.apps: dict[str, tuple[Flask, dict, int]] = {}

    def get(self, config: dict) -> Flask:
        key = json.dumps(config, sort_keys=True, default=repr)
        if key in self.apps:
            app, pristine, _ = self.apps.pop(key)
            app.config.clear()
            app.config.update(copy.deepcopy(pristine))
            app._got_first_request = False
            limiter.reset()
            app.extensions["mailman"].__dict__.pop("outbox", None)
        else:
            app = create_app(config)
            app.test_client_class = IsolatedClient
            pristine = copy.deepcopy(dict(app.config))
        self.apps[key] = (app, pristine, len(app.url_map._rules))  # newest last
        while len(self.apps) > self.size:
            self.apps.pop(next(iter(self.apps)))
        return app

    def release(self, config: dict, app: Flask) -> None:
        key = json.dumps(config, sort_keys=True, default=repr)
        entry = self.apps.get(key)
        if entry is not None and len(app.url_map._rules) != entry[2]:
            del self.apps[key]


_apps = _AppCache()


@pytest.fixture
def app(app_config: dict) -> Iterator[Flask]:
    app = _apps.get(app_config)
    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        db.session.remove()
        if BACKEND == "postgres":
            _truncate_all(app)
        db.engine.dispose()
        ctx.pop()
        _apps.release(app_config, app)


class IsolatedClient(FlaskClient):
    """A test client whose requests never see the test's app context, like a real server.

    Without this, a request would reuse the test's context: Flask-Login's cached user in `g` and the
    test's SQLAlchemy session would leak from one request into the next.

    `post(..., data=...)` adds a valid CSRF token unless `csrf=False` is passed.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)

    def csrf_token(self) -> str:
        raw = uuid.uuid4().hex
        with contextvars.Context().run(self.session_transaction) as session:
            session.setdefault("csrf_token", raw)
            raw = session["csrf_token"]
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post(self, *args, csrf: bool = True, **kwargs):
        data = kwargs.get("data")
        if csrf and isinstance(data, dict) and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> IsolatedClient:
    return app.test_client()


@pytest.fixture
def count_queries(app: Flask):
    """`with count_queries() as q: ...`: `q` lists the SQL statements run on the app's engine meanwhile
    (`len(q)` or `q.count`). Query counts are deterministic, so pages may assert them; timings may not."""

    @contextlib.contextmanager
    def _count() -> Iterator[QueryLog]:
        log = QueryLog()

        def listener(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001
            log.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            yield log
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)

    return _count


class QueryLog(list):
    @property
    def count(self) -> int:
        return len(self)

    @property
    def statements(self) -> list[str]:
        return self


def pytest_report_header(config) -> str:
    return f"clinic test database backend: {BACKEND}"
