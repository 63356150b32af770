"""Aftercare sheets, signed consents and visit summaries: the PDF's text (read back with pypdf), its
metadata, the print pages, who may download what (404 for another patient or clinic, 403 for a wrong
role), and the audit row of every download."""

from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pypdf
import pytest
import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.clinics.models import Clinic
from clinic.consents.models import Consent
from clinic.consents.services import digest, render_text, revoke_consent, sign_consent
from clinic.extensions import db
from clinic.routines.models import AftercareRecord
from clinic.treatments.amendments import amend_session
from clinic.treatments.scores import record_score
from tests.consents.factories import consent_form, make_consent
from tests.factories import make_clinic, make_patient, make_user
from tests.routines.factories import AGING_STEPS, make_routine
from tests.treatments.factories import catalog, procedure, recorded_session, signed_session


def pdf_text(response) -> tuple[str, dict]:
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), dict(reader.metadata or {})


def day(value, zone) -> str:
    local = value.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}"


def downloads(patient_id: int) -> list[AuditEvent]:
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "document.download", AuditEvent.patient_id == patient_id)
    ).all()


@pytest.fixture
def world(app):
    clinic = catalog()
    clinic.phone = "+1 212 555 0100"
    derm = make_user("dermatologist")
    patient = make_patient(first_name="Rosa", last_name="Quintero", timezone="America/Los_Angeles")
    make_routine(patient, AGING_STEPS)
    make_consent(patient, procedure())
    session = signed_session(patient, derm)
    patient_user = make_user("patient", patient=patient)
    other = make_patient(first_name="Otto", last_name="Other")
    other_user = make_user("patient", patient=other)
    db.session.commit()
    return dict(
        clinic=clinic,
        derm=derm,
        patient=patient,
        session=session,
        patient_user=patient_user,
        other=other,
        other_user=other_user,
    )


def test_aftercare_pdf_names_patient_procedure_days_and_paused_steps(world, login_as):
    session, patient = world["session"], world["patient"]
    zone = ZoneInfo(patient.timezone)
    assert db.session.scalar(sa.select(AftercareRecord).filter_by(session_ref=f"treatment:{session.id}")) is not None
    client, _ = login_as(user=world["patient_user"])
    text, metadata = pdf_text(client.get(f"/documents/sessions/{session.id}/aftercare.pdf"))
    assert "Rosa Quintero" in text
    assert session.procedure.name in text
    ended = session.ended_at.astimezone(zone)
    assert f"{ended:%a %d %b %Y, %H:%M}" in text  # in the patient's own zone
    assert f"Day 1 · {ended:%a} {ended.day} {ended:%b %Y}" in text
    retinoid = next(a for a in session.aftercare if a.action == "pause_tag" and a.ingredient_tag == "retinoid")
    assert "Avoid:" in text and retinoid.label in text
    # The paused home steps, each until the last day of its pause.
    assert "Clinic Basics Retinol 0.3% Night Serum (evening)" in text
    assert f"paused until {day(retinoid.ends_at - timedelta(microseconds=1), zone)}" in text
    assert "Clinic Basics Vitamin C 15% Serum (morning)" in text
    assert "Daily Serum (evening) paused" not in text
    assert "+1 212 555 0100" in text
    assert set(metadata) <= {"/Title", "/CreationDate"}
    assert metadata["/Title"] == f"Aftercare sheet: {session.procedure.name}"


def test_aftercare_print_page_and_audit(world, login_as):
    session = world["session"]
    client, derm = login_as(user=world["derm"])
    page = client.get(f"/treatments/{session.id}")
    assert f'href="/documents/sessions/{session.id}/aftercare"' in page.text
    response = client.get(f"/documents/sessions/{session.id}/aftercare")
    assert response.status_code == 200
    assert "css/print-" in response.text and "Rosa Quintero" in response.text
    assert f"/documents/sessions/{session.id}/aftercare.pdf" in response.text
    client.get(f"/documents/sessions/{session.id}/aftercare.pdf")
    rows = downloads(world["patient"].id)
    assert [(r.detail, r.user_id, r.object_id) for r in rows] == [
        ("aftercare html", derm.id, str(session.id)),
        ("aftercare pdf", derm.id, str(session.id)),
    ]


def test_portal_links_to_own_aftercare_sheet_and_consents(world, login_as):
    client, _ = login_as(user=world["patient_user"])
    assert f"/documents/sessions/{world['session'].id}/aftercare.pdf" in client.get("/portal/aftercare").text
    consent_id = db.session.scalar(sa.select(Consent.id).where(Consent.patient_id == world["patient"].id))
    assert f"/documents/consents/{consent_id}.pdf" in client.get("/portal/consents").text


def test_another_patients_documents_are_not_found_and_audited(world, login_as):
    session = world["session"]
    consent_id = session.consent_id or make_consent(world["patient"], procedure()).id
    db.session.commit()
    client, other_user = login_as(user=world["other_user"])
    for url in (
        f"/documents/sessions/{session.id}/aftercare.pdf",
        f"/documents/sessions/{session.id}/aftercare",
        f"/documents/consents/{consent_id}.pdf",
        f"/documents/consents/{consent_id}",
    ):
        assert client.get(url).status_code == 404, url
    denied = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "access.denied", AuditEvent.user_id == other_user.id)
    ).all()
    assert len(denied) == 4
    assert downloads(world["patient"].id) == []


def test_wrong_role_and_other_clinic(world, login_as):
    session = world["session"]
    patient_client, _ = login_as(user=world["patient_user"])
    assert patient_client.get(f"/documents/sessions/{session.id}/summary.pdf").status_code == 403
    admin, _ = login_as("admin")
    assert admin.get(f"/documents/sessions/{session.id}/aftercare.pdf").status_code == 403
    elsewhere = make_clinic("Elsewhere")
    stranger, _ = login_as("dermatologist", clinic=elsewhere)
    for url in (
        f"/documents/sessions/{session.id}/aftercare.pdf",
        f"/documents/sessions/{session.id}/summary",
        f"/documents/consents/{session.consent_id}.pdf",
    ):
        assert stranger.get(url).status_code == 404, url
    assert stranger.get("/documents/sessions/99999999999/aftercare.pdf").status_code == 404
    assert downloads(world["patient"].id) == []


def test_unended_session_has_no_sheet_and_unsigned_no_summary(world, login_as):
    draft = recorded_session(world["patient"], world["derm"])
    draft.ended_at = None
    db.session.commit()
    client, _ = login_as(user=world["derm"])
    assert client.get(f"/documents/sessions/{draft.id}/aftercare.pdf").status_code == 404
    assert client.get(f"/documents/sessions/{draft.id}/summary.pdf").status_code == 404


def test_consent_pdf_has_text_hash_method_signature_and_revocation(world, login_as):
    patient = world["patient"]
    form = consent_form(procedure())
    consent = sign_consent(
        patient,
        form,
        signer_name="Rosa Quintero",
        signature_method="typed",
        typed_agreed=True,
        witness=None,
        ip="127.0.0.1",
        method="portal",
        text_digest=digest(render_text(form)),
    )
    db.session.commit()
    client, _ = login_as(user=world["patient_user"])
    text, metadata = pdf_text(client.get(f"/documents/consents/{consent.id}.pdf"))
    assert "Rosa Quintero" in text and "Signed in the portal" in text
    packed = text.replace(" ", "")  # a 64-digit hash wraps in its table cell
    assert digest(consent.text) in packed and consent.signature_sha256 in packed
    assert 'Signed by typing the name "Rosa Quintero"' in text
    assert " ".join(consent.text.split()[:12]) in text
    assert "REVOKED" not in text
    assert set(metadata) <= {"/Title", "/CreationDate"}

    revoke_consent(consent, world["derm"], "Patient changed her mind")
    db.session.commit()
    text, _ = pdf_text(client.get(f"/documents/consents/{consent.id}.pdf"))
    assert "REVOKED" in text and "Patient changed her mind" in text


def test_drawn_consent_pdf_carries_the_image_and_tablet_method(world, login_as):
    consent = world["session"].consent or make_consent(world["patient"], procedure())
    db.session.commit()
    client, _ = login_as(user=world["derm"])
    response = client.get(f"/documents/consents/{consent.id}.pdf")
    text, _ = pdf_text(response)
    assert "Signed on a staff tablet" in text and "Drawn signature" in text
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert len(reader.pages[-1].images) + sum(len(p.images) for p in reader.pages[:-1]) == 1
    page = client.get(f"/documents/consents/{consent.id}")
    assert 'src="data:image/png;base64,' in page.text


def test_visit_summary_has_lots_scores_signature_and_amendments(world, login_as):
    session, derm = world["session"], world["derm"]
    zone = ZoneInfo(db.session.get(Clinic, session.clinic_id).timezone)
    today = session.started_at.astimezone(zone).date()
    record_score(
        world["patient"],
        derm,
        scale_code="glogau",
        checkpoint="baseline",
        recorded_on=today,
        today=today,
        raw_value="II",
        session_id=session.id,
    )
    db.session.commit()
    client, _ = login_as(user=derm)
    text, _ = pdf_text(client.get(f"/documents/sessions/{session.id}/summary.pdf"))
    lot = session.products[0].lot.lot_number
    assert "Rosa Quintero" in text and f"lot {lot}" in text and session.areas[0].area in text
    assert "Glogau photoaging" in text
    assert f"Signed electronically by {derm.full_name}" in text
    assert session.signature_sha256 in text.replace(" ", "")
    assert "No amendments." in text and "AMENDED" not in text

    amend_session(session, derm, field="notes", new_value="Mild erythema resolved", reason="Late entry")
    db.session.commit()
    text, metadata = pdf_text(client.get(f"/documents/sessions/{session.id}/summary.pdf"))
    assert "AMENDED" in text and "Late entry" in text and "Mild erythema resolved" in text
    assert set(metadata) <= {"/Title", "/CreationDate"}
    assert [r.detail for r in downloads(world["patient"].id)] == ["summary pdf", "summary pdf"]


def test_consent_pages_link_their_documents_and_the_patient_prints_their_own(world, login_as):
    consent_id = db.session.scalar(sa.select(Consent.id).where(Consent.patient_id == world["patient"].id))
    staff, _ = login_as(user=world["derm"])
    staff_page = staff.get(f"/consents/{consent_id}").text
    assert f'href="/documents/consents/{consent_id}"' in staff_page
    assert f'href="/documents/consents/{consent_id}.pdf"' in staff_page
    patient, patient_user = login_as(user=world["patient_user"])
    assert f"/documents/consents/{consent_id}.pdf" in patient.get(f"/portal/consents/{consent_id}").text
    page = patient.get(f"/documents/consents/{consent_id}")
    assert page.status_code == 200 and "Rosa Quintero" in page.text and "Signed on a staff tablet" in page.text
    row = downloads(world["patient"].id)[-1]
    assert (row.detail, row.user_id, row.object_type) == ("consent html", patient_user.id, "consent")
