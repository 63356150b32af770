"""/api/v1 routines and adherence: the routine page's data through a token, audited as that page."""

from __future__ import annotations

from datetime import date, timedelta

from clinic.extensions import db
from clinic.routines.models import AdherenceLog
from tests.api.helpers import assert_problem, events
from tests.factories import make_clinic, make_patient
from tests.routines.factories import make_routine


def test_routines_with_steps_and_adherence(api):
    client, headers, user = api
    patient = make_patient(timezone="UTC")
    routine = make_routine(
        patient,
        [{"label": "Cleanser", "slot": "am"}, {"label": "Sunscreen", "slot": "am"}],
        starts_on=date.today() - timedelta(days=10),
    )
    db.session.flush()
    yesterday = date.today() - timedelta(days=1)
    db.session.add(
        AdherenceLog(step_id=routine.steps[0].id, patient_id=patient.id, local_date=yesterday, slot="am", status="done")
    )
    db.session.commit()

    routines = client.get(f"/api/v1/patients/{patient.id}/routines", headers=headers).get_json()
    assert [r["id"] for r in routines] == [routine.id]
    assert [s["label"] for s in routines[0]["steps"]] == ["Cleanser", "Sunscreen"]

    body = client.get(f"/api/v1/patients/{patient.id}/adherence?days=7", headers=headers).get_json()
    assert len(body["days"]) == 7
    by_day = {d["day"]: d for d in body["days"]}
    assert by_day[yesterday.isoformat()]["expected"] == 2 and by_day[yesterday.isoformat()]["done"] == 1
    assert body["percent"] is not None and body["percent"] < 100
    assert len(events("routine.view", patient_id=patient.id, user_id=user.id)) == 2


def test_adherence_window_is_bounded_and_scoped(api):
    client, headers, _ = api
    patient = make_patient()
    stranger = make_patient(make_clinic("Elsewhere"))
    db.session.commit()
    assert_problem(client.get(f"/api/v1/patients/{patient.id}/adherence?days=91", headers=headers), 422)
    assert_problem(client.get(f"/api/v1/patients/{patient.id}/adherence?since=1", headers=headers), 422)
    assert_problem(client.get(f"/api/v1/patients/{stranger.id}/routines", headers=headers), 404)
    assert_problem(client.get(f"/api/v1/patients/{stranger.id}/adherence", headers=headers), 404)
