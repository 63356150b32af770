"""Documents in the browser: at checkout a dermatologist opens the session, clicks "Print aftercare" and gets
the print page (which fits 1280, 768 and 390 px without sideways scrolling; screenshots kept in the test's
folder); a patient on a phone downloads their aftercare sheet as a PDF from the portal's Aftercare page."""

from __future__ import annotations

import io

import pypdf

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_patient, make_user

STAFF_EMAIL = "documents.derm@example.test"
PATIENT_EMAIL = "documents.patient@example.test"


def _set_up() -> int:
    from tests.factories import default_clinic, make_clinic
    from tests.routines.factories import AGING_STEPS, make_routine
    from tests.treatments.factories import catalog, exosome_product, make_lot, signed_session

    default_clinic()  # exists first, so the other journeys keep using it
    clinic = catalog(make_clinic("Documents Journey Clinic"))
    clinic.phone = "+1 212 555 0199"
    patient = make_patient(clinic, first_name="Inés", last_name="Printwell")
    make_routine(patient, AGING_STEPS)
    derm = make_user("dermatologist", clinic=clinic, email=STAFF_EMAIL)
    session = signed_session(patient, derm, make_lot(exosome_product(clinic)))
    make_user("patient", patient=patient, email=PATIENT_EMAIL)
    return session.id


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_staff_print_aftercare_then_patient_downloads_it_on_a_phone(page, phone_page, seed, tmp_path):
    session_id = seed(_set_up)
    log_in(page, STAFF_EMAIL, PASSWORD)
    page.goto(f"/treatments/{session_id}")
    page.get_by_role("link", name="Print aftercare").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/documents/sessions/{session_id}/aftercare")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Aftercare sheet")
    assert page.get_by_text("Inés Printwell").first.is_visible()
    assert page.get_by_role("button", name="Print").is_visible()
    for width in (1280, 768, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        page.screenshot(path=str(tmp_path / f"aftercare-print-{width}.png"), full_page=True)
        assert _no_sideways_scroll(page), f"sideways scroll at {width} px"
    assert axe_violations(page) == []
    page.emulate_media(media="print")  # the print stylesheet drops the navigation and the buttons
    assert not page.locator("header nav").is_visible()
    assert not page.get_by_role("button", name="Print").is_visible()
    page.screenshot(path=str(tmp_path / "aftercare-print-media.png"), full_page=True)

    phone = phone_page
    log_in(phone, PATIENT_EMAIL, PASSWORD)
    phone.goto("/portal/aftercare")
    link = phone.get_by_role("link", name="Download the aftercare sheet (PDF)")
    link.scroll_into_view_if_needed()
    assert link.is_visible()
    assert _no_sideways_scroll(phone)
    with phone.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"aftercare-{session_id}.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    reader = pypdf.PdfReader(io.BytesIO(target.read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Inés Printwell" in text and "Microneedling" in text and "paused until" in text
    assert "+1 212 555 0199" in text
