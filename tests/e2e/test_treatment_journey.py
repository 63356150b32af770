"""A dermatologist checks a patient in, is warned about isotretinoin, overrides with a reason, logs
microneedling + exosome with a lot and two photos, signs, then amends. The session page passes axe-core.
Consent signing on the tablet with a drawn signature is a second journey."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import date, timedelta

from PIL import Image

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_patient, make_user

# The live server stores uploaded photos here (read from the environment when the server starts).
os.environ.setdefault("CLINIC_PHOTO_DIR", tempfile.mkdtemp(prefix="clinic-e2e-photos-"))


def _jpeg(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def _world():
    from tests.consents.factories import make_consent, make_photo_consent
    from tests.treatments.factories import exosome_product, make_lot, procedure

    derm = make_user("dermatologist", full_name="Dr. Journey")
    patient = make_patient(
        first_name="Ivy",
        last_name="Isotretinoin",
        history={"isotretinoin": "stopped", "isotretinoin_stopped_on": date.today() - timedelta(days=60)},
    )
    make_lot(exosome_product(), lot_number="E2E-LOT-1", quantity=5)
    make_consent(patient, procedure())
    make_photo_consent(patient)
    return derm.email, patient.id


def test_dermatologist_checks_in_overrides_logs_signs_and_amends(page, seed):
    email, patient_id = seed(_world)
    log_in(page, email, PASSWORD)
    page.goto(f"/patients/{patient_id}")
    page.get_by_role("link", name="Start a session", exact=True).click()

    page.get_by_label("Procedure").select_option(label="Microneedling + topical exosome")
    page.get_by_label("DP Derm Exo-Skin Exosome Therapy").check()
    page.get_by_label("I re-confirmed the medical history answers with the patient today").check()
    page.get_by_role("button", name="Run the pre-check").click()

    page.get_by_text("Warning: Isotretinoin now or within the window.").wait_for()
    assert page.get_by_text("Write why you proceed").count() == 0  # no error for a field just shown
    assert axe_violations(page) == []
    page.get_by_label("Override reason: Isotretinoin now or within the window").fill(
        "Stopped 2 months ago; non-ablative, ASDS 2017 consensus."
    )
    page.get_by_role("button", name="Start the session").click()
    page.get_by_text("Pre-check passed. The session is open as a draft.").wait_for()

    assert axe_violations(page) == []
    started = page.get_by_label("Started").input_value()
    page.get_by_label("Ended").fill(started)
    page.get_by_label("Device").fill("Dermapen 4")
    page.get_by_label("Passes, area 1", exact=True).fill("3")
    page.get_by_label("Area 1", exact=True).fill("Cheeks")
    page.get_by_label("Needle depth (mm), area 1", exact=True).fill("1.5")
    page.get_by_role("button", name="Add an area row").click()  # a plain submit: works without JavaScript
    page.get_by_label("Area 2", exact=True).wait_for()
    assert page.get_by_label("Area 1", exact=True).input_value() == "Cheeks"
    assert page.get_by_label("Needle depth (mm), area 1", exact=True).input_value() == "1.5"
    page.get_by_label("Product 1", exact=True).select_option(label="DP Derm Exo-Skin Exosome Therapy")
    page.get_by_label("Lot number, product 1", exact=True).fill("E2E-LOT-1")
    page.get_by_label("Volume (ml), product 1", exact=True).fill("2.5")
    page.get_by_role("button", name="Save draft").click()

    page.get_by_text("Session saved.").wait_for()
    page.get_by_text("Override: Stopped 2 months ago").wait_for()
    page.get_by_text("lot E2E-LOT-1").wait_for()
    for phase, colour in (("Before", (190, 140, 120)), ("After", (200, 160, 140))):
        page.get_by_label("Standard view").select_option(label="Face, front")
        page.get_by_label("Before or after").select_option(label=phase)
        page.get_by_label("Photo (JPEG, PNG or WebP, up to 10 MB)").set_input_files(
            {"name": f"{phase.lower()}.jpg", "mimeType": "image/jpeg", "buffer": _jpeg(colour)}
        )
        page.get_by_role("button", name="Upload photo").click()
        page.get_by_text("Photo added.").wait_for()
    assert page.get_by_role("img", name="Face, front, after").count() == 1
    page.get_by_role("button", name="Sign session").click()
    page.get_by_text("Session signed.").wait_for()
    page.get_by_text("verified").wait_for()
    assert page.get_by_role("link", name="Edit the record").count() == 0

    page.get_by_label("Field to correct").select_option(label="Notes")
    page.get_by_label("Corrected value").fill("Pinpoint bleeding resolved within 10 minutes.")
    page.get_by_label("Reason for the correction").fill("Added after the post-treatment check")
    page.get_by_role("button", name="Add amendment").click()
    page.get_by_text("Amendment added.").wait_for()
    page.get_by_text("Pinpoint bleeding resolved within 10 minutes.").wait_for()
    page.get_by_text("Reason: Added after the post-treatment check").wait_for()

    assert axe_violations(page) == []
    page.get_by_role("link", name="All treatments of Ivy Isotretinoin").click()
    page.get_by_label("Scale").select_option(label="Investigator Global Assessment")
    page.get_by_label("Value").fill("2")
    page.get_by_role("button", name="Record score").click()
    page.get_by_text("Score recorded.").wait_for()
    page.get_by_role("img", name="Investigator Global Assessment over time").wait_for()
    assert axe_violations(page) == []


def test_consent_is_signed_on_the_tablet_with_a_drawn_signature(page, seed):
    def world():
        from tests.treatments.factories import catalog

        catalog()
        return make_user("aesthetician").email, make_patient(first_name="Tab", last_name="Let").id

    email, patient_id = seed(world)
    log_in(page, email, PASSWORD)
    page.goto(f"/patients/{patient_id}/consents")
    page.get_by_role("link", name="Consent: Microneedling + topical exosome").click()
    page.get_by_text("there are no FDA-approved exosome products").wait_for()
    assert axe_violations(page) == []
    page.get_by_label("The patient has read this consent and agrees to it").check()
    page.get_by_label("Full name of the signer (typed)").fill("Tab Let")
    page.get_by_label("Draw the signature").check()
    page.get_by_role("button", name="Sign consent").click()
    page.get_by_text("The signature is empty").wait_for()  # refused by the server, nothing stored

    page.get_by_label("The patient has read this consent and agrees to it").check()
    page.locator("#signature-pad").scroll_into_view_if_needed()
    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 60)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 30 + step * 25, box["y"] + 60 + (step % 3) * 20)
    page.mouse.up()
    page.get_by_role("button", name="Sign consent").click()
    page.get_by_text("Consent: Microneedling + topical exosome signed.").wait_for()
    page.get_by_role("cell", name="valid until").wait_for()


def _demo_patient():
    """Seed the demo clinic; pick a consented demo patient who stopped isotretinoin within 6 months."""
    import sqlalchemy as sa
    from dateutil.relativedelta import relativedelta

    from clinic.catalog.rules import hard_stops
    from clinic.clinics.models import Clinic
    from clinic.consents.models import Consent
    from clinic.demo import CLINIC_NAME, seed
    from clinic.extensions import db
    from clinic.patients.models import MedicalHistory, Patient
    from clinic.treatments.precheck import screen

    seed()
    db.session.flush()
    clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == CLINIC_NAME))
    candidates = db.session.scalars(
        sa.select(Patient)
        .join(MedicalHistory)
        .where(
            MedicalHistory.isotretinoin == "stopped",
            MedicalHistory.isotretinoin_stopped_on > date.today() - relativedelta(months=6),
            Patient.clinic_id == clinic.id,
            Patient.id.in_(sa.select(Consent.patient_id)),
        )
        .order_by(Patient.id)
    ).all()
    patient = next(p for p in candidates if not hard_stops(screen(p, [], date.today())))
    return patient.id


def test_the_journey_works_on_the_demo_data(page, seed):
    from clinic.demo import DEMO_PASSWORD

    patient_id = seed(_demo_patient)
    log_in(page, "dr.chen@lumen.example", DEMO_PASSWORD)
    page.goto(f"/patients/{patient_id}")
    page.get_by_role("link", name="Start a session", exact=True).click()
    page.get_by_label("Procedure").select_option(label="Microneedling + topical exosome")
    page.get_by_label("I re-confirmed the medical history answers with the patient today").check()
    page.get_by_role("button", name="Run the pre-check").click()
    page.get_by_text("Warning: Isotretinoin now or within the window.").wait_for()
    reasons = page.get_by_label("Override reason:")
    for index in range(reasons.count()):
        reasons.nth(index).fill("Discussed with the patient; conservative settings.")
    page.get_by_role("button", name="Start the session").click()
    page.get_by_text("Pre-check passed. The session is open as a draft.").wait_for()
    page.get_by_label("Ended").fill(page.get_by_label("Started").input_value())
    page.get_by_label("Area 1", exact=True).fill("Full face")
    page.get_by_label("Needle depth (mm), area 1", exact=True).fill("1.0")
    page.get_by_label("Product 1", exact=True).select_option(label="DP Derm Exo-Skin Exosome Therapy")
    page.get_by_label("Lot number, product 1", exact=True).fill("DPX-2026-0412")
    page.get_by_label("Volume (ml), product 1", exact=True).fill("2")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Session saved.").wait_for()
    page.get_by_role("button", name="Sign session").click()
    page.get_by_text("Session signed.").wait_for()
    page.get_by_text("verified").wait_for()


def _todays_appointment():
    from clinic.db import now_utc
    from tests.consents.factories import make_consent
    from tests.factories import default_clinic, make_clinic
    from tests.treatments.factories import catalog, exosome_product, make_appointment, make_lot, procedure

    default_clinic()  # exists first, so the other journeys keep using it
    clinic = catalog(make_clinic("Appointment Journey Clinic"))  # its own clinic: other journeys' schedules stay
    derm = make_user("dermatologist", clinic=clinic, full_name="Dr. Schedule")
    patient = make_patient(clinic, first_name="Ada", last_name="Appointment")
    make_lot(exosome_product(clinic), lot_number="E2E-LOT-APPT", quantity=5)
    make_consent(patient, procedure(clinic=clinic))
    appointment = make_appointment(patient, derm, starts_at=now_utc(), status="checked_in")
    return derm.email, appointment.id


def test_dermatologist_starts_a_session_from_todays_appointment_and_signing_completes_it(page, seed):
    email, appointment_id = seed(_todays_appointment)
    log_in(page, email, PASSWORD)
    page.goto("/schedule/day")
    page.locator(f'a[data-appointment="{appointment_id}"]').click()  # the calendar card opens the appointment
    page.get_by_role("link", name="Start session").click()

    page.get_by_text("From the appointment of").wait_for()
    assert page.get_by_label("Procedure").input_value() == page.get_by_label("Procedure").locator(
        "option", has_text="Microneedling + topical exosome"
    ).get_attribute("value")
    assert axe_violations(page) == []
    page.get_by_label("I re-confirmed the medical history answers with the patient today").check()
    page.get_by_role("button", name="Run the pre-check").click()
    page.get_by_text("Pre-check passed. The session is open as a draft.").wait_for()

    page.get_by_label("Ended").fill(page.get_by_label("Started").input_value())
    page.get_by_label("Area 1", exact=True).fill("Cheeks")
    page.get_by_label("Needle depth (mm), area 1", exact=True).fill("1.0")
    page.get_by_label("Product 1", exact=True).select_option(label="DP Derm Exo-Skin Exosome Therapy")
    page.get_by_label("Lot number, product 1", exact=True).fill("E2E-LOT-APPT")
    page.get_by_label("Volume (ml), product 1", exact=True).fill("2")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Session saved.").wait_for()
    page.get_by_role("button", name="Sign session").click()
    page.get_by_text("Session signed.").wait_for()

    page.goto(f"/schedule/appointments/{appointment_id}")
    page.get_by_text("Completed", exact=True).wait_for()
    assert page.get_by_role("link", name="Open the treatment session").count() == 1
    assert page.get_by_role("link", name="Start session").count() == 0
    assert axe_violations(page) == []
