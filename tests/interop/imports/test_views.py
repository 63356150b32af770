"""The admin's import page over HTTP: dry run then import, errors beside the field, bad files, roles, CSRF,
the staged file bound to its admin, the body limit, and an appointment file with a double booking."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.interop.imports.models import ImportUpload
from clinic.patients.models import Patient
from tests.factories import make_patient
from tests.interop.imports.helpers import csv_bytes, row


@pytest.fixture
def app_config(app_config):
    return {**app_config, "CLINIC_IMPORT_MAX_BYTES": 64 * 1024}


@pytest.fixture
def admin(login_as):
    client, _user = login_as("admin")
    return client


def upload(client, data: bytes, name="patients.csv", kind="patients", **extra):
    form = {"kind": kind, "file": (io.BytesIO(data), name), **extra}
    return client.post("/admin/import", data=form, content_type="multipart/form-data")


def token_of(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


def confirm_data(html: str) -> dict[str, str]:
    """What the page's confirm form posts (its hidden fields)."""
    return dict(re.findall(r'id="(token|skip_bad_rows)" name="\1" type="hidden" value="([^"]*)"', html))


def field_error(html: str) -> str:
    match = re.search(r'id="file-error"[^>]*>([^<]*)<', html)
    return match.group(1) if match else ""


def patient_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Patient.id)))


def test_admin_checks_a_file_then_imports_it_and_a_reload_cannot_import_twice(admin):
    page = admin.get("/admin/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert 'href="/admin/import"' in page.text  # in the admin's navigation
    dry = upload(admin, csv_bytes(row("A1"), row("A2", first_name="Bo", last_name="Kim")))
    assert dry.status_code == 200
    assert "2 rows: 2 to create, 0 to update, 0 unchanged, 0 refused." in dry.text
    assert "Silva, Ana" in dry.text and "Kim, Bo" in dry.text and "nothing has been written" in dry.text
    assert patient_count() == 0
    token = token_of(dry.text)
    assert confirm_data(dry.text) == {"token": token, "skip_bad_rows": ""}
    done = admin.post("/admin/import/confirm", data=confirm_data(dry.text))
    assert done.status_code == 200 and "Imported: 2 created, 0 updated" in done.text
    db.session.expire_all()
    assert patient_count() == 2
    assert db.session.scalar(sa.select(sa.func.count(ImportUpload.id))) == 0
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import.patients"))
    assert event.detail.startswith("patients.csv: patients: 2 rows (2 create")
    again = admin.post("/admin/import/confirm", data={"token": token, "skip_bad_rows": ""})
    assert again.status_code == 302 and again.headers["Location"].endswith("/admin/import")
    assert patient_count() == 2


def test_refused_rows_offer_no_import_unless_skipping_and_skipping_imports_the_rest(admin):
    data = csv_bytes(row("A1"), row("A2", date_of_birth="1980-13-01"))
    blocked = upload(admin, data)
    assert blocked.status_code == 200 and "1 refused" in blocked.text
    assert "date_of_birth: Enter a valid date of birth." in blocked.text
    assert 'action="/admin/import/confirm"' not in blocked.text
    skipping = upload(admin, data, skip_bad_rows="y")
    assert "Refused rows will be skipped." in skipping.text
    done = admin.post("/admin/import/confirm", data=confirm_data(skipping.text))
    assert "1 refused rows skipped" in done.text
    db.session.expire_all()
    assert patient_count() == 1


@pytest.mark.parametrize(
    ("data", "name", "error"),
    [
        (b"external_id,name,shoe_size\nA1,Ana Silva,9\n", "p.csv", "Unknown column: shoe_size."),
        (b"", "p.csv", "The file is empty."),
        (b"external_id,name\nA1,Ana Silva\n", "p.csv", "Required column missing: date_of_birth."),
        (b"%PDF-1.4 binary", "p.pdf", "Choose a .csv file"),
    ],
)
def test_a_bad_file_is_refused_with_the_reason_beside_the_field(admin, data, name, error):
    response = upload(admin, data, name=name)
    assert response.status_code == 422
    assert error in field_error(response.text)
    assert db.session.scalar(sa.select(sa.func.count(ImportUpload.id))) == 0


def test_no_file_and_no_csrf_token(admin):
    missing = admin.post("/admin/import", data={"kind": "patients"}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "Choose the CSV file to import." in field_error(missing.text)
    forged = admin.post(
        "/admin/import",
        data={"kind": "patients", "file": (io.BytesIO(csv_bytes(row())), "p.csv")},
        content_type="multipart/form-data",
        csrf=False,
    )
    assert forged.status_code == 400 and patient_count() == 0


def test_a_file_over_the_limit_is_refused_before_it_is_read(admin):
    response = upload(admin, b"external_id,name,date_of_birth\n" + b"A,Ana Silva,1980-01-01\n" * 10_000)
    assert response.status_code == 413 and "import file up to" in response.text


@pytest.mark.parametrize("role", ["dermatologist", "aesthetician", "patient"])
def test_other_roles_are_refused(login_as, role):
    client, _ = login_as(role)
    before = patient_count()
    assert client.get("/admin/import").status_code == 403
    assert upload(client, csv_bytes(row())).status_code == 403
    assert client.post("/admin/import/confirm", data={"token": "x"}).status_code == 403
    assert patient_count() == before


def test_a_staged_file_is_bound_to_the_admin_who_uploaded_it(admin, login_as):
    token = token_of(upload(admin, csv_bytes(row("A1"))).text)
    other, _ = login_as("admin")
    stolen = other.post("/admin/import/confirm", data={"token": token, "skip_bad_rows": ""})
    assert stolen.status_code == 302 and patient_count() == 0
    assert admin.post("/admin/import/confirm", data={"token": token, "skip_bad_rows": ""}).status_code == 200


def test_an_appointment_file_reports_a_double_booking_per_row(admin):
    from datetime import date, timedelta

    from tests.scheduling.factories import setup_clinic

    _clinic, aesthetician, _derm, kind = setup_clinic()
    ana, bo = make_patient(), make_patient()
    ana.external_id, bo.external_id = "P1", "P2"
    db.session.commit()
    monday = date.today() + timedelta(days=14 - date.today().weekday())
    lines = [
        "patient_external_id,provider_email,appointment_type,room,start",
        f"P1,{aesthetician.email},{kind.name},Room A,{monday} 10:00",
        f"P2,{aesthetician.email},{kind.name},Room B,{monday} 10:30",
    ]
    response = upload(admin, ("\n".join(lines) + "\n").encode(), name="appts.csv", kind="appointments")
    assert response.status_code == 200
    assert "2 rows: 1 to create, 0 to update, 0 unchanged, 1 refused." in response.text
    assert "already has an appointment then" in response.text
