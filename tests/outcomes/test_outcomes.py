"""The outcomes report against a hand-computed fixture (bands, means, suppression at 4 vs 5 patients), its
CSV, the chart's trend next to adherence, the patient's progress page and the photos staff share."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from PIL import Image

from clinic.extensions import db
from clinic.outcomes.report import outcome_report
from clinic.photos.models import Photo
from clinic.photos.storage import clean, store
from clinic.routines.models import AdherenceLog
from clinic.scheduling.models import Series
from clinic.treatments.models import OutcomeScore
from tests.factories import make_clinic, make_patient, make_user
from tests.routines.factories import make_routine
from tests.scheduling.factories import make_type, procedure, protocol_for
from tests.treatments.factories import make_lot, signed_session

START = date(2026, 1, 1)
AT_3M = date(2026, 4, 1)  # 91 days from START, both ends counted
AT_6M = date(2026, 7, 1)  # 182 days


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "CLINIC_PHOTO_DIR": str(tmp_path / "photos")}


def _score(patient, user, checkpoint: str, on: date, value: int) -> None:
    db.session.add(
        OutcomeScore(
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            scale="cea",
            checkpoint=checkpoint,
            recorded_on=on,
            value=Decimal(value),
            label=str(value),
            recorded_by_id=user.id,
        )
    )


def _patient(clinic, derm, kind_id: int, protocol_id: int, *, ticked_days: int, at_3m: int, at_6m: int | None):
    """A patient on the protocol with a one-step daily routine from START, ticked on the first `ticked_days`
    days; CEA 3 at baseline, `at_3m` at 3 months, `at_6m` at 6 months."""
    patient = make_patient(clinic)
    db.session.add(
        Series(
            clinic_id=clinic.id,
            patient_id=patient.id,
            protocol_id=protocol_id,
            appointment_type_id=kind_id,
            package_sessions=4,
        )
    )
    routine = make_routine(patient, [dict(product="Daily Serum", slot="pm")], starts_on=START)
    step = routine.steps[0]
    db.session.flush()
    for n in range(ticked_days):
        db.session.add(
            AdherenceLog(
                step_id=step.id, patient_id=patient.id, local_date=START + timedelta(days=n), slot="pm", status="done"
            )
        )
    _score(patient, derm, "baseline", START, 3)
    _score(patient, derm, "3m", AT_3M - timedelta(days=7), 4)  # superseded by the later 3-month score
    _score(patient, derm, "3m", AT_3M, at_3m)
    if at_6m is not None:
        _score(patient, derm, "6m", AT_6M, at_6m)
    return patient


def _fixture(high_patients: int):
    """Hand-computed:
    - `high_patients` patients ticked all 91 days to 3 months (100%): 3m CEA 1, 1, 2, 2, 3 → changes
      −2, −2, −1, −1, 0: mean −1.20 with 5 patients; with 4 (1, 1, 2, 2) the cell is suppressed.
      At 6 months the same 91 ticks over 182 days are exactly 50% → the 50–80% band; CEA 0 → change −3.00.
    - 2 patients ticked 40 of 91 days (44%): the "below 50%" cell has 2 patients → suppressed.
    """
    clinic = make_user("admin").clinic
    derm = make_user("dermatologist", clinic=clinic)
    proc = procedure(clinic)
    protocol = protocol_for(proc)
    kind = make_type(clinic)
    values = [1, 1, 2, 2, 3][:high_patients]
    high = [_patient(clinic, derm, kind.id, protocol.id, ticked_days=91, at_3m=v, at_6m=0) for v in values]
    for _ in range(2):
        _patient(clinic, derm, kind.id, protocol.id, ticked_days=40, at_3m=2, at_6m=None)
    db.session.flush()
    return clinic, derm, protocol, high


def _cells(clinic_id: int, kind: str = "protocol") -> dict[tuple[str, str], tuple]:
    return {
        (c.checkpoint, c.band): (c.patients, c.mean_change) for c in outcome_report(clinic_id) if c.cohort_kind == kind
    }


def test_the_report_matches_the_hand_computed_fixture(app):
    clinic, _derm, _protocol, _high = _fixture(5)
    assert _cells(clinic.id) == {
        ("3m", "high"): (5, Decimal("-1.20")),
        ("3m", "low"): (None, None),
        ("6m", "mid"): (5, Decimal("-3.00")),
    }


def test_a_cell_of_4_patients_is_suppressed_and_5_is_shown(app):
    clinic, *_ = _fixture(4)
    cells = _cells(clinic.id)
    assert cells[("3m", "high")] == (None, None)
    assert cells[("6m", "mid")] == (None, None)


def test_exosome_products_are_cohorts_too(app):
    clinic, derm, _protocol, high = _fixture(5)
    lot = make_lot()
    for patient in high:
        signed_session(patient, derm, lot)
    cells = _cells(clinic.id, kind="product")
    assert cells == {("3m", "high"): (5, Decimal("-1.20")), ("6m", "mid"): (5, Decimal("-3.00"))}
    (name,) = {c.cohort_name for c in outcome_report(clinic.id) if c.cohort_kind == "product"}
    assert name == lot.product.name


def test_report_page_and_csv_for_dermatologist_and_admin_only(app, login_as):
    clinic, derm, protocol, _high = _fixture(5)
    db.session.commit()
    client, _ = login_as("dermatologist", user=derm)
    page = client.get("/outcomes").text
    assert protocol.name in page and "-1.20" in page and "(n = 5)" in page and "fewer than 5" in page
    csv = client.get("/outcomes.csv")
    assert csv.mimetype == "text/csv"
    lines = csv.text.splitlines()
    assert lines[0] == "cohort_type,cohort,scale,checkpoint,adherence,patients,mean_change"
    assert f"protocol,{protocol.name},Clinician Erythema Assessment,3 months,above 80%,5,-1.20" in lines
    assert f"protocol,{protocol.name},Clinician Erythema Assessment,3 months,below 50%,fewer than 5," in lines
    admin, _ = login_as("admin", clinic=clinic)
    assert admin.get("/outcomes").status_code == 200
    aesthetician, _ = login_as("aesthetician", clinic=clinic)
    assert aesthetician.get("/outcomes").status_code == 403
    assert aesthetician.get("/outcomes.csv").status_code == 403


def test_another_clinic_sees_none_of_it(app, login_as):
    _fixture(5)
    db.session.commit()
    other_clinic = make_clinic("Elsewhere")
    db.session.commit()
    client, _ = login_as("dermatologist", clinic=other_clinic)
    page = client.get("/outcomes")
    assert page.status_code == 200 and "(n = 5)" not in page.text and "No patient has both" in page.text


def test_chart_shows_scores_by_month_next_to_adherence(app, login_as, time_machine):
    time_machine.move_to("2026-07-15 15:00:00+00:00")
    clinic, derm, _protocol, high = _fixture(5)
    db.session.commit()
    client, _ = login_as("dermatologist", user=derm)
    chart = client.get(f"/patients/{high[0].id}").text
    assert "Outcome scores and home-routine adherence by month" in chart
    assert "Jan 2026" in chart and "Jul 2026" in chart and "100%" in chart  # January: every planned step ticked


def _photo(patient, user, shared: bool) -> Photo:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (1, 2, 3)).save(out, "JPEG")
    cleaned = clean(out.getvalue())
    photo = Photo(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        view="face_front",
        phase="after",
        taken_on=date(2026, 4, 1),
        storage_name=store(cleaned),
        sha256=cleaned.sha256,
        width=cleaned.width,
        height=cleaned.height,
        size_bytes=len(cleaned.data),
        uploaded_by_id=user.id,
        shared_with_patient=shared,
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def test_patient_sees_progress_in_plain_words_and_only_shared_photos(app, login_as):
    clinic, derm, _protocol, high = _fixture(5)
    patient = high[0]
    kept_back = _photo(patient, derm, shared=False)
    db.session.commit()
    staff, _ = login_as("dermatologist", user=derm)
    assert staff.post(f"/photos/{kept_back.id}/share", data={"shared": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Photo, kept_back.id).shared_with_patient
    unshared = _photo(patient, derm, shared=False)
    db.session.commit()

    portal, _ = login_as("patient", patient=patient)
    page = portal.get("/portal/progress").text
    assert "Redness, 0 to 4" in page and "That is better than at the start." in page
    assert f"/portal/photos/{kept_back.id}" in page and f"/portal/photos/{unshared.id}" not in page
    assert portal.get(f"/portal/photos/{kept_back.id}").status_code == 200
    assert portal.get(f"/portal/photos/{unshared.id}").status_code == 404

    other, _ = login_as("patient", patient=high[1])
    assert other.get(f"/portal/photos/{kept_back.id}").status_code == 404
    assert f"/portal/photos/{kept_back.id}" not in other.get("/portal/progress").text


def test_progress_page_in_spanish(app, login_as):
    _clinic, _derm, _protocol, high = _fixture(5)
    high[0].language = "es"
    db.session.commit()
    portal, _ = login_as("patient", patient=high[0])
    page = portal.get("/portal/progress").text
    assert "Mi progreso" in page and "Enrojecimiento, de 0 a 4" in page


def test_aesthetician_may_share_but_another_clinic_may_not(app, login_as):
    clinic, derm, _protocol, high = _fixture(5)
    photo = _photo(high[0], derm, shared=False)
    db.session.commit()
    aesthetician, _ = login_as("aesthetician", clinic=clinic)
    assert aesthetician.post(f"/photos/{photo.id}/share", data={"shared": "1"}).status_code == 302
    elsewhere = make_clinic("Elsewhere")
    db.session.commit()
    outsider, _ = login_as("dermatologist", clinic=elsewhere)
    assert outsider.post(f"/photos/{photo.id}/share", data={"shared": "0"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Photo, photo.id).shared_with_patient
