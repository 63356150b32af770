"""`flask seed-demo` is idempotent and its printed logins work."""

from __future__ import annotations

import re

import pyotp
import sqlalchemy as sa

from clinic.auth.models import User
from clinic.consents.models import Consent
from clinic.demo import DEMO_PASSWORD, SPANISH_PATIENT_EMAIL
from clinic.extensions import db
from clinic.patients.models import MedicalHistory, Patient
from clinic.routines.models import AftercareRecord
from clinic.treatments.models import TreatmentSession
from clinic.treatments.signing import verify_signature
from tests.interop.documents.test_documents import pdf_text


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_twice_gives_fifty_patients_and_working_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert count(Patient) == 50 + 1  # and Lucía, who reads the portal in Spanish
    assert count(MedicalHistory) == 50 + 1
    assert count(User) == 5 + 6 + 1
    lucia = db.session.scalar(sa.select(Patient).where(Patient.first_name == "Lucía"))
    assert lucia.language == "es"
    signed = db.session.scalars(sa.select(Consent).where(Consent.patient_id == lucia.id)).all()
    assert sorted(c.kind for c in signed) == ["photo", "treatment"]  # once, though seeded twice
    assert {c.language for c in signed} == {"es"} and all(c.title.startswith("Consentimiento") for c in signed)
    logins = re.findall(r"^\s+(\w+)\s+(\S+@\S+)$", second.output, flags=re.M)
    assert logins == re.findall(r"^\s+(\w+)\s+(\S+@\S+)$", first.output, flags=re.M)
    roles = {role for role, _ in logins}
    assert roles == {"admin", "dermatologist", "aesthetician", "patient"}

    homes = {"admin": "/admin/users", "dermatologist": "/patients", "aesthetician": "/patients", "patient": "/portal"}
    for role, email in logins:
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, (role, email)
        if role in ("admin", "dermatologist"):  # the demo clinic requires a second factor: enrol first
            assert response.headers["Location"].endswith("/account/two-factor"), (role, response.headers)
            secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', client.get("/account/two-factor").text).group(1)
            assert client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 200
        else:
            assert response.headers["Location"].endswith(homes[role]), (role, response.headers["Location"])
        page = client.get(homes[role])
        assert page.status_code == 200
        if role == "patient":
            patient = db.session.scalar(
                sa.select(Patient).join(User, User.patient_id == Patient.id).where(User.email == email)
            )
            assert patient.record_number in page.text


def test_demo_lucia_downloads_her_aftercare_sheet_and_consent_as_spanish_pdfs(app):
    """Her microneedling two days ago is a signed session on her Spanish consent (signed before it), so the
    portal offers the session's aftercare sheet, and seeding twice leaves one session and one aftercare."""
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    db.session.expire_all()
    lucia = db.session.scalar(sa.select(Patient).where(Patient.first_name == "Lucía"))
    (session,) = db.session.scalars(sa.select(TreatmentSession).where(TreatmentSession.patient_id == lucia.id))
    assert session.is_signed and verify_signature(session) and session.consent.language == "es"
    assert session.consent.signed_at < session.started_at
    assert [r.session_ref for r in lucia_records(lucia)] == [f"treatment:{session.id}"]

    client = app.test_client()
    client.post("/login", data={"email": SPANISH_PATIENT_EMAIL, "password": DEMO_PASSWORD})
    page = client.get("/portal/aftercare")
    link = re.search(r'href="(/documents/sessions/\d+/aftercare\.pdf)"', page.text).group(1)
    text, _ = pdf_text(client.get(link))
    assert "Hoja de cuidados posteriores" in text and "Lucía Hernández" in text and "Evite:" in text
    consents = client.get("/portal/consents")
    links = re.findall(r'href="(/documents/consents/\d+\.pdf)"', consents.text)
    assert len(links) == 2
    texts = [pdf_text(client.get(link))[0] for link in links]
    assert all("Consentimiento firmado" in text for text in texts)


def lucia_records(patient: Patient) -> list[AftercareRecord]:
    return list(db.session.scalars(sa.select(AftercareRecord).where(AftercareRecord.patient_id == patient.id)))
