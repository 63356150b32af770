"""Patient rules without HTTP: search variants, sorting, stale edits, archiving, history, portal invites."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from clinic.extensions import db
from clinic.patients import services
from clinic.patients.models import Patient
from clinic.patients.search import ListQuery, patient_list_query
from clinic.patients.services import HistoryAnswers, PatientDetails, StaleEdit
from tests.factories import default_clinic, make_clinic, make_patient, make_user


def found(q: str = "", **kwargs) -> list[str]:
    query = ListQuery(q=q, **kwargs)
    return [p.last_name for p in db.session.scalars(patient_list_query(default_clinic().id, query))]


@pytest.fixture
def people(app):
    make_patient(
        first_name="Ana",
        last_name="Smith",
        date_of_birth=date(1985, 5, 17),
        phone="(555) 010-2233",
        email="ana.smith@example.test",
    )
    make_patient(
        first_name="Bob",
        last_name="Anaya",
        date_of_birth=date(1990, 1, 2),
        phone="+1 555 777 8899",
        email="bob@other.test",
    )
    make_patient(first_name="Carla", last_name="Smithers", date_of_birth=date(1970, 12, 31), phone=None, email=None)
    make_patient(first_name="Mary Ann", last_name="Lopez-Jones", date_of_birth=date(1966, 6, 6))
    make_patient(make_clinic("Elsewhere"), first_name="Ana", last_name="Smith-Other")
    db.session.flush()


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("smith", ["Smith", "Smithers"]),
        ("SMI", ["Smith", "Smithers"]),
        ("ana", ["Anaya", "Smith"]),  # first name Ana, last name Anaya
        ("ana smith", ["Smith"]),
        ("Smith, Ana", ["Smith"]),
        ("carla smithers", ["Smithers"]),
        ("1985-05-17", ["Smith"]),
        ("05/17/1985", ["Smith"]),
        ("12/31/1970", ["Smithers"]),
        ("5550102233", ["Smith"]),
        ("(555) 010-2233", ["Smith"]),
        ("777-8899", ["Anaya"]),
        ("ana.smith@example.test", ["Smith"]),
        ("@other.test", ["Anaya"]),
        ("jones", ["Lopez-Jones"]),
        ("mary ann lopez", ["Lopez-Jones"]),
        ("ann", ["Lopez-Jones"]),
        ("zebra", []),
        ("%", []),
        ("_", []),
    ],
)
def test_search_variants(people, q, expected):
    assert found(q) == expected


def test_search_by_record_number(people):
    patient = db.session.scalar(sa.select(Patient).where(Patient.last_name == "Anaya"))
    assert found(patient.record_number) == ["Anaya"]
    assert found(patient.record_number.lower()) == ["Anaya"]


def test_search_never_crosses_clinics(people):
    assert "Smith-Other" not in found("ana")


def test_sort_by_allow_listed_columns(people):
    assert found(sort="name") == ["Anaya", "Lopez-Jones", "Smith", "Smithers"]
    assert found(sort="name", direction="desc") == ["Smithers", "Smith", "Lopez-Jones", "Anaya"]
    assert found(sort="dob") == ["Lopez-Jones", "Smithers", "Smith", "Anaya"]
    assert found(sort="dob", direction="desc") == ["Anaya", "Smith", "Smithers", "Lopez-Jones"]
    by_record = sorted(
        db.session.scalars(sa.select(Patient).where(Patient.clinic_id == default_clinic().id)),
        key=lambda p: p.record_number,
    )
    assert found(sort="record") == [p.last_name for p in by_record]


def test_unknown_sort_and_direction_fall_back_to_default():
    query = ListQuery.from_args({"sort": "password_hash", "dir": "sideways; drop table patient"})
    assert (query.sort, query.direction) == ("name", "asc")
    assert ListQuery.from_args({"sort": "dob", "dir": "desc"}).sort == "dob"


def test_archived_patients_hidden_unless_asked(people):
    smith = db.session.scalar(sa.select(Patient).where(Patient.last_name == "Smith"))
    services.archive_patient(smith, "moved away")
    assert smith.archived_at is not None and smith.archived_reason == "moved away"
    assert found("smith") == ["Smithers"]
    assert found("smith", archived=True) == ["Smith", "Smithers"]
    services.unarchive_patient(smith)
    assert smith.archived_at is None and smith.archived_reason is None
    assert found("smith") == ["Smith", "Smithers"]


def _details(patient: Patient, **changes) -> PatientDetails:
    values = dict(
        first_name=patient.first_name,
        last_name=patient.last_name,
        date_of_birth=patient.date_of_birth,
        timezone=patient.timezone,
        concerns=patient.concerns,
    )
    values.update(changes)
    return PatientDetails(**values)


def test_update_bumps_version_and_refuses_stale_copy(app):
    patient = make_patient(first_name="Dana")
    loaded = patient.version
    services.update_patient(patient, _details(patient, first_name="Dina"), loaded_version=loaded)
    db.session.commit()
    assert patient.version == loaded + 1
    with pytest.raises(StaleEdit):
        services.update_patient(patient, _details(patient, first_name="Dora"), loaded_version=loaded)
    db.session.rollback()
    assert db.session.get(Patient, patient.id).first_name == "Dina"


def test_changing_only_concerns_still_bumps_version(app):
    patient = make_patient(concerns=["aging"])
    db.session.commit()
    before = patient.version
    services.update_patient(patient, _details(patient, concerns=["aging", "rosacea"]), loaded_version=before)
    db.session.commit()
    assert patient.version == before + 1
    assert patient.concerns == ["aging", "rosacea"]


def test_concurrent_writer_is_caught_at_flush(app):
    """Another transaction saved between our load and our write: the versioned UPDATE matches no row."""
    patient = make_patient(first_name="Eve")
    db.session.commit()
    loaded = patient.version
    with db.engine.begin() as other:
        other.execute(
            sa.text("UPDATE patient SET version = version + 1, first_name = 'Eva' WHERE id = :id"), {"id": patient.id}
        )
    with pytest.raises(StaleDataError):
        services.update_patient(patient, _details(patient, first_name="Evie"), loaded_version=loaded)
    db.session.rollback()
    assert db.session.get(Patient, patient.id).first_name == "Eva"


def test_save_history_creates_then_versions_and_confirms(app):
    patient = make_patient()
    db.session.delete(patient.history)
    db.session.flush()
    db.session.expire(patient)
    assert services.history_version(patient) == 0
    staff = make_user("dermatologist")
    history = services.save_history(
        patient,
        HistoryAnswers(isotretinoin="stopped", isotretinoin_stopped_on=date(2025, 1, 1), hsv_history=True),
        loaded_version=0,
        confirmed_by=staff,
    )
    db.session.commit()
    assert history.confirmed_by_id == staff.id and history.confirmed_at is not None
    assert services.history_flags(history) == {"isotretinoin", "hsv_history"}
    with pytest.raises(StaleEdit):
        services.save_history(patient, HistoryAnswers(), loaded_version=0)
    db.session.rollback()
    version = services.history_version(patient)
    history = services.save_history(
        patient,
        HistoryAnswers(
            hsv_history=False, hsv_prophylaxis=True, isotretinoin="never", isotretinoin_stopped_on=date(2025, 1, 1)
        ),
        loaded_version=version,
    )
    db.session.commit()
    assert history.version == version + 1
    assert history.isotretinoin_stopped_on is None and history.hsv_prophylaxis is False
    assert services.history_flags(history) == set()


def test_invite_requires_email_and_unique_account(app):
    no_email = make_patient(email=None)
    with pytest.raises(services.PortalInviteError, match="e-mail"):
        services.invite_to_portal(no_email)
    make_user("aesthetician", email="taken@example.test")
    clash = make_patient(email="Taken@Example.test")
    with pytest.raises(services.PortalInviteError, match="already exists"):
        services.invite_to_portal(clash)


def test_archived_patient_is_not_invited(app):
    patient = make_patient()
    services.archive_patient(patient, "moved")
    with pytest.raises(services.PortalInviteError, match="archived"):
        services.invite_to_portal(patient)


def test_invite_creates_patient_account_and_resend_reuses_it(app):
    patient = make_patient(email="new.patient@example.test")
    account = services.invite_to_portal(patient)
    assert (account.role, account.patient_id, account.password_hash) == ("patient", patient.id, None)
    assert services.portal_status(account) == "invited"
    assert services.invite_to_portal(patient).id == account.id
    account.password_hash = "set"
    assert services.portal_status(account) == "active"
    with pytest.raises(services.PortalInviteError, match="already has"):
        services.invite_to_portal(patient)
