"""The routine builder runs the home-product rules: a hard stop refuses the step beside the product field, a
warning needs a written reason (kept as a StepOverride), a history change flags steps that now conflict on the
routine page and the chart; the template copy skips what the rules refuse. Wrong role and wrong patient too."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.routines.models import RoutineStep, StepOverride
from clinic.routines.safety import patient_routine_conflicts
from clinic.routines.services import copy_template
from tests.factories import make_clinic, make_patient
from tests.routines.factories import catalog, make_routine, product

BASE = [dict(product="Gentle Cream Cleanser", slot="am")]


def _post_step(client, routine, product_row, **extra):
    data = {"product_id": str(product_row.id), "slot": "pm", "position": "3", "frequency": "daily", "label": ""}
    return client.post(f"/routines/{routine.id}/steps/new", data={**data, **extra})


def _steps(routine):
    db.session.expire_all()
    return db.session.scalars(sa.select(RoutineStep).where(RoutineStep.routine_id == routine.id)).all()


def test_bergamot_allergy_refuses_exoso_metic_beside_the_field(login_as):
    client, _ = login_as("aesthetician")
    patient = make_patient(allergies="Bergamot")
    routine = make_routine(patient, BASE, starts_on=date.today())
    db.session.commit()
    response = _post_step(client, routine, product(patient.clinic_id, "Exoso-Metic Face Serum"))
    assert response.status_code == 422
    assert "Not for this patient: Allergy: bergamot in Dr. Barbara Sturm Exoso-Metic Face Serum." in response.text
    assert len(_steps(routine)) == 1
    # a reason does not override a hard stop
    again = _post_step(client, routine, product(patient.clinic_id, "Exoso-Metic Face Serum"), safety_reason="Wants it")
    assert again.status_code == 422 and len(_steps(routine)) == 1


def test_a_warning_needs_a_reason_which_is_kept(login_as):
    client, user = login_as("dermatologist")
    patient = make_patient(history={"skin_flare": True})
    routine = make_routine(patient, BASE, starts_on=date.today())
    db.session.commit()
    glycolic = product(patient.clinic_id, "Glycolic 7% Toner")
    refused = _post_step(client, routine, glycolic)
    assert refused.status_code == 422 and "Give a reason to add it anyway" in refused.text
    saved = _post_step(client, routine, glycolic, safety_reason="Flare is on the chin only; toner on cheeks")
    assert saved.status_code == 302
    step = next(s for s in _steps(routine) if s.product_id == glycolic.id)
    assert [(o.code, o.reason, o.by_id) for o in step.overrides] == [
        ("skin_flare", "Flare is on the chin only; toner on cheeks", user.id)
    ]
    # editing the step keeps the reason without typing it again
    edited = client.post(
        f"/routines/steps/{step.id}/edit",
        data={"product_id": str(glycolic.id), "slot": "pm", "position": "4", "frequency": "daily", "label": ""},
    )
    assert edited.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StepOverride)) == 1
    assert patient_routine_conflicts(patient, date.today()) == []


def test_history_change_flags_the_step_on_the_routine_page_and_chart(login_as):
    client, _ = login_as("dermatologist")
    patient = make_patient()
    routine = make_routine(
        patient, [*BASE, dict(product="Retinol 0.3% Night Serum", slot="pm")], starts_on=date.today()
    )
    db.session.commit()
    assert "conflict with the patient" not in client.get(f"/patients/{patient.id}/routine").text
    patient.history.pregnant = True
    db.session.commit()
    conflicts = patient_routine_conflicts(patient, date.today())
    assert [(c.step.name, c.finding.code, c.is_hard_stop) for c in conflicts] == [
        ("Clinic Basics Retinol 0.3% Night Serum", "pregnancy", True)
    ]
    page = client.get(f"/patients/{patient.id}/routine").text
    assert "Steps that conflict with the patient" in page and "Pregnant: Clinic Basics Retinol" in page
    chart = client.get(f"/patients/{patient.id}").text
    assert "1 home routine step conflicts with the history" in chart
    alerts = chart.split('class="card h-100 summary-card summary-alerts"', 1)[1].split("</article>", 1)[0]
    assert f'href="/patients/{patient.id}/routine">Home step: Clinic Basics Retinol 0.3% Night Serum</a>' in alerts
    assert 'summary-alert-danger"' in alerts and "Pregnant: Clinic Basics Retinol" in alerts
    assert routine.id


def test_template_copy_skips_steps_the_rules_refuse(app):
    patient = make_patient(allergies="bergamot")
    catalog(db.session.get(Clinic, patient.clinic_id))
    routine = copy_template(patient, "pigmentation", starts_on=date(2026, 12, 1), user=None)
    names = {s.name for s in routine.steps}
    assert not any("Exoso-Metic" in name for name in names)
    assert "Clinic Basics Gentle Cream Cleanser" in names
    assert routine.refused_steps and "bergamot" in routine.refused_steps[0]


def test_patient_role_and_another_clinics_patient_are_refused(login_as):
    patient = make_patient()
    routine = make_routine(patient, BASE, starts_on=date.today())
    db.session.commit()
    patient_client, _ = login_as("patient", patient=patient)
    assert _post_step(patient_client, routine, product(patient.clinic_id, "Daily Serum")).status_code == 403
    other = make_clinic("Elsewhere")
    db.session.commit()
    stranger, _ = login_as("aesthetician", clinic=other)
    assert _post_step(stranger, routine, product(patient.clinic_id, "Daily Serum")).status_code == 404
    assert stranger.get(f"/patients/{patient.id}/routine").status_code == 404


def test_concern_templates_hold_home_products_and_dp_derm_only_in_aftercare():
    from clinic.routines.defaults import DP_DERM, PLATED, TEMPLATES  # noqa: PLC0415 - test-local import

    for key, template in TEMPLATES.items():
        products = [s["product"] for s in template["steps"]]
        assert (DP_DERM in products) is (key == "post_microneedling"), key
    assert PLATED not in [s["product"] for s in TEMPLATES["hair_loss"]["steps"]]
    assert all("scalp" in (s["label"] or "").lower() for s in TEMPLATES["hair_loss"]["steps"])


def test_acne_scar_protocols_are_seeded(app):
    from clinic.catalog.models import Procedure, Protocol  # noqa: PLC0415 - test-local import

    clinic = make_clinic("Seeded")
    catalog(clinic)
    rows = db.session.execute(
        sa.select(Procedure.kind, Protocol.name, Protocol.induction_count)
        .join(Procedure)
        .where(Protocol.clinic_id == clinic.id, Protocol.name.startswith("Acne scars"))
        .order_by(Protocol.induction_count)
    ).all()
    assert [(kind, count) for kind, _, count in rows] == [("microneedling", 4), ("laser", 6), ("laser", 8)]
