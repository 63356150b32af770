"""The OpenAPI document: generated from the code, valid OpenAPI 3.1, and the live API keeps to it
(Schemathesis, authenticated with a token, a bounded number of examples per operation)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from clinic.extensions import db
from clinic.scheduling.booking import book_appointment
from tests.api.conftest import bearer
from tests.factories import make_patient
from tests.routines.factories import make_routine
from tests.scheduling.factories import at, setup_clinic
from tests.treatments.factories import make_lot, signed_session

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


def test_the_document_is_valid_openapi_3_1(app, issue_token):
    _, secret = issue_token("aesthetician")
    response = app.test_client().get("/api/v1/openapi.json", headers=bearer(secret))
    document = response.get_json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    operations = {(path, method) for path, item in document["paths"].items() for method in item}
    assert ("/api/v1/patients/{patient_id}", "patch") in operations
    assert ("/api/v1/appointments", "post") in operations
    update = document["paths"]["/api/v1/patients/{patient_id}"]["patch"]
    assert {"412", "428", "404", "422", "401"} <= set(update["responses"])
    problem = document["components"]["responses"]["CONFLICT"]["content"]
    assert "application/problem+json" in problem


def test_the_document_needs_a_token(client):
    assert client.get("/api/v1/openapi.json").status_code == 401


def test_staff_read_the_docs_page(login_as):
    client, _ = login_as("aesthetician")
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/api/v1/patients/{patient_id}" in page.text
    assert re.search(r"<script(?![^>]*\bsrc=)", page.text) is None  # no inline script (CSP)
    patient_client, _ = login_as("patient")
    assert patient_client.get("/api/docs").status_code == 403


@pytest.fixture
def live_api(app, issue_token):
    """A clinic with rooms, providers, patients, an appointment, a signed session with its lot, a
    dermatologist's token, and the schema."""
    clinic, aesthetician, dermatologist, kind = setup_clinic()
    patients = [make_patient(clinic) for _ in range(3)]
    monday = date.today() + timedelta(days=14 - date.today().weekday())
    book_appointment(
        clinic=clinic,
        patient=patients[0],
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(monday, 10, clinic=clinic),
        notify=False,
    )
    signed_session(patients[1], dermatologist, make_lot())
    make_routine(patients[2], [{"label": "Cleanser", "slot": "am"}], starts_on=monday - timedelta(days=30))
    db.session.commit()
    _, secret = issue_token(user=dermatologist)
    schema = schemathesis.openapi.from_dict(app.extensions["clinic-api"].spec.to_dict())
    schema.app = app
    return schema, bearer(secret)


def test_the_live_api_keeps_to_its_document(live_api):
    """Every operation, with up to 20 generated requests each (valid and invalid): no 5xx, every answer's
    status documented, every body matching its documented schema."""
    schema, headers = live_api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def keeps_to_the_document(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        keeps_to_the_document()
