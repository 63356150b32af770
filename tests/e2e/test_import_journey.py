"""An admin uploads a small CSV from their previous system, reads the dry run's per-row report (at 1280, 768
and 390 px, without sideways scrolling), imports it and sees the patients it created."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_user

CSV = (
    "external_id;name;date_of_birth;email;concerns;allergies\n"
    "OLD-1;Okoro, Nadia;1988-03-04;nadia.okoro@example.com;Pigmentation|texture;Latex\n"
    'OLD-2;"Wolfeschlegelsteinhausenbergerdorff, Maximiliana-Theodora";1975-11-30;;aging;\n'
    "OLD-3;Brown, Tim;30/02/1970;tim@example.com;tattoos;\n"
).encode("utf-8-sig")
WIDTHS = (1280, 768, 390)


def _no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
        " && document.body.scrollWidth <= window.innerWidth"
    )


def _imported() -> list[tuple[str, str]]:
    from clinic.extensions import db
    from clinic.patients.models import Patient

    rows = db.session.execute(
        sa.select(Patient.external_id, Patient.last_name).where(Patient.external_id.like("OLD-%"))
    )
    return sorted(rows.tuples().all())


def test_admin_imports_patients_after_a_dry_run(page, seed, tmp_path):
    shots = Path(os.environ.get("CLINIC_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    email = seed(lambda: make_user("admin", full_name="Ida Importer").email)
    log_in(page, email, PASSWORD)
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_role("heading", name="Import from another system").wait_for()
    assert axe_violations(page) == []

    page.get_by_label("CSV file").set_input_files({"name": "old.csv", "mimeType": "text/csv", "buffer": CSV})
    page.get_by_label("Skip refused rows").check()
    page.get_by_role("button", name="Check the file (dry run)").click()
    summary = page.locator("#import-summary")
    summary.wait_for()
    assert "3 rows: 2 to create, 0 to update, 0 unchanged, 1 refused." in summary.inner_text()
    assert page.get_by_text("date_of_birth: Enter a valid date of birth.").is_visible()
    assert page.get_by_text("concerns: unknown concern tattoos").is_visible()
    assert axe_violations(page) == []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert _no_sideways_scroll(page), f"sideways scroll at {width}px"
        page.screenshot(path=str(shots / f"import-dry-run-{width}.png"), full_page=True)
    assert seed(_imported) == []  # a dry run writes nothing

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Import 2 patients").click()
    page.get_by_text("Imported: 2 created, 0 updated, 1 refused rows skipped.").wait_for()
    assert page.get_by_role("cell", name="Okoro, Nadia").is_visible()
    assert _no_sideways_scroll(page)
    page.screenshot(path=str(shots / "import-done-1280.png"), full_page=True)
    assert seed(_imported) == [("OLD-1", "Okoro"), ("OLD-2", "Wolfeschlegelsteinhausenbergerdorff")]
