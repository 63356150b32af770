"""Aftercare check-ins: red flags at their edges, the urgent inbox item and the call-the-clinic message,
one answer per procedure and day (also under a race), the photo, the chart and the photo comparison, and
who may see what."""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from PIL import Image

from clinic.audit.models import AuditEvent
from clinic.auth.models import User
from clinic.checkins import services
from clinic.checkins.models import Checkin, CheckinSettings
from clinic.checkins.services import Answers, red_flags, submit_checkin
from clinic.checkins.settings import checkin_settings, save_checkin_settings
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.photos.models import Photo
from clinic.routines.aftercare import apply_aftercare
from clinic.routines.models import AftercareRecord
from clinic.routines.problems import ProblemReport
from clinic.validation import Invalid
from tests.factories import make_clinic, make_patient, make_user
from tests.routines.factories import make_routine, procedure

PHONE = "+1 555 0100"


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "CLINIC_PHOTO_DIR": str(tmp_path / "photos")}


def _answers(**overrides) -> Answers:
    return Answers(**{"redness": 3, "swelling": 2, "pain": 2, "itch": 1, **overrides})


def _treated(days_ago: int = 3):
    """A patient treated `days_ago` days ago by their dermatologist, another dermatologist on call."""
    patient = make_patient(last_name="Checkin")
    clinic = db.session.get(Clinic, patient.clinic_id)
    clinic.phone = PHONE
    make_user("dermatologist")  # the on-call dermatologist, not the treating one
    treating = make_user("dermatologist", full_name="Dr Treating")
    make_routine(patient, [])
    record_ = apply_aftercare(
        patient, procedure(patient.clinic_id), datetime.now(UTC) - timedelta(days=days_ago, minutes=5), user=treating
    )
    patient_user = make_user("patient", patient=patient)
    db.session.commit()
    return patient, record_, treating, patient_user


def _form(**overrides) -> dict:
    return {
        "redness": "3",
        "swelling": "2",
        "pain": "2",
        "itch": "1",
        "fever": "no",
        "pus": "no",
        "spreading_redness": "no",
        "note": "",
        "view": "face_front",
        **overrides,
    }


# --- the rule at its edges -------------------------------------------------------------------------------


@pytest.mark.parametrize(("pain", "flagged"), [(6, False), (7, True), (10, True)])
def test_pain_of_7_or_more_is_a_red_flag(pain, flagged):
    assert ("pain" in red_flags(_answers(pain=pain), 1, None, red_flag_pain=7)) is flagged


@pytest.mark.parametrize("sign", ["fever", "pus", "spreading_redness"])
def test_each_sign_is_a_red_flag(sign):
    assert red_flags(_answers(**{sign: True}), 1, None, red_flag_pain=7) == [sign]
    assert red_flags(_answers(), 1, None, red_flag_pain=7) == []


def _previous(total_parts=(3, 2, 2, 1)) -> Checkin:
    redness, swelling, pain, itch = total_parts
    return Checkin(redness=redness, swelling=swelling, pain=pain, itch=itch)


@pytest.mark.parametrize("day", [3, 7])
def test_worse_than_the_previous_check_in_on_day_3_or_7(day):
    previous = _previous()  # total 8
    assert red_flags(_answers(itch=2), day, previous, red_flag_pain=7) == ["worse"]  # total 9
    assert red_flags(_answers(), day, previous, red_flag_pain=7) == []  # the same
    assert red_flags(_answers(redness=2, itch=2), day, previous, red_flag_pain=7) == []  # one better, one worse


def test_day_1_has_nothing_to_be_worse_than():
    assert red_flags(_answers(itch=5), 1, None, red_flag_pain=7) == []
    assert red_flags(_answers(itch=5), 3, None, red_flag_pain=7) == []  # day 1 not answered: no comparison


# --- the patient's journey over HTTP ---------------------------------------------------------------------


def test_day_3_pain_8_tells_the_patient_to_call_and_reaches_the_treating_dermatologist(login_as, mailbox):
    patient, record_, treating, patient_user = _treated(days_ago=3)
    portal, _ = login_as("patient", user=patient_user)
    listing = portal.get("/portal/checkins")
    assert listing.status_code == 200 and f"/portal/checkins/{record_.id}/day/3" in listing.text
    url = f"/portal/checkins/{record_.id}/day/3"
    assert portal.get(url).status_code == 200
    sent = portal.post(url, data=_form(pain="8", note="Throbbing since last night"))
    assert sent.status_code == 302 and sent.location.endswith(url)
    page = portal.get(url).text
    assert 'id="call-clinic"' in page and PHONE in page and 'href="tel:+15550100"' in page

    checkin = db.session.scalar(sa.select(Checkin))
    assert checkin.red_flags == "pain" and checkin.pain == 8
    report = db.session.get(ProblemReport, checkin.problem_report_id)
    assert report.urgent and report.dermatologist_id == treating.id
    assert "RED FLAG" in report.message and "pain 8" in report.message and "Throbbing" in report.message

    derm, _ = login_as("dermatologist", user=treating)
    inbox = derm.get("/routines/inbox").text
    assert "Urgent" in inbox and f"/routines/problems/{report.id}" in inbox
    chart = derm.get(f"/patients/{patient.id}").text
    assert "Aftercare check-ins" in chart and "Red flag: pain" in chart


def test_a_calm_answer_files_nothing_and_thanks_the_patient(login_as):
    _patient, record_, _treating, patient_user = _treated(days_ago=1)
    portal, _ = login_as("patient", user=patient_user)
    url = f"/portal/checkins/{record_.id}/day/1"
    assert portal.post(url, data=_form(pain="6")).status_code == 302
    page = portal.get(url).text
    assert 'id="checkin-thanks"' in page and 'id="call-clinic"' not in page
    assert db.session.scalar(sa.select(sa.func.count(ProblemReport.id))) == 0


def test_worse_on_day_3_than_day_1_is_flagged_over_http(login_as):
    _patient, record_, _treating, patient_user = _treated(days_ago=3)
    portal, _ = login_as("patient", user=patient_user)
    assert portal.post(f"/portal/checkins/{record_.id}/day/1", data=_form()).status_code == 302
    assert portal.post(f"/portal/checkins/{record_.id}/day/3", data=_form(swelling="3")).status_code == 302
    day3 = db.session.scalar(sa.select(Checkin).where(Checkin.day == 3))
    assert day3.red_flags == "worse" and day3.problem_report_id is not None


def test_out_of_range_scores_are_refused_beside_the_field(login_as):
    _patient, record_, _treating, patient_user = _treated(days_ago=1)
    portal, _ = login_as("patient", user=patient_user)
    response = portal.post(f"/portal/checkins/{record_.id}/day/1", data=_form(pain="11"))
    assert response.status_code == 422 and 'id="pain-error"' in response.text
    assert db.session.scalar(sa.select(sa.func.count(Checkin.id))) == 0


def test_a_check_in_not_yet_due_is_not_open(login_as):
    _patient, record_, _treating, patient_user = _treated(days_ago=1)
    portal, _ = login_as("patient", user=patient_user)
    response = portal.post(f"/portal/checkins/{record_.id}/day/3", data=_form())
    assert response.status_code == 302 and response.location.endswith("/portal/checkins")
    assert db.session.scalar(sa.select(sa.func.count(Checkin.id))) == 0


def test_answered_twice_in_two_tabs_keeps_the_first_answer(login_as):
    _patient, record_, _treating, patient_user = _treated(days_ago=3)
    tab1, _ = login_as("patient", user=patient_user)
    url = f"/portal/checkins/{record_.id}/day/3"
    form_token = tab1.csrf_token()
    tab1.post(url, data={**_form(pain="8"), "csrf_token": form_token})
    tab1.post(url, data={**_form(pain="1"), "csrf_token": form_token})
    (checkin,) = db.session.scalars(sa.select(Checkin)).all()
    assert checkin.pain == 8
    assert db.session.scalar(sa.select(sa.func.count(ProblemReport.id))) == 1


def test_a_race_between_two_answers_keeps_one(app):
    """Two requests answer at the same moment: both pass the "already answered?" check, one insert wins,
    the other returns the winner; one check-in and one urgent report."""
    patient, record_, _treating, patient_user = _treated(days_ago=3)
    ids = (patient.id, record_.id, patient_user.id)
    barrier = threading.Barrier(2)
    results, errors = [], []
    original = services.find_checkin
    seen = threading.local()

    def find_after_both_checked(aftercare_id, day):
        found = original(aftercare_id, day)
        if not getattr(seen, "checked", False):
            seen.checked = True
            barrier.wait(timeout=10)  # both have looked and found nothing
        return found

    def answer(pain: int) -> None:
        with app.app_context():
            try:
                checkin, created = services.submit_checkin(
                    db.session.get(Patient, ids[0]),
                    db.session.get(AftercareRecord, ids[1]),
                    3,
                    _answers(pain=pain),
                    by=db.session.get(User, ids[2]),
                    now=datetime.now(UTC),
                )
                results.append((checkin.id, created))
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    services.find_checkin = find_after_both_checked
    try:
        threads = [threading.Thread(target=answer, args=(pain,)) for pain in (8, 9)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        services.find_checkin = original
    assert not errors, errors
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Checkin.id))) == 1
    assert sorted(created for _, created in results) == [False, True]
    assert len({checkin_id for checkin_id, _ in results}) == 1
    assert db.session.scalar(sa.select(sa.func.count(ProblemReport.id))) == 1


def _jpeg() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 150, 120))
    exif = Image.Exif()
    exif[0x010E] = "secret description"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"secret comment")
    return out.getvalue()


def test_the_photo_is_stored_clean_and_shows_in_the_comparison_with_the_answers(login_as, app):
    patient, record_, treating, patient_user = _treated(days_ago=1)
    portal, _ = login_as("patient", user=patient_user)
    url = f"/portal/checkins/{record_.id}/day/1"
    data = {**_form(fever="yes"), "photo": (io.BytesIO(_jpeg()), "cheek.jpg")}
    assert portal.post(url, data=data, content_type="multipart/form-data").status_code == 302
    checkin = db.session.scalar(sa.select(Checkin))
    photo = db.session.get(Photo, checkin.photo_id)
    assert photo.patient_id == patient.id and photo.session_id is None and photo.phase == "after"
    stored = (app.config["CLINIC_PHOTO_DIR"] + "/" + photo.storage_name).encode()
    with open(stored, "rb") as handle:
        raw = handle.read()
    assert b"secret" not in raw
    assert portal.get(f"/portal/photos/{photo.id}").status_code == 200  # the patient's own photo

    derm, _ = login_as("dermatologist", user=treating)
    compare = derm.get(f"/patients/{patient.id}/photos").text
    assert "Check-in day 1: redness 3" in compare and "fever" in compare and "RED FLAG" in compare


def test_a_bad_photo_is_refused_and_nothing_is_stored(login_as):
    _patient, record_, _treating, patient_user = _treated(days_ago=1)
    portal, _ = login_as("patient", user=patient_user)
    data = {**_form(), "photo": (io.BytesIO(b"not an image"), "cheek.jpg")}
    response = portal.post(f"/portal/checkins/{record_.id}/day/1", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and 'id="photo-error"' in response.text
    assert db.session.scalar(sa.select(sa.func.count(Checkin.id))) == 0


# --- wrong patient, wrong role ---------------------------------------------------------------------------


def test_another_patient_cannot_see_or_answer_the_check_in(login_as):
    _patient, record_, _treating, _patient_user = _treated(days_ago=3)
    other, _ = login_as("patient")
    url = f"/portal/checkins/{record_.id}/day/3"
    assert other.get(url).status_code == 404
    assert other.post(url, data=_form(pain="9")).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Checkin.id))) == 0


def test_staff_cannot_answer_for_the_patient(login_as):
    _patient, record_, treating, _patient_user = _treated(days_ago=3)
    derm, _ = login_as("dermatologist", user=treating)
    assert derm.post(f"/portal/checkins/{record_.id}/day/3", data=_form()).status_code == 403


def test_the_service_refuses_a_day_without_a_check_in(app):
    patient, record_, _treating, patient_user = _treated(days_ago=3)
    with pytest.raises(Invalid):
        submit_checkin(patient, record_, 2, _answers(), by=patient_user, now=datetime.now(UTC))


def test_check_in_days_are_the_patients_local_days_across_the_dst_change(app, time_machine):
    """Treated on Sat 31 Oct 2026 at 22:30 New York time (EDT); clocks go back on Sun 1 Nov. Day 3 opens on
    Tue 3 Nov at local midnight (EST), not at UTC midnight and not an hour off."""
    time_machine.move_to(datetime(2026, 11, 1, 2, 30, tzinfo=UTC))  # 31 Oct 22:30 EDT
    patient, record_, _treating, patient_user = _treated(days_ago=0)
    assert record_.session_ended_at.astimezone(ZoneInfo("America/New_York")).date() == date(2026, 10, 31)
    time_machine.move_to(datetime(2026, 11, 3, 4, 59, tzinfo=UTC))  # Mon 2 Nov 23:59 EST
    with pytest.raises(Invalid):
        submit_checkin(patient, record_, 3, _answers(), by=patient_user, now=datetime.now(UTC))
    time_machine.move_to(datetime(2026, 11, 3, 5, 0, tzinfo=UTC))  # Tue 3 Nov 00:00 EST
    checkin, created = submit_checkin(patient, record_, 3, _answers(), by=patient_user, now=datetime.now(UTC))
    assert created and checkin.day == 3


# --- the clinic's settings: red-flag pain and answer window ---------------------------------------------


def _settings_form(**overrides) -> dict:
    return {
        "lot_cluster_events": "2",
        "lot_cluster_days": "30",
        "rate_window_days": "90",
        "rate_multiplier": "2",
        "checkin_red_flag_pain": "7",
        "checkin_open_days": "14",
        "recall_notice": "",
        **overrides,
    }


def _settings_audits() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.detail).where(AuditEvent.action == "checkin.settings")))


def test_the_defaults_are_domain_md_and_reading_them_writes_nothing(app):
    patient, _record, _treating, _patient_user = _treated(days_ago=1)
    settings = checkin_settings(patient.clinic_id)
    assert (settings.red_flag_pain, settings.open_days) == (7, 14)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckinSettings)) == 0


def test_admin_lowers_the_threshold_to_6_on_the_safety_settings_page_audited(login_as):
    patient, _record, _treating, _patient_user = _treated(days_ago=1)
    client, _admin = login_as("admin")
    page = client.get("/safety/settings").text
    assert 'name="checkin_red_flag_pain"' in page and 'value="7"' in page and 'value="14"' in page
    response = client.post("/safety/settings", data=_settings_form(checkin_red_flag_pain="6", checkin_open_days="10"))
    assert response.status_code == 302
    db.session.expire_all()
    settings = checkin_settings(patient.clinic_id)
    assert (settings.red_flag_pain, settings.open_days) == (6, 10)
    assert _settings_audits() == ["red-flag pain 7 -> 6, open 14 -> 10 days"]
    assert 'value="6"' in client.get("/safety/settings").text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("checkin_red_flag_pain", "3"),
        ("checkin_red_flag_pain", "11"),
        ("checkin_red_flag_pain", ""),
        ("checkin_open_days", "6"),
        ("checkin_open_days", "31"),
    ],
)
def test_out_of_range_settings_are_refused_beside_the_field(login_as, field, value):
    patient, _record, _treating, _patient_user = _treated(days_ago=1)
    client, _admin = login_as("admin")
    response = client.post("/safety/settings", data=_settings_form(**{field: value}))
    assert response.status_code == 422 and f'id="{field}-error"' in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckinSettings)) == 0
    assert _settings_audits() == []


@pytest.mark.parametrize(("pain", "days"), [(4, 7), (10, 30)])
def test_the_edges_of_the_ranges_are_accepted(login_as, pain, days):
    patient, _record, _treating, _patient_user = _treated(days_ago=1)
    client, _admin = login_as("admin")
    data = _settings_form(checkin_red_flag_pain=str(pain), checkin_open_days=str(days))
    assert client.post("/safety/settings", data=data).status_code == 302
    db.session.expire_all()
    settings = checkin_settings(patient.clinic_id)
    assert (settings.red_flag_pain, settings.open_days) == (pain, days)


def test_the_service_refuses_out_of_range_values_too(app):
    patient, _record, _treating, admin = _treated(days_ago=1)
    with pytest.raises(Invalid) as error:
        save_checkin_settings(patient.clinic_id, red_flag_pain=3, open_days=6, by=admin)
    assert set(error.value.problems) == {"red_flag_pain", "open_days"}


@pytest.mark.parametrize("role", ["dermatologist", "aesthetician", "patient"])
def test_only_an_admin_changes_the_check_in_settings(login_as, role):
    patient, _record, _treating, _patient_user = _treated(days_ago=1)
    client, _ = login_as(role)
    assert client.get("/safety/settings").status_code == 403
    response = client.post("/safety/settings", data=_settings_form(checkin_red_flag_pain="5"))
    assert response.status_code == 403
    assert checkin_settings(patient.clinic_id).red_flag_pain == 7
    assert _settings_audits() == []


def test_settings_are_per_clinic(login_as):
    patient, record_, _treating, patient_user = _treated(days_ago=1)
    elsewhere, _ = login_as(user=make_user("admin", clinic=make_clinic("Elsewhere")))
    assert elsewhere.post("/safety/settings", data=_settings_form(checkin_red_flag_pain="4")).status_code == 302
    assert checkin_settings(patient.clinic_id).red_flag_pain == 7
    checkin, _created = submit_checkin(patient, record_, 1, _answers(pain=5), by=patient_user, now=datetime.now(UTC))
    assert checkin.red_flags == ""


@pytest.mark.parametrize(("pain", "flagged"), [(5, False), (6, True)])
def test_with_threshold_6_pain_6_is_a_red_flag_and_5_is_not(login_as, pain, flagged):
    patient, record_, treating, patient_user = _treated(days_ago=1)
    checkin_settings(patient.clinic_id, for_update=True).red_flag_pain = 6
    db.session.commit()
    portal, _ = login_as("patient", user=patient_user)
    url = f"/portal/checkins/{record_.id}/day/1"
    assert portal.post(url, data=_form(pain=str(pain))).status_code == 302
    page = portal.get(url).text
    assert ('id="call-clinic"' in page) is flagged
    checkin = db.session.scalar(sa.select(Checkin))
    assert checkin.red_flags == ("pain" if flagged else "")
    report = db.session.get(ProblemReport, checkin.problem_report_id) if flagged else None
    assert db.session.scalar(sa.select(sa.func.count(ProblemReport.id))) == (1 if flagged else 0)
    if flagged:
        assert report.urgent and report.dermatologist_id == treating.id
        assert "pain 6/10, the clinic's red flag is 6 or more" in report.message


def test_the_pure_rule_follows_the_threshold_it_is_given():
    assert red_flags(_answers(pain=6), 1, None, red_flag_pain=6) == ["pain"]
    assert red_flags(_answers(pain=5), 1, None, red_flag_pain=6) == []
    assert red_flags(_answers(pain=9), 1, None, red_flag_pain=10) == []


@pytest.mark.parametrize(("days_ago", "open_days", "still_open"), [(7, 7, True), (8, 7, False), (8, 14, True)])
def test_the_answer_window_follows_the_setting_at_its_edge(app, days_ago, open_days, still_open):
    """With a 7-day window the day-7 check-in can be answered on day 7 only; the default keeps it open."""
    patient, record_, _treating, patient_user = _treated(days_ago=days_ago)
    checkin_settings(patient.clinic_id, for_update=True).open_days = open_days
    db.session.commit()
    now = datetime.now(UTC)
    listed = [(due.record.id, due.day) for due in services.checkins_for(patient, now)]
    assert ((record_.id, 7) in listed) is still_open
    if still_open:
        services.check_open(record_, patient, 7, now)
    else:
        with pytest.raises(Invalid) as error:
            services.check_open(record_, patient, 7, now)
        assert error.value.problems == {"day": "This check-in has closed."}
