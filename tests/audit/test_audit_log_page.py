"""The admin's audit log: filters, pagination and clinic scope."""

from datetime import UTC, datetime

import pytest

from clinic.audit.models import AuditEvent
from clinic.extensions import db
from tests.factories import make_clinic, make_patient, make_user


def _event(clinic, action: str, *, when: datetime, user=None, patient=None, outcome="success", detail=None):
    db.session.add(
        AuditEvent(
            clinic_id=clinic.id,
            action=action,
            occurred_at=when,
            outcome=outcome,
            detail=detail,
            user_id=user and user.id,
            user_email=user and user.email,
            role=user and user.role,
            patient_id=patient and patient.id,
        )
    )


@pytest.fixture
def log(app, login_as):
    """An admin of a New York clinic, and events around local midnight of 10/11 March 2026."""
    client, admin = login_as("admin")
    clinic = admin.clinic
    derm = make_user("dermatologist", full_name="Dr Filter")
    patient = make_patient()
    stranger_clinic = make_clinic("Elsewhere")
    _event(
        clinic,
        "patient.view",
        when=datetime(2026, 3, 10, 14, 0, tzinfo=UTC),
        user=derm,
        patient=patient,
        detail="marker-a",
    )
    _event(
        clinic,
        "patient.update",
        when=datetime(2026, 3, 11, 3, 0, tzinfo=UTC),
        user=derm,
        patient=patient,
        detail="marker-b",
    )  # 23:00 on 10 March in New York
    _event(
        clinic,
        "auth.login",
        when=datetime(2026, 3, 11, 15, 0, tzinfo=UTC),
        outcome="failure",
        detail="marker-c",
    )
    _event(stranger_clinic, "patient.view", when=datetime(2026, 3, 10, 15, 0, tzinfo=UTC), detail="marker-x")
    db.session.commit()
    return client, derm, patient


def _markers(html: str) -> set[str]:
    return {m for m in ("marker-a", "marker-b", "marker-c", "marker-x") if m in html}


def test_unfiltered_shows_own_clinic_only(log):
    client, derm, patient = log
    response = client.get("/admin/audit")
    assert response.status_code == 200
    assert _markers(response.text) == {"marker-a", "marker-b", "marker-c"}


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"outcome": "failure"}, {"marker-c"}),
        ({"action": "patient."}, {"marker-a", "marker-b"}),
        ({"action": "patient.view"}, {"marker-a"}),
        ({"action": "patient%"}, set()),
        ({"date_from": "2026-03-10", "date_to": "2026-03-10"}, {"marker-a", "marker-b"}),
        ({"date_from": "2026-03-11"}, {"marker-c"}),
        ({"date_to": "2026-03-09"}, set()),
    ],
)
def test_filters(log, query, expected):
    client, derm, patient = log
    assert _markers(client.get("/admin/audit", query_string=query).text) == expected


def test_filter_by_user_and_patient(log):
    client, derm, patient = log
    assert _markers(client.get("/admin/audit", query_string={"user_id": derm.id}).text) == {
        "marker-a",
        "marker-b",
    }
    by_patient = client.get("/admin/audit", query_string={"patient_id": patient.id, "outcome": "success"})
    assert _markers(by_patient.text) == {"marker-a", "marker-b"}


def test_user_of_another_clinic_is_not_a_choice(log):
    client, derm, patient = log
    stranger = make_user("dermatologist", clinic=make_clinic("Third"))
    db.session.commit()
    response = client.get("/admin/audit", query_string={"user_id": stranger.id})
    assert response.status_code == 400 and "marker-a" not in response.text


def test_invalid_filters_are_shown_beside_the_fields(log):
    client, derm, patient = log
    response = client.get(
        "/admin/audit", query_string={"date_from": "2026-03-12", "date_to": "2026-03-10", "patient_id": "abc"}
    )
    assert response.status_code == 400
    assert 'id="date_to-error"' in response.text and 'id="patient_id-error"' in response.text
    assert 'value="2026-03-12"' in response.text


def test_pagination_keeps_the_filters(app, login_as):
    app.config["AUDIT_EVENTS_PER_PAGE"] = 5
    client, admin = login_as("admin")
    for n in range(12):
        _event(admin.clinic, "patient.view", when=datetime(2026, 3, 10, 12, n, tzinfo=UTC), detail=f"row-{n:02d}")
    db.session.commit()
    first = client.get("/admin/audit", query_string={"action": "patient.view"}).text
    assert "row-11" in first and "row-06" not in first and "page 1 of 3" in first
    assert "action=patient.view" in first and "page=2" in first
    third = client.get("/admin/audit", query_string={"action": "patient.view", "page": 3}).text
    assert "row-01" in third and "row-00" in third and "row-02" not in third


def test_only_admins_read_the_audit_log(app, login_as):
    for role in ("dermatologist", "aesthetician", "patient"):
        client, _ = login_as(role)
        assert client.get("/admin/audit").status_code == 403


def test_reading_the_audit_log_is_itself_audited(log):
    client, derm, patient = log
    client.get("/admin/audit", query_string={"patient_id": patient.id})
    second = client.get("/admin/audit").text
    assert f"patient_id={patient.id}" in second and "Audit: list" in second


def test_events_name_the_patient_and_the_action_in_words(log):
    client, _, patient = log
    html = client.get("/admin/audit").text
    assert f"{patient.full_name} ({patient.record_number})" in html
    assert "Patient: view" in html and ">patient.view<" not in html
    assert "Eastern Time (New York)" in html and "America/New_York" not in html
