"""Route × role matrix for every scheduling route, and IDOR checks (another patient's or clinic's objects)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from clinic.extensions import db
from clinic.scheduling.booking import book_appointment
from clinic.scheduling.models import WorkingHours
from clinic.scheduling.series import start_series
from clinic.scheduling.waitlist import add_entry
from tests.factories import make_clinic, make_patient, make_user
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, protocol_for

STAFF_ROUTES = [
    ("get", "/schedule/week"),
    ("get", "/schedule/day"),
    ("get", "/schedule/slots"),
    ("get", "/schedule/book?patient={patient}"),
    ("post", "/schedule/book"),
    ("get", "/schedule/appointments/{appointment}"),
    ("get", "/schedule/appointments/{appointment}.ics"),
    ("post", "/schedule/appointments/{appointment}/status"),
    ("post", "/schedule/appointments/{appointment}/cancel"),
    ("post", "/schedule/appointments/{appointment}/reschedule"),
    ("get", "/schedule/patients/{patient}"),
    ("post", "/schedule/patients/{patient}/feed"),
    ("post", "/schedule/patients/{patient}/feed/revoke"),
    ("post", "/schedule/my-feed"),
    ("post", "/schedule/my-feed/revoke"),
    ("get", "/schedule/followups"),
    ("post", "/schedule/series/{series}/checkpoint"),
    ("get", "/schedule/patients/{patient}/plan"),
    ("post", "/schedule/patients/{patient}/plan"),
    ("get", "/schedule/waitlist"),
    ("get", "/schedule/patients/{patient}/waitlist"),
    ("post", "/schedule/patients/{patient}/waitlist"),
    ("post", "/schedule/waitlist/{waitlist}/remove"),
]
ADMIN_ROUTES = [
    ("get", "/admin/schedule"),
    ("post", "/admin/schedule/settings"),
    ("post", "/admin/schedule/rooms"),
    ("post", "/admin/schedule/rooms/{room}/toggle"),
    ("post", "/admin/schedule/types"),
    ("post", "/admin/schedule/types/{type}/toggle"),
    ("post", "/admin/schedule/time-off"),
    ("post", "/admin/schedule/time-off/1/delete"),
    ("get", "/admin/schedule/providers/{provider}/hours"),
    ("post", "/admin/schedule/providers/{provider}/hours"),
    ("post", "/admin/schedule/hours/{hours}/delete"),
]
PORTAL_ROUTES = [
    ("get", "/portal/appointments"),
    ("get", "/portal/appointments/series/{series}/book"),
    ("post", "/portal/appointments/series/{series}/book"),
    ("get", "/portal/appointments/{appointment}/move"),
    ("post", "/portal/appointments/{appointment}/move"),
    ("post", "/portal/appointments/{appointment}/cancel"),
    ("get", "/portal/appointments/{appointment}.ics"),
    ("post", "/portal/appointments/preferences"),
    ("post", "/portal/appointments/feed"),
    ("post", "/portal/appointments/feed/revoke"),
]
# Patient routes that name an object: another patient gets 404.
PORTAL_OBJECT_ROUTES = [r for r in PORTAL_ROUTES if "{" in r[1]]
STAFF_OBJECT_ROUTES = [r for r in STAFF_ROUTES if "{" in r[1]]


@pytest.fixture
def ids(world):
    clinic, aesthetician, _, kind, patient = world
    series = start_series(clinic, patient, protocol_for(kind.procedure), kind)
    appointment = book_appointment(
        clinic=clinic,
        patient=patient,
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(MONDAY, 9),
        series=series,
        now=FROZEN,
    )
    hours = db.session.scalars(sa.select(WorkingHours).filter_by(provider_id=aesthetician.id)).first()
    entry = add_entry(patient, kind, MONDAY, MONDAY + timedelta(days=7), today=MONDAY)
    db.session.commit()
    return dict(
        patient=patient.id,
        appointment=appointment.id,
        series=series.id,
        room=appointment.room_id,
        type=kind.id,
        provider=aesthetician.id,
        hours=hours.id,
        waitlist=entry.id,
    )


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


def _call(client, method: str, url: str):
    return client.post(url, data={}) if method == "post" else client.get(url)


@pytest.mark.parametrize("role", ["admin", "patient"])
@pytest.mark.parametrize("method, url", STAFF_ROUTES)
def test_staff_routes_refuse_other_roles(login_as, ids, role, method, url):
    client, _ = login_as(role)
    assert _call(client, method, url.format(**ids)).status_code == 403


@pytest.mark.parametrize("role", ["dermatologist", "aesthetician", "patient"])
@pytest.mark.parametrize("method, url", ADMIN_ROUTES)
def test_admin_routes_refuse_other_roles(login_as, ids, role, method, url):
    client, _ = login_as(role)
    assert _call(client, method, url.format(**ids)).status_code == 403


@pytest.mark.parametrize("role", ["admin", "dermatologist", "aesthetician"])
@pytest.mark.parametrize("method, url", PORTAL_ROUTES)
def test_portal_routes_refuse_staff(login_as, ids, role, method, url):
    client, _ = login_as(role)
    assert _call(client, method, url.format(**ids)).status_code == 403


@pytest.mark.parametrize("method, url", PORTAL_OBJECT_ROUTES)
def test_another_patient_gets_404(login_as, ids, method, url):
    client, _ = login_as("patient")  # a different patient of the same clinic
    assert _call(client, method, url.format(**ids)).status_code == 404


@pytest.mark.parametrize("method, url", STAFF_OBJECT_ROUTES)
def test_staff_of_another_clinic_get_404(login_as, ids, method, url):
    other = make_clinic("Elsewhere")
    client, _ = login_as("aesthetician", clinic=other)
    assert _call(client, method, url.format(**ids)).status_code == 404


def test_the_patient_sees_their_own(login_as, ids, world):
    client, _ = login_as("patient", user=make_user("patient", patient=world[4]))
    assert client.get("/portal/appointments").status_code == 200
    assert client.get(f"/portal/appointments/{ids['appointment']}.ics").status_code == 200
    assert client.get(f"/portal/appointments/series/{ids['series']}/book").status_code == 200


def test_admin_of_another_clinic_gets_404(login_as, ids):
    client, _ = login_as("admin", clinic=make_clinic("Elsewhere"))
    assert client.get(f"/admin/schedule/providers/{ids['provider']}/hours").status_code == 404
    assert client.post(f"/admin/schedule/hours/{ids['hours']}/delete", data={}).status_code == 404
    assert client.post(f"/admin/schedule/rooms/{ids['room']}/toggle", data={}).status_code == 404


def test_archived_patient_cannot_be_booked_in_the_portal(login_as, ids, world):
    patient = world[4]
    client, _ = login_as("patient", user=make_user("patient", patient=patient))
    patient.archived_at = FROZEN - timedelta(days=1)
    db.session.commit()
    assert make_patient  # factories imported for the other tests
    response = client.post(
        f"/portal/appointments/series/{ids['series']}/book",
        data={"starts_at": at(MONDAY + timedelta(days=28), 9).isoformat(), "provider_id": ids["provider"]},
        follow_redirects=True,
    )
    assert "archived" in response.text
