"""A staff member creates a personal API token in their settings, sees it once, uses it, and revokes it
(issue 11). The page fits 1280, 768 and 390 px without sideways scrolling."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, default_clinic, make_user

SHOTS = Path(os.environ.get("CLINIC_E2E_SHOTS", "/tmp/clinic-e2e-shots"))  # noqa: S108 - a test artefact folder


def _seed_aesthetician() -> str:
    default_clinic()
    return make_user("aesthetician", full_name="Ada Token").email


def _api_get(base: str, path: str, secret: str) -> tuple[int, dict]:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {secret}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310 - the local test server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        assert error.headers["Content-Type"] == "application/problem+json"
        return error.code, json.loads(error.read())


def _fits(page, width: int, name: str) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"api-tokens-{name}-{width}.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), width


def test_staff_create_see_once_use_and_revoke_a_token(page, seed, live_server):
    email = seed(_seed_aesthetician)
    log_in(page, email, PASSWORD)
    page.get_by_role("link", name="API tokens").click()
    page.get_by_role("heading", name="API tokens").wait_for()
    page.get_by_role("button", name="Create token").click()  # empty name: the error is beside the field
    page.locator("#name-error").wait_for()
    assert "Give the token a name" in page.locator("#name-error").inner_text()

    page.get_by_label("Token name").fill("Reporting spreadsheet with a rather long descriptive name")
    page.get_by_label("Read only").check()
    page.get_by_label("Expires after").select_option("30")
    page.get_by_role("button", name="Create token").click()
    page.get_by_role("heading", name="Your new token").wait_for()
    secret = page.get_by_role("textbox", name="Token", exact=True).input_value()
    assert secret.startswith("clinic_pat_")
    assert axe_violations(page) == []
    for width in (1280, 768, 390):
        _fits(page, width, "created")

    status, body = _api_get(live_server, "/api/v1/patients?page_size=5", secret)
    assert status == 200 and body["meta"]["page_size"] == 5

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/account/api-tokens")
    assert secret not in page.content()  # shown once
    assert page.get_by_text("Active").is_visible()
    page.get_by_role("button", name="Revoke Reporting spreadsheet").click()
    page.get_by_text("no longer works").wait_for()
    assert page.get_by_text("Revoked", exact=True).is_visible()
    for width in (1280, 768, 390):
        _fits(page, width, "revoked")

    status, body = _api_get(live_server, "/api/v1/patients", secret)
    assert status == 401 and body["status"] == 401
