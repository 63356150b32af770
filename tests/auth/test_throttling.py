"""Login throttling per (address, e-mail): an attacker slows down, the real user elsewhere does not."""

import os
import uuid

import pytest
import redis

from clinic.extensions import db
from tests.factories import PASSWORD, make_user

ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
OWNER = {"REMOTE_ADDR": "198.51.100.7"}
REDIS_URL = os.environ.get("CLINIC_TEST_REDIS_URL")


def _attempt(client, email: str, password: str, environ: dict):
    return client.post("/login", data={"email": email, "password": password}, environ_base=environ)


def _attack_then_owner_logs_in(client, user) -> None:
    statuses = [_attempt(client, user.email, "wrong guess 1234", ATTACKER).status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    assert _attempt(client, user.email, PASSWORD, ATTACKER).status_code == 429
    assert _attempt(client, user.email, PASSWORD, OWNER).status_code == 302


def test_repeated_failures_are_throttled_without_locking_the_owner_out(app):
    user = make_user("dermatologist")
    db.session.commit()
    _attack_then_owner_logs_in(app.test_client(), user)


def test_successful_logins_do_not_count_towards_the_account_limit(app):
    user = make_user("dermatologist")
    db.session.commit()
    for _ in range(7):
        assert _attempt(app.test_client(), user.email, PASSWORD, OWNER).status_code == 302


def test_throttled_answer_is_the_429_page(app, client):
    user = make_user("dermatologist")
    db.session.commit()
    for _ in range(5):
        _attempt(client, user.email, "wrong guess 1234", ATTACKER)
    response = _attempt(client, user.email, "wrong guess 1234", ATTACKER)
    assert response.status_code == 429 and "Too many attempts" in response.text
    assert "Traceback" not in response.text


@pytest.fixture
def redis_storage(app_config):
    if not REDIS_URL:
        pytest.skip("CLINIC_TEST_REDIS_URL is not set (.ci/run sets it); the Redis limiter storage is not tested")
    prefix = f"clinic-test-{uuid.uuid4().hex[:12]}"  # other test runs may share this Redis database
    connection = redis.Redis.from_url(REDIS_URL)
    app_config.update(RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    yield connection, prefix
    for key in connection.scan_iter(f"*{prefix}*"):
        connection.delete(key)


def test_throttling_on_redis_storage(redis_storage, app):
    user = make_user("dermatologist")
    db.session.commit()
    _attack_then_owner_logs_in(app.test_client(), user)
    connection, prefix = redis_storage
    assert any(b"login" in key for key in connection.scan_iter(f"*{prefix}*"))
