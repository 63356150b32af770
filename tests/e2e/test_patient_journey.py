"""An aesthetician and patient records in Debian's Chromium: find, create (after a mistake), log out."""

from __future__ import annotations

from datetime import date

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_patient, make_user


def _seed_staff_and_patient(seed, last_name: str) -> str:
    def fn():
        make_patient(first_name="Henrietta", last_name=last_name, date_of_birth=date(1979, 4, 2))
        return make_user("aesthetician").email

    return seed(fn)


def test_aesthetician_finds_and_creates_a_patient(page, seed):
    email = _seed_staff_and_patient(seed, "Quillfeather")
    page.goto("/login")
    assert axe_violations(page) == []
    log_in(page, email, PASSWORD)
    page.get_by_role("heading", name="Patients").wait_for()
    assert axe_violations(page) == []

    # Find a patient by search.
    page.get_by_label("Search").fill("quill")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Quillfeather, Henrietta").click()
    page.get_by_role("heading", name="Henrietta Quillfeather").wait_for()
    assert page.get_by_text("02 Apr 1979").is_visible()
    assert axe_violations(page) == []

    # Create a patient, first with a missing last name and a birth date in the future.
    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_role("link", name="New patient").click()
    page.get_by_label("First name").fill("Marisol")
    page.get_by_label("Date of birth").fill("2999-01-01")
    page.get_by_label("E-mail").fill("marisol@example.com")
    page.get_by_label("Phone").fill("(555) 404-1234")
    page.get_by_label("Rosacea").check()
    page.get_by_role("button", name="Save patient").click()

    page.get_by_text("Please correct the fields marked below.").wait_for()
    last_name_error = page.locator("#last_name-error")
    assert "required" in last_name_error.inner_text()
    assert page.get_by_label("Last name").get_attribute("aria-describedby") == "last_name-error"
    assert "future" in page.locator("#date_of_birth-error").inner_text()
    assert page.get_by_label("First name").input_value() == "Marisol"
    assert page.get_by_label("Phone").input_value() == "(555) 404-1234"
    assert page.get_by_label("Rosacea").is_checked()
    assert axe_violations(page) == []

    # Fix both and save: the chart shows the new patient.
    page.get_by_label("Last name").fill("Ortega")
    page.get_by_label("Date of birth").fill("1990-07-15")
    page.get_by_role("button", name="Save patient").click()
    page.get_by_role("heading", name="Marisol Ortega").wait_for()
    assert page.get_by_text("was added with record number").is_visible()
    assert page.get_by_text("15 Jul 1990").is_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You are logged out.").wait_for()


def test_patient_list_is_usable_on_a_phone(phone_page, seed):
    email = _seed_staff_and_patient(seed, "Phonewright")
    log_in(phone_page, email, PASSWORD)
    phone_page.get_by_role("heading", name="Patients").wait_for()
    phone_page.get_by_label("Search").fill("phonewright")
    phone_page.get_by_role("button", name="Search").click()
    link = phone_page.get_by_role("link", name="Phonewright, Henrietta")
    link.wait_for()
    assert phone_page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert phone_page.evaluate("() => document.body.scrollWidth <= window.innerWidth")
    box = link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    link.click()
    phone_page.get_by_role("heading", name="Henrietta Phonewright").wait_for()
