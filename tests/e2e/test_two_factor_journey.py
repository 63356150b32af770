"""A dermatologist in a clinic that requires a second factor enrols TOTP on first login, logs out, logs in
with a code from the app, and then with a recovery code (issue 15)."""

from __future__ import annotations

import time

import pyotp

from clinic.extensions import db
from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, default_clinic, make_clinic, make_user


def _seed_clinic_requiring_2fa() -> str:
    default_clinic()  # other journeys use the first clinic (no second factor required): make sure it exists
    clinic = make_clinic("Two-factor Clinic")
    clinic.totp_required_roles = "dermatologist,admin"
    db.session.flush()
    return make_user("dermatologist", clinic=clinic, full_name="Tess Totp").email


def test_dermatologist_enrols_then_logs_in_with_a_code_and_a_recovery_code(page, seed):
    email = seed(_seed_clinic_requiring_2fa)
    log_in(page, email, PASSWORD, enrol=False)
    page.get_by_role("heading", name="Set up two-factor login").wait_for()
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    assert axe_violations(page) == []
    secret = page.locator("#totp-secret").inner_text().strip()
    page.goto("/patients")  # nothing else is reachable before enrolment
    page.get_by_role("heading", name="Set up two-factor login").wait_for()
    page.get_by_label("6-digit code shown by the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor login").click()
    page.get_by_role("heading", name="Two-factor login is on").wait_for()
    codes = [c.strip() for c in page.locator("#recovery-codes li").all_inner_texts()]
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved them, continue").click()
    page.get_by_role("heading", name="Patients").wait_for()
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You are logged out.").wait_for()

    log_in(page, email, PASSWORD)
    page.get_by_role("heading", name="Enter your code").wait_for()
    assert axe_violations(page) == []
    # The enrolment used this time step's code; a code works once, so use the next step's (accepted too).
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        pyotp.TOTP(secret).at(time.time() + 30)
    )
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", name="Patients").wait_for()
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You are logged out.").wait_for()

    log_in(page, email, PASSWORD)
    page.get_by_role("heading", name="Enter your code").wait_for()
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", name="Patients").wait_for()
    page.get_by_text("You used a recovery code; 9 are left.").wait_for()
