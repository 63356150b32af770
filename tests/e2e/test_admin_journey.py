"""An admin invites a dermatologist; the invitation arrives by SMTP; they set a password and log in."""

import re
import time

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_user
from tests.fixtures.mail import body_text

NEW_EMAIL = "dana.journey@example.com"
NEW_PASSWORD = "sea glass lantern 2026"


def _invitation_link(smtp_server, to: str, dispatch_outbox) -> str:
    dispatch_outbox()
    for _ in range(50):
        with smtp_server.handler.lock:
            found = [m for m in smtp_server.handler.messages if m["To"] == to]
        if found:
            return re.search(r"https?://\S+/invitation/[A-Za-z0-9_-]+", body_text(found[-1])).group(0)
        time.sleep(0.1)
    raise AssertionError(f"no invitation e-mail reached {to}")


def test_admin_invites_a_dermatologist_who_sets_a_password(
    page, browser, live_server, seed, smtp_server, dispatch_outbox
):
    admin_email = seed(lambda: make_user("admin", full_name="Ada Admin").email)
    log_in(page, admin_email, PASSWORD)
    page.get_by_role("heading", name="Users").wait_for()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Invite a staff member").click()
    page.get_by_label("Full name").fill("Dana Journey")
    page.get_by_label("E-mail").fill("dana.journey@")
    page.get_by_label("Role").select_option("dermatologist")
    page.get_by_role("button", name="Send invitation").click()
    page.locator("#email-error").wait_for()
    assert page.get_by_label("Full name").input_value() == "Dana Journey"
    assert page.get_by_label("Role").input_value() == "dermatologist"
    assert axe_violations(page) == []

    page.get_by_label("E-mail").fill(NEW_EMAIL)
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text(f"Invitation sent to {NEW_EMAIL}.").wait_for()
    link = _invitation_link(smtp_server, NEW_EMAIL, dispatch_outbox)
    assert link.startswith(live_server)

    context = browser.new_context(base_url=live_server)
    newcomer = context.new_page()
    newcomer.set_default_timeout(10_000)
    newcomer.goto(link)
    newcomer.get_by_role("heading", name="Welcome, Dana Journey").wait_for()
    newcomer.get_by_role("textbox", name="New password", exact=True).fill("short")
    newcomer.get_by_label("Repeat the new password").fill("short")
    newcomer.get_by_role("button", name="Set password").click()
    error = newcomer.locator("#password-error")
    error.wait_for()
    assert "at least 8" in error.inner_text()
    assert (
        newcomer.get_by_role("textbox", name="New password", exact=True)
        .get_attribute("aria-describedby")
        .endswith("password-error")
    )
    assert axe_violations(newcomer) == []

    newcomer.get_by_role("textbox", name="New password", exact=True).fill(NEW_PASSWORD)
    newcomer.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    newcomer.get_by_role("button", name="Set password").click()
    newcomer.get_by_text("Your password is set. Please log in.").wait_for()
    log_in(newcomer, NEW_EMAIL, NEW_PASSWORD)
    newcomer.get_by_role("heading", name="Patients").wait_for()
    context.close()

    page.get_by_role("link", name="Users", exact=True).click()
    row = page.get_by_role("row").filter(has_text="Dana Journey")
    assert "Dermatologist" in row.inner_text() and "Active" in row.inner_text()


def test_admin_deactivates_a_logged_in_user(page, browser, live_server, seed):
    admin_email = seed(lambda: make_user("admin", full_name="Abe Admin").email)
    staff_email = seed(lambda: make_user("aesthetician", full_name="Ines Leaving").email)

    context = browser.new_context(base_url=live_server)
    staff = context.new_page()
    staff.set_default_timeout(10_000)
    log_in(staff, staff_email, PASSWORD)
    staff.get_by_role("heading", name="Patients").wait_for()

    log_in(page, admin_email, PASSWORD)
    page.get_by_role("link", name="Ines Leaving").click()
    page.get_by_role("heading", name="Ines Leaving").wait_for()
    assert axe_violations(page) == []
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Deactivate").click()
    page.get_by_text("Ines Leaving is deactivated; 1 session(s) ended.").wait_for()
    page.get_by_role("button", name="Reactivate").wait_for()

    staff.reload()
    staff.get_by_role("heading", name="Log in").wait_for()
    context.close()
