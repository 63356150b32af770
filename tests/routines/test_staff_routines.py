"""Staff build routines: templates, steps, conflicts, run-out; roles and scope for every staff route."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from clinic.extensions import db
from clinic.routines.models import Routine, RoutineStep
from clinic.routines.services import routine_warnings
from tests.factories import make_clinic, make_patient
from tests.routines.factories import AGING_STEPS, catalog, make_routine, product


def _setup():
    patient = make_patient()
    routine = make_routine(patient, AGING_STEPS, starts_on=date.today())  # new bottles: none runs out soon
    db.session.commit()
    return patient, routine


@pytest.mark.parametrize("role", ["dermatologist", "aesthetician"])
def test_staff_copy_a_template_and_see_run_out_and_conflicts(login_as, role):
    client, _ = login_as(role)
    patient = make_patient()
    from clinic.clinics.models import Clinic

    catalog(db.session.get(Clinic, patient.clinic_id))
    db.session.commit()
    response = client.post(
        f"/patients/{patient.id}/routine/new",
        data={"template": "aging", "concern": "aging", "starts_on": "2026-11-02"},
    )
    assert response.status_code == 302
    routine = db.session.scalar(sa.select(Routine).where(Routine.patient_id == patient.id))
    names = [s.name for s in routine.steps]
    assert "Stripes The Power Move" in names and "Plated Skin Science Daily Serum" in names
    page = client.get(f"/patients/{patient.id}/routine")
    assert page.status_code == 200
    assert "Runs out about" in page.text
    assert "Ingredient conflict" not in page.text  # the template keeps retinol and vitamin C apart


def test_adding_a_conflicting_step_warns(login_as):
    client, _ = login_as("dermatologist")
    patient, routine = _setup()
    retinol = product(patient.clinic_id, "Retinol 0.3% Night Serum")
    response = client.post(
        f"/routines/{routine.id}/steps/new",
        data={
            "product_id": str(retinol.id),
            "slot": "am",
            "position": "5",
            "frequency": "daily",
            "label": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    page = client.get(f"/patients/{patient.id}/routine")
    assert "a retinoid with vitamin C" in page.text
    assert routine_warnings(db.session.get(Routine, routine.id))


def test_weekday_frequency_without_weekdays_is_refused(login_as):
    client, _ = login_as("aesthetician")
    patient, routine = _setup()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(RoutineStep))
    response = client.post(
        f"/routines/{routine.id}/steps/new",
        data={"product_id": "", "label": "Mask", "slot": "pm", "position": "3", "frequency": "weekdays"},
    )
    assert response.status_code == 422
    assert "Choose at least one weekday" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoutineStep)) == before


def test_edit_step_with_weekdays_updates_run_out(login_as):
    client, _ = login_as("dermatologist")
    patient, routine = _setup()
    step = next(s for s in routine.steps if s.name.endswith("Daily Serum"))
    daily_run_out = step.runs_out_on
    response = client.post(
        f"/routines/steps/{step.id}/edit",
        data={
            "product_id": str(step.product_id),
            "slot": "pm",
            "position": "1",
            "frequency": "weekdays",
            "weekdays": ["0", "3"],
            "label": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    step = db.session.get(RoutineStep, step.id)
    assert step.weekdays == "03"
    assert step.runs_out_on > daily_run_out


def test_remove_step_without_history_deletes_it(login_as):
    client, _ = login_as("dermatologist")
    patient, routine = _setup()
    step_id = routine.steps[0].id
    assert client.post(f"/routines/steps/{step_id}/remove", data={}).status_code == 302
    db.session.expire_all()
    assert db.session.get(RoutineStep, step_id) is None


STAFF_ROUTES = [
    ("get", "/patients/{patient}/routine"),
    ("post", "/patients/{patient}/routine/new"),
    ("get", "/routines/{routine}/steps/new"),
    ("get", "/routines/steps/{step}/edit"),
    ("post", "/routines/steps/{step}/remove"),
    ("post", "/patients/{patient}/aftercare"),
]


@pytest.mark.parametrize(("method", "url"), STAFF_ROUTES)
@pytest.mark.parametrize("role", ["patient", "admin"])
def test_staff_routes_refuse_other_roles(login_as, method, url, role):
    patient, routine = _setup()
    client, _ = login_as(role, patient=patient) if role == "patient" else login_as(role)
    target = url.format(patient=patient.id, routine=routine.id, step=routine.steps[0].id)
    response = getattr(client, method)(target, **({"data": {}} if method == "post" else {}))
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "url"), STAFF_ROUTES)
def test_staff_routes_are_404_for_another_clinics_patient(login_as, method, url):
    home = make_clinic("Home")
    patient = make_patient(make_clinic("Elsewhere"))
    routine = make_routine(patient, AGING_STEPS, starts_on=date(2026, 11, 1))
    client, _ = login_as("dermatologist", clinic=home)
    target = url.format(patient=patient.id, routine=routine.id, step=routine.steps[0].id)
    response = getattr(client, method)(target, **({"data": {}} if method == "post" else {}))
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["dermatologist", "aesthetician"])
def test_step_forms_render_for_staff(login_as, role):
    client, _ = login_as(role)
    patient, routine = _setup()
    new = client.get(f"/routines/{routine.id}/steps/new")
    assert new.status_code == 200 and 'name="weekdays"' in new.text
    step = next(s for s in routine.steps if s.name.endswith("Retinol 0.3% Night Serum"))
    step.frequency, step.weekdays = "weekdays", "14"
    db.session.commit()
    edit = client.get(f"/routines/steps/{step.id}/edit")
    assert edit.status_code == 200
    checked = re.findall(r'<input checked [^>]*name="weekdays"[^>]*value="(\d)"', edit.text)
    assert checked == ["1", "4"]
    assert f'<option selected value="{step.product_id}">' in edit.text


def test_reorder_prompt_on_the_routine_page_a_week_before(login_as):
    client, _ = login_as("dermatologist")
    patient, routine = _setup()
    step = routine.steps[0]
    step.runs_out_on = date.today() + timedelta(days=5)
    routine.steps[1].runs_out_on = date.today() + timedelta(days=30)
    db.session.commit()
    page = client.get(f"/patients/{patient.id}/routine")
    assert page.text.count("Reorder now") == 1
