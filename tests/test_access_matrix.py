"""Route × role matrix: every endpoint must be listed here with who may reach it.

The JSON API (/api/v1, `API_EXPECTED`) is reached with a personal API token, never a login cookie: each role
calls it with a token of its own (the patient's token is refused: patients get none), anonymous callers with
none (401, problem+json), and every logged-in browser session is refused there too (401).

A new view fails `test_every_endpoint_is_in_the_table` until its feature adds a line to EXPECTED, so nobody
can ship a route without deciding who may use it. Then every endpoint is requested as each role (and as an
anonymous visitor) and the answer must match the table.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.routing import IntegerConverter

from clinic.access import allowed_roles, is_public
from clinic.api import tokens
from clinic.api.models import ApiToken
from clinic.db import now_utc
from clinic.extensions import db
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
STAFF = frozenset({Role.ADMIN, Role.DERMATOLOGIST, Role.AESTHETICIAN})

#: /api/v1 endpoints: who may call them with a token of their own.
API_EXPECTED: dict[str, frozenset[Role]] = {
    "api_spec.openapi_json": STAFF,
    "api_patients.search_patients": CLINICAL,
    "api_patients.create_patient": CLINICAL,
    "api_patients.read_patient": CLINICAL,
    "api_patients.update_patient": CLINICAL,
    "api_appointments.list_appointments": CLINICAL,
    "api_appointments.read_appointment": CLINICAL,
    "api_appointments.free_slots": CLINICAL,
    "api_appointments.book": CLINICAL,
    "api_appointments.move": CLINICAL,
    "api_appointments.cancel": CLINICAL,
    "api_clinical.list_sessions": CLINICAL,
    "api_clinical.read_session": CLINICAL,
    "api_clinical.list_scores": CLINICAL,
    "api_clinical.add_score": DERMATOLOGIST,
    "api_routines.list_routines": CLINICAL,
    "api_routines.adherence": CLINICAL,
    "api_catalog.list_products": STAFF,
    "api_catalog.read_product": STAFF,
    "api_catalog.list_lots": STAFF,
    "api_catalog.follow_ups": CLINICAL,
}

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
    "imports.upload": ADMIN,
    "imports.confirm": ADMIN,
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
    "portal.language": PATIENT,
    "portal.report_problem": PATIENT,
    "portal.my_data": PATIENT,
    "portal.download_record": PATIENT,
    "reminders.contact_consent": CLINICAL,
    "reminders.sms_status": SIGNED_WEBHOOK,  # the SMS provider's webhooks
    "reminders.sms_inbound": SIGNED_WEBHOOK,
    "portal.problem_list": PATIENT,
    "portal.problem_thread": PATIENT,
    "portal.checkins": PATIENT,
    "portal.checkin": PATIENT,
    "portal.progress": PATIENT,
    "portal.photo": PATIENT,
    "photos.share": CLINICAL,
    "outcomes.report": ADMIN_OR_DERMATOLOGIST,
    "outcomes.report_csv": ADMIN_OR_DERMATOLOGIST,
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
    "safety.recall_lot": ADMIN,
    "safety.recall_report": ADMIN_OR_DERMATOLOGIST,
    "safety.recall_report_csv": ADMIN_OR_DERMATOLOGIST,
    "safety.settings": ADMIN,
    "safety.inbox": DERMATOLOGIST,
    "safety.signal": DERMATOLOGIST,
    "safety.new_event": DERMATOLOGIST,
    "safety.classify_report": DERMATOLOGIST,
    "safety.event_list": DERMATOLOGIST,
    "safety.medwatch": DERMATOLOGIST,
    "safety.medwatch_pdf": DERMATOLOGIST,
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
    "api_tokens.manage": STAFF,
    "api_tokens.revoke": STAFF,
    "api_docs.docs": STAFF,
    **API_EXPECTED,
    "fhir.everything": CLINICAL,
    "documents.aftercare": CLINICAL | PATIENT,
    "documents.aftercare_pdf": CLINICAL | PATIENT,
    "documents.consent": CLINICAL | PATIENT,
    "documents.consent_pdf": CLINICAL | PATIENT,
    "documents.summary": CLINICAL,
    "documents.summary_pdf": CLINICAL,
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


def _path(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        values[name] = DUMMY_ID if isinstance(converter, IntegerConverter) else DUMMY_TOKEN
    return rule.build(values, append_unknown=False)[1]


def _request(client, rule):
    path = _path(rule)
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


def _api_request(client, rule, headers: dict):
    """The rule's own method (GET, POST, PATCH) with an empty JSON body for writes."""
    method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
    body = {} if method != "GET" else None
    return method, _path(rule), client.open(_path(rule), method=method, json=body, headers=headers)


def _api_problem(identity: str, expected: frozenset[Role], response) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if status >= 400 and response.mimetype != "application/problem+json":
        return f"{status} as {response.mimetype}, not problem+json"
    if identity in ("anonymous", "patient"):  # no token / a patient's token is never accepted
        return None if status == 401 else f"{status} instead of 401"
    if Role(identity) in expected:
        return f"{status} for an allowed role" if status in (401, 403) else None
    return None if status == 403 else f"{status} instead of 403"


def _tokens(clients) -> dict[str, dict]:
    """A read-write token per identity; the patient's row is made by hand (the service refuses patients)."""
    headers = {"anonymous": {}}
    for role in Role:
        user = clients[role.value][1]
        if role == Role.PATIENT:
            secret = tokens.PREFIX + "patient-token-that-must-never-work-000000000"
            db.session.add(
                ApiToken(
                    clinic_id=user.clinic_id,
                    user_id=user.id,
                    name="forged",
                    token_hash=tokens.token_hash(secret),
                    hint="pati",
                    scope="read-write",
                    expires_at=now_utc() + timedelta(days=1),
                )
            )
        else:
            secret = tokens.issue(user, name="matrix", scope="read-write", lifetime_days=1)[1]
        headers[role.value] = {"Authorization": f"Bearer {secret}"}
    db.session.commit()
    return headers


def test_api_role_matrix(app, login_as):
    """Every /api/v1 endpoint, as every role's token and without one; and with each login cookie (401)."""
    clients = {"anonymous": (app.test_client(), None)}
    for role in Role:
        clients[role.value] = login_as(role.value)
    headers = _tokens(clients)
    token_client = app.test_client()
    rules = _endpoints(app)
    problems = []
    for endpoint, expected in API_EXPECTED.items():
        for identity in IDENTITIES:
            method, path, response = _api_request(token_client, rules[endpoint], headers[identity])
            problem = _api_problem(identity, expected, response)
            if problem:
                problems.append(f"{method} {path} ({endpoint}) with {identity}'s token: {problem}")
            method, path, response = _api_request(clients[identity][0], rules[endpoint], {})
            if response.status_code != 401 or response.mimetype != "application/problem+json":
                problems.append(f"{method} {path} ({endpoint}) with {identity}'s cookie: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_route_role_matrix(app, login_as):
    clients = {"anonymous": (app.test_client(), None)}
    for role in Role:
        clients[role.value] = login_as(role.value)
    rules = _endpoints(app)
    order = sorted(set(rules) - set(API_EXPECTED), key=lambda e: e == "auth.logout")  # logout last: stay logged in
    problems = []
    for endpoint in order:
        for identity in IDENTITIES:
            client, _ = clients[identity]
            method, path, response = _request(client, rules[endpoint])
            problem = _problem(identity, EXPECTED[endpoint], response)
            if problem:
                problems.append(f"{method} {path} ({endpoint}) as {identity}: {problem}")
    assert not problems, "\n".join(problems)
