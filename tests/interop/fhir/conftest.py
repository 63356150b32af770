"""A world for the FHIR tests: the demo clinic, enriched (see world.py), with photos in a temporary folder.

Seeding the demo takes seconds, so on SQLite it is built once per run into a template file that each test
copies (like the schema template in tests/conftest.py); on PostgreSQL, whose tables are emptied after each
test, every test builds it again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clinic import create_app
from clinic.auth.models import User
from clinic.extensions import db
from tests.conftest import BACKEND, base_config
from tests.fixtures.users import login
from tests.interop.fhir.world import build_world


def _as_ids(world: dict) -> dict:
    return {k: (v[0].id, v[1]) if isinstance(v, tuple) else v for k, v in world.items()}


def _from_ids(ids: dict) -> dict:
    return {k: (db.session.get(User, v[0]), v[1]) if isinstance(v, tuple) else v for k, v in ids.items()}


@pytest.fixture(scope="session")
def world_template(database_template, tmp_path_factory) -> tuple[Path, Path, dict] | None:
    if BACKEND == "postgres":
        return None
    folder = tmp_path_factory.mktemp("fhir-world")
    path = folder / "world.db"
    shutil.copyfile(database_template, path)
    app = create_app({**base_config(f"sqlite:///{path}"), "CLINIC_PHOTO_DIR": str(folder / "photos")})
    with app.app_context():
        ids = _as_ids(build_world(folder / "photos"))
        db.session.remove()
        db.engine.dispose()
    return path, folder / "photos", ids


@pytest.fixture
def database_url(database_template, world_template, tmp_path) -> str:
    if world_template is None:
        return database_template
    target = tmp_path / "clinic.db"
    shutil.copyfile(world_template[0], target)
    return f"sqlite:///{target}"


@pytest.fixture
def app_config(database_url, world_template, tmp_path):
    photos = world_template[1] if world_template else tmp_path / "photos"
    return {**base_config(database_url), "CLINIC_PHOTO_DIR": str(photos), "RATELIMIT_ENABLED": False}


@pytest.fixture
def world(app, world_template, tmp_path):
    if world_template is None:
        return build_world(tmp_path / "photos")
    return _from_ids(world_template[2])


@pytest.fixture
def client_for(app):
    """`client_for(world["derm"])`: a client logged in as that (user, password)."""

    def _client(account):
        user, password = account
        client = app.test_client()
        login(client, user, password)
        return client

    return _client
