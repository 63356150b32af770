from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_user


def test_login_page_is_accessible(page):
    page.goto("/login")
    assert axe_violations(page) == []


def test_aesthetician_logs_in_and_out(page, seed):
    email = seed(lambda: make_user("aesthetician").email)
    log_in(page, email, PASSWORD)
    page.get_by_role("heading", name="Patients").wait_for()
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You are logged out.").wait_for()
