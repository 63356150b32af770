"""/api/v1/appointments: the booking service's rules through the API (conflicts are 409 with the reason)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from clinic.extensions import db
from tests.api.conftest import bearer
from tests.api.helpers import assert_problem, events
from tests.factories import make_clinic, make_patient, make_user
from tests.scheduling.factories import at, setup_clinic


def next_monday() -> date:
    today = date.today()
    return today + timedelta(days=7 - today.weekday() + 7)


@pytest.fixture
def world(app, issue_token):
    clinic, aesthetician, dermatologist, kind = setup_clinic()
    patient = make_patient(clinic)
    other_patient = make_patient(clinic)
    _, secret = issue_token(user=dermatologist)
    return {
        "client": app.test_client(),
        "headers": bearer(secret),
        "clinic": clinic,
        "provider": aesthetician,
        "kind": kind,
        "patient": patient,
        "other_patient": other_patient,
    }


def _book(world, patient=None, hour: int = 10, **extra):
    body = {
        "patient_id": (patient or world["patient"]).id,
        "appointment_type_id": world["kind"].id,
        "provider_id": world["provider"].id,
        "starts_at": at(next_monday(), hour, clinic=world["clinic"]).isoformat(),
        **extra,
    }
    return world["client"].post("/api/v1/appointments", headers=world["headers"], json=body)


def test_book_read_list_move_and_cancel(world):
    client, headers = world["client"], world["headers"]
    booked = _book(world)
    assert booked.status_code == 201, booked.text
    appointment = booked.get_json()
    assert appointment["status"] == "booked" and appointment["local_date"] == next_monday().isoformat()
    assert events("appointment.book", object_id=str(appointment["id"]))

    read = client.get(booked.headers["Location"], headers=headers)
    assert read.status_code == 200 and read.headers["ETag"]
    listing = client.get(f"/api/v1/appointments?day={next_monday()}", headers=headers).get_json()
    assert [a["id"] for a in listing["items"]] == [appointment["id"]]
    assert events("appointment.list", patient_id=world["patient"].id)
    by_patient = client.get(f"/api/v1/appointments?patient_id={world['other_patient'].id}", headers=headers)
    assert by_patient.status_code == 200, by_patient.text
    assert by_patient.get_json()["items"] == []

    new_start = at(next_monday(), 14, clinic=world["clinic"]).isoformat()
    stale = client.patch(
        booked.headers["Location"], headers={**headers, "If-Match": '"old"'}, json={"starts_at": new_start}
    )
    assert_problem(stale, 412)
    moved = client.patch(
        booked.headers["Location"], headers={**headers, "If-Match": read.headers["ETag"]}, json={"starts_at": new_start}
    )
    assert moved.status_code == 200, moved.text
    assert moved.get_json()["starts_at"].startswith(new_start[:16])

    cancel_url = f"{booked.headers['Location']}/cancel"
    assert_problem(client.post(cancel_url, headers=headers, json={"reason": " "}), 422)
    cancelled = client.post(cancel_url, headers=headers, json={"reason": "Patient is ill"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    again = assert_problem(client.post(cancel_url, headers=headers, json={"reason": "twice"}), 422)
    assert again["errors"]["reason"]


def test_double_booking_is_409_with_the_reason(world):
    assert _book(world).status_code == 201
    conflict = assert_problem(_book(world, patient=world["other_patient"]), 409)
    assert "already has an appointment" in conflict["detail"]
    assert conflict["type"].endswith("/booking-conflict")
    assert "starts_at" in conflict["errors"]


def test_outside_working_hours_is_422_with_the_reason(world):
    refused = assert_problem(_book(world, hour=20), 422)
    assert "does not work at that time" in refused["errors"]["starts_at"]
    past = assert_problem(
        world["client"].post(
            "/api/v1/appointments",
            headers=world["headers"],
            json={
                "patient_id": world["patient"].id,
                "appointment_type_id": world["kind"].id,
                "provider_id": world["provider"].id,
                "starts_at": "2020-01-06T10:00:00-05:00",
            },
        ),
        422,
    )
    assert "past" in past["detail"]


def test_a_naive_time_or_another_clinics_ids_are_refused(world):
    assert_problem(_book(world, starts_at=f"{next_monday()}T10:00:00"), 422)
    stranger = make_patient(make_clinic("Elsewhere"))
    db.session.commit()
    assert_problem(_book(world, patient=stranger), 404)
    assert_problem(world["client"].get(f"/api/v1/appointments?patient_id={stranger.id}", headers=world["headers"]), 404)


def test_free_slots_for_a_day(world):
    client, headers = world["client"], world["headers"]
    url = f"/api/v1/appointment-types/{world['kind'].id}/slots?day={next_monday()}&provider_id={world['provider'].id}"
    slots = client.get(url, headers=headers).get_json()
    assert slots and all(s["provider_id"] == world["provider"].id for s in slots)
    first = slots[0]["starts_at"]
    assert _book(world).status_code == 201
    after = client.get(url, headers=headers).get_json()
    assert len(after) < len(slots)
    assert first in {s["starts_at"] for s in slots}
    assert_problem(client.get(url + "&extra=1", headers=headers), 422)


def test_list_by_provider_sorted_either_way(world):
    client, headers = world["client"], world["headers"]
    first = _book(world, hour=9).get_json()
    second = _book(world, patient=world["other_patient"], hour=11).get_json()
    base = f"/api/v1/appointments?provider_id={world['provider'].id}"
    ascending = client.get(base, headers=headers).get_json()["items"]
    descending = client.get(base + "&sort=-starts_at", headers=headers).get_json()["items"]
    assert [a["id"] for a in ascending] == [first["id"], second["id"]]
    assert [a["id"] for a in descending] == [second["id"], first["id"]]
    assert_problem(client.get(base + "&sort=patient_id", headers=headers), 422)
    stranger = make_user("aesthetician", clinic=make_clinic("Elsewhere"))
    db.session.commit()
    assert_problem(client.get(f"/api/v1/appointments?provider_id={stranger.id}", headers=headers), 404)
