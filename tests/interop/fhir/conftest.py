"""A world for the FHIR tests: the demo clinic, enriched (see world.py), with photos in a temporary folder."""

from __future__ import annotations

import pytest

from tests.conftest import base_config
from tests.fixtures.users import login
from tests.interop.fhir.world import build_world


@pytest.fixture
def app_config(database_url, tmp_path):
    return {**base_config(database_url), "CLINIC_PHOTO_DIR": str(tmp_path / "photos"), "RATELIMIT_ENABLED": False}


@pytest.fixture
def world(app, tmp_path):
    return build_world(tmp_path / "photos")


@pytest.fixture
def client_for(app):
    """`client_for(world["derm"])`: a client logged in as that (user, password)."""

    def _client(account):
        user, password = account
        client = app.test_client()
        login(client, user, password)
        return client

    return _client
