"""Every route's parameters mutated the way a fuzzer would: never a 500 (finding 5 of issue 15).

Each endpoint is requested by a role allowed to use it, with its `<int:>` path parameters set to real ids
and then to integers too large for any column, and with every query/form field name the app knows (request
arguments and WTForms fields) set to oversized integers and boundary or malformed dates. The answer must
be a page (2xx/3xx) or a clear 4xx, never a server error.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter

import clinic
from clinic.roles import Role
from tests.factories import make_patient, make_user
from tests.test_access_matrix import EXPECTED, PUBLIC

HUGE = "99999999999999999999999"
VALUES = [HUGE, f"-{HUGE}", "9999-12-31", "0001-01-01", "1-1", "9999-12", "2026-13-45", "-1", "x"]
QUERY_NAMES = {
    "appointment",
    "day",
    "end",
    "month",
    "page",
    "patient",
    "protocol",
    "provider",
    "series",
    "start",
    "starts",
    "type",
    "date_from",
    "date_to",
    "before",
    "after",
    "user",
    "q",
}


def _form_field_names() -> set[str]:
    names = set()
    for module in pkgutil.walk_packages(clinic.__path__, "clinic."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    stack = list(FlaskForm.__subclasses__())
    while stack:
        form = stack.pop()
        stack.extend(form.__subclasses__())
        names.update(name for name, _ in getattr(form, "_unbound_fields", None) or [])
    return names - {"csrf_token"}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "PROPAGATE_EXCEPTIONS": False}


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static" and not rule.endpoint.endswith(".static"):
            yield rule


def _role_for(endpoint: str) -> str | None:
    allowed = EXPECTED[endpoint]
    if allowed == PUBLIC:
        return None
    for role in (Role.DERMATOLOGIST, Role.AESTHETICIAN, Role.ADMIN, Role.PATIENT):
        if role in allowed:
            return role.value
    return None


def test_no_route_answers_500_to_mutated_parameters(app, login_as):
    clients = {None: (app.test_client(), None)}
    for role in ("dermatologist", "aesthetician", "admin"):
        clients[role] = login_as(role)
    patient = make_patient()
    clients["patient"] = login_as(user=make_user("patient", patient=patient))
    names = sorted(QUERY_NAMES | _form_field_names())
    problems = []
    for rule in sorted(_rules(app), key=lambda r: r.endpoint == "auth.logout"):
        client, _ = clients[_role_for(rule.endpoint)]
        int_params = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        real = {n: (patient.id if n == "patient_id" else 1) if n in int_params else "x" * 43 for n in rule._converters}
        huge = {**real, **{n: int(HUGE) for n in int_params}}
        paths = [rule.build(real, append_unknown=False)[1]]
        if int_params:
            paths.append(rule.build(huge, append_unknown=False)[1])
        for path in paths:
            for value in VALUES:
                data = {name: value for name in names}
                if "GET" in rule.methods:
                    response = client.get(path, query_string=data)
                else:
                    response = client.post(path, data=data)
                if response.status_code >= 500:
                    problems.append(f"{rule.endpoint} {path} {value!r}: {response.status_code}")
                    break
    assert not problems, "\n".join(problems)
