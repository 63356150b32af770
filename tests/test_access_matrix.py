"""Route × role matrix: every endpoint must be listed here with who may reach it.

A new view fails `test_every_endpoint_is_in_the_table` until its feature adds a line to EXPECTED, so nobody
can ship a route without deciding who may use it. Then every endpoint is requested as each role (and as an
anonymous visitor) and the answer must match the table.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from clinic.access import allowed_roles, is_public
from clinic.roles import Role
from tests.auth.helpers import is_login_redirect

PUBLIC = "public"
#: Public on purpose, authenticated by the caller's request signature: without one, 403 for everybody.
SIGNED_WEBHOOK = "public, signature-checked"
ADMIN = frozenset({Role.ADMIN})
CLINICAL = frozenset({Role.DERMATOLOGIST, Role.AESTHETICIAN})
PATIENT = frozenset({Role.PATIENT})
EVERYONE = frozenset(Role)
DERMATOLOGIST = frozenset({Role.DERMATOLOGIST})
#: Lot recall ("which patients received lot X") is run by the clinic admin with a dermatologist.
ADMIN_OR_DERMATOLOGIST = frozenset({Role.ADMIN, Role.DERMATOLOGIST})

EXPECTED: dict[str, frozenset[Role] | str] = {
    "auth.index": PUBLIC,
    "auth.login": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.reset_password": PUBLIC,
    "auth.two_factor": PUBLIC,
    "auth.two_factor_setup": EVERYONE,
    "users.reset_two_factor": ADMIN,
    "users.two_factor_policy": ADMIN,
    "auth.accept_invitation": PUBLIC,
    "auth.logout": EVERYONE,
    "auth.change_password": EVERYONE,
    "users.list_users": ADMIN,
    "users.invite": ADMIN,
    "users.detail": ADMIN,
    "users.change_role": ADMIN,
    "users.deactivate": ADMIN,
    "users.reactivate": ADMIN,
    "users.end_sessions": ADMIN,
    "users.resend_invitation": ADMIN,
    "audit.list_events": ADMIN,
    "patients.list_patients": CLINICAL,
    "patients.chart": CLINICAL,
    "patients.new": CLINICAL,
    "patients.edit": CLINICAL,
    "patients.history": CLINICAL,
    "patients.archive": CLINICAL,
    "patients.unarchive": CLINICAL,
    "patients.invite": CLINICAL,
    "portal.home": PATIENT,
    "portal.access_log": PATIENT,
    "portal.consents": PATIENT,
    "portal.sign_consent": PATIENT,
    "portal.view_consent": PATIENT,
    "reminders.unsubscribe": PUBLIC,
    "portal.today": PATIENT,
    "portal.log_step": PATIENT,
    "portal.undo_step": PATIENT,
    "portal.history": PATIENT,
    "portal.aftercare": PATIENT,
    "portal.reminder_settings": PATIENT,
    "portal.report_problem": PATIENT,
    "portal.my_data": PATIENT,
    "portal.download_record": PATIENT,
    "reminders.contact_consent": CLINICAL,
    "reminders.sms_status": SIGNED_WEBHOOK,  # the SMS provider's webhooks
    "reminders.sms_inbound": SIGNED_WEBHOOK,
    "portal.problem_list": PATIENT,
    "portal.problem_thread": PATIENT,
    "routines.patient_routine": CLINICAL,
    "routines.new_routine": CLINICAL,
    "routines.new_step": CLINICAL,
    "routines.edit_step": CLINICAL,
    "routines.remove": CLINICAL,
    "routines.record_aftercare": CLINICAL,
    "routines.adjust_pause": CLINICAL,
    "routines.end_pause": CLINICAL,
    "routines.clinic_adherence": CLINICAL,
    "routines.problem_thread": CLINICAL,
    "routines.inbox": DERMATOLOGIST,
    "catalog.edit_aftercare": ADMIN,
    "catalog.edit_limit": ADMIN,
    "catalog.edit_lot": ADMIN,
    "catalog.edit_procedure": ADMIN,
    "catalog.edit_product": ADMIN,
    "catalog.edit_protocol": ADMIN,
    "catalog.edit_rule": ADMIN,
    "catalog.index": ADMIN,
    "treatments.lot_patients": ADMIN_OR_DERMATOLOGIST,
    "treatments.lot_patients_csv": ADMIN_OR_DERMATOLOGIST,
    "catalog.new_aftercare": ADMIN,
    "catalog.new_lot": ADMIN,
    "catalog.new_product": ADMIN,
    "catalog.view_procedure": ADMIN,
    "consents.list_forms": ADMIN,
    "consents.new_version": ADMIN,
    "consents.patient_consents": CLINICAL,
    "consents.revoke": CLINICAL,
    "consents.sign": CLINICAL,
    "consents.view": CLINICAL,
    "photos.compare": CLINICAL,
    "photos.image": CLINICAL,
    "treatments.upload_photo": CLINICAL,
    "treatments.add_score": DERMATOLOGIST,
    "treatments.adverse_events": CLINICAL,
    "treatments.amend": DERMATOLOGIST,
    "treatments.edit_session": DERMATOLOGIST,
    "treatments.patient_treatments": CLINICAL,
    "treatments.precheck": DERMATOLOGIST,
    "treatments.sign": DERMATOLOGIST,
    "treatments.view_session": CLINICAL,
    "calendar_feeds.feed": PUBLIC,
    "followups.contact": CLINICAL,
    "followups.book_plan": CLINICAL,
    "followups.plan": CLINICAL,
    "followups.queue": CLINICAL,
    "followups.record_checkpoint": CLINICAL,
    "portal.book_next": PATIENT,
    "portal.cancel_appointment": PATIENT,
    "portal.create_feed": PATIENT,
    "portal.appointment_ics": PATIENT,
    "portal.move_appointment": PATIENT,
    "portal.appointment_preferences": PATIENT,
    "portal.revoke_feed": PATIENT,
    "portal.appointments": PATIENT,
    "portal.waitlist": PATIENT,
    "portal.join_waitlist": PATIENT,
    "portal.leave_waitlist": PATIENT,
    "scheduling.appointment": CLINICAL,
    "scheduling.appointment_ics": CLINICAL,
    "scheduling.book": CLINICAL,
    "scheduling.cancel": CLINICAL,
    "scheduling.day": CLINICAL,
    "scheduling.move": CLINICAL,
    "scheduling.patient_appointments": CLINICAL,
    "scheduling.set_status": CLINICAL,
    "scheduling.slots": CLINICAL,
    "scheduling.week": CLINICAL,
    "scheduling_admin.add_hours": ADMIN,
    "scheduling_admin.add_room": ADMIN,
    "scheduling_admin.add_time_off": ADMIN,
    "scheduling_admin.add_type": ADMIN,
    "scheduling_admin.delete_hours": ADMIN,
    "scheduling_admin.delete_time_off": ADMIN,
    "scheduling_admin.hours": ADMIN,
    "scheduling_admin.overview": ADMIN,
    "scheduling_admin.room_capabilities": ADMIN,
    "scheduling_admin.settings": ADMIN,
    "scheduling_admin.toggle_room": ADMIN,
    "scheduling_admin.toggle_type": ADMIN,
    "scheduling_admin.type_capability": ADMIN,
    "staff_feeds.create_my_feed": CLINICAL,
    "staff_feeds.create_patient_feed": CLINICAL,
    "staff_feeds.revoke_my_feed": CLINICAL,
    "staff_feeds.revoke_patient_feed": CLINICAL,
    "waitlist_offer.offer": PUBLIC,
    "waitlist.add": CLINICAL,
    "waitlist.entries": CLINICAL,
    "waitlist.remove": CLINICAL,
    "fhir.everything": CLINICAL,
}
DUMMY_ID = 2_147_480_000
DUMMY_TOKEN = "x" * 43
IDENTITIES = ["anonymous", *(role.value for role in Role)]


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}


def _endpoints(app) -> dict[str, object]:
    """endpoint → one of its rules, for every endpoint except static files."""
    rules = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static" and not rule.endpoint.endswith(".static"):
            rules.setdefault(rule.endpoint, rule)
    return rules


def test_every_endpoint_is_in_the_table(app):
    endpoints = set(_endpoints(app))
    missing = sorted(endpoints - set(EXPECTED))
    stale = sorted(set(EXPECTED) - endpoints)
    assert not missing, f"add these endpoints to EXPECTED in tests/test_access_matrix.py: {missing}"
    assert not stale, f"these endpoints in EXPECTED no longer exist: {stale}"


def test_every_view_declares_its_access_and_matches_the_table(app):
    for endpoint in _endpoints(app):
        view = app.view_functions[endpoint]
        roles = allowed_roles(view)
        assert is_public(view) or roles is not None, f"{endpoint} has neither @public nor @role_required"
        expected = EXPECTED.get(endpoint)
        if expected in (PUBLIC, SIGNED_WEBHOOK):
            assert is_public(view), f"{endpoint} is listed as public but is not @public"
        elif expected is not None:
            assert not is_public(view), f"{endpoint} is @public but the table says {sorted(expected)}"
            assert roles == expected, f"{endpoint} allows {sorted(roles)}, the table says {sorted(expected)}"


def _request(client, rule):
    values = {}
    for name, converter in rule._converters.items():
        values[name] = DUMMY_ID if isinstance(converter, IntegerConverter) else DUMMY_TOKEN
    path = rule.build(values, append_unknown=False)[1]
    if "GET" in rule.methods:
        return "GET", path, client.get(path)
    return "POST", path, client.post(path, data={})


def _bounced_to_login(response) -> bool:
    """Sent to the login page by the access policy (which adds `next`), not e.g. by a finished logout."""
    return is_login_redirect(response) and "next=" in response.headers["Location"]


def _problem(identity: str, expected, response) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if expected == PUBLIC:
        return "403 on a public page" if status == 403 else None
    if expected == SIGNED_WEBHOOK:
        return None if status == 403 else f"{status} for an unsigned webhook call"
    if identity == "anonymous":
        return None if _bounced_to_login(response) else f"{status} instead of a redirect to /login"
    if Role(identity) in expected:
        if status == 403 or _bounced_to_login(response):
            return f"{status} for an allowed role"
        return None
    return None if status == 403 else f"{status} instead of 403"


def test_route_role_matrix(app, login_as):
    clients = {"anonymous": (app.test_client(), None)}
    for role in Role:
        clients[role.value] = login_as(role.value)
    rules = _endpoints(app)
    order = sorted(rules, key=lambda e: e == "auth.logout")  # logging out last keeps the clients logged in
    problems = []
    for endpoint in order:
        for identity in IDENTITIES:
            client, _ = clients[identity]
            method, path, response = _request(client, rules[endpoint])
            problem = _problem(identity, EXPECTED[endpoint], response)
            if problem:
                problems.append(f"{method} {path} ({endpoint}) as {identity}: {problem}")
    assert not problems, "\n".join(problems)
