"""A patient on a phone finds "Download my data" on their record page and gets a ZIP whose FHIR Bundle validates;
the record page fits 1280, 768 and 390 px without sideways scrolling (screenshots kept in the test's folder)."""

from __future__ import annotations

import json
import zipfile

from fhir.resources.R4B.bundle import Bundle

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_patient, make_user

EMAIL = "download.journey@example.test"


def _set_up_patient(email: str = EMAIL, last_name: str = "Downloader") -> int:
    from tests.factories import default_clinic, make_clinic
    from tests.treatments.factories import catalog, exosome_product, make_lot, signed_session

    default_clinic()  # exists first, so the other journeys keep using it
    clinic = catalog(make_clinic(f"Download Journey Clinic {last_name}"))
    patient = make_patient(clinic, first_name="Dana", last_name=last_name)
    signed_session(patient, make_user("dermatologist", clinic=clinic), make_lot(exosome_product(clinic)))
    make_user("patient", patient=patient, email=email)
    return patient.id


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_patient_downloads_their_record_on_a_phone(phone_page, seed, tmp_path):
    page = phone_page
    patient_id = seed(_set_up_patient)
    log_in(page, EMAIL, PASSWORD)
    page.goto("/portal")
    link = page.get_by_role("link", name="Download my data")
    link.scroll_into_view_if_needed()
    assert link.is_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        assert {"record.fhir.json", "summary.html"} <= set(archive.namelist())
        body = json.loads(archive.read("record.fhir.json"))
        summary = archive.read("summary.html").decode()
    bundle = Bundle.model_validate(body)
    kinds = {entry.resource.get_resource_type() for entry in bundle.entry}
    assert {"Patient", "Procedure", "Practitioner"} <= kinds
    patients = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Patient"]
    assert [p.id for p in patients] == [str(patient_id)]
    assert "Dana Downloader" in summary


def test_record_page_fits_every_width(page, seed, tmp_path):
    email = "download.widths@example.test"
    seed(lambda: _set_up_patient(email, "Widthwise"))
    log_in(page, email, PASSWORD)
    for width in (1280, 768, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/portal")
        page.screenshot(path=str(tmp_path / f"portal-record-{width}.png"), full_page=True)
        assert _no_sideways_scroll(page), f"sideways scroll at {width} px"
    assert axe_violations(page) == []
