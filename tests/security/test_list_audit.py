"""Finding 9 of issue 15: lists that show patient names name those patients in the audit, so the patients
see it in "who viewed my record"."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from clinic.audit.models import AuditEvent
from clinic.extensions import db
from tests.auth.helpers import shown_patients
from tests.factories import make_patient, make_user
from tests.routines.factories import make_routine
from tests.routines.test_portal_extras import NOW, TODAY


def _patients_named(action: str) -> set[int]:
    db.session.expire_all()
    found = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()
    return {pid for event in found for pid in shown_patients(event)}


def test_adherence_list_names_each_listed_patient(login_as):
    keen, lax = make_patient(last_name="Keen"), make_patient(last_name="Lax")
    for patient in (keen, lax):
        make_routine(patient, [dict(product="Daily Serum", slot="pm")], starts_on=TODAY - timedelta(days=9))
    with time_machine.travel(NOW, tick=False):
        client, _ = login_as("aesthetician")
        page = client.get("/routines/adherence")
    assert "Keen" in page.text and "Lax" in page.text
    assert _patients_named("routine.adherence_list") == {keen.id, lax.id}


def test_admin_user_list_names_patients_with_accounts_and_they_see_it(login_as):
    patient = make_patient(last_name="Portaluser")
    account = make_user("patient", patient=patient)
    admin_client, _ = login_as("admin")
    assert (
        "Portaluser" in admin_client.get("/admin/users").text
        or account.full_name in admin_client.get("/admin/users").text
    )
    assert patient.id in _patients_named("user.list")
    portal, _ = login_as(user=account)
    log = portal.get("/portal/access-log").text
    assert "list of accounts" in log
