"""Wiring the API into the app: token login, problem+json errors, CSRF exemption, rate limit, blueprints."""

from __future__ import annotations

from flask import Flask, current_app

from clinic import errors
from clinic.api import appointments, auth, catalog, clinical, docs_views, patients, routines, token_views
from clinic.api.problems import render_problem
from clinic.api.spec import make_api
from clinic.extensions import csrf, limiter, login_manager

#: The resources under /api/v1, each a flask-smorest blueprint (documented in the OpenAPI document).
RESOURCES = (patients.blp, appointments.blp, clinical.blp, routines.blp, catalog.blp)
API_BLUEPRINTS = (*RESOURCES, docs_views.spec_bp)
DEFAULT_RATE_LIMIT = "300/minute"
#: Per address, over every token it presents: guessing tokens (each refusal is audited) slows down too.
DEFAULT_ADDRESS_RATE_LIMIT = "1200/minute"

# Once per process (the extensions are module-level; a second decoration would count every call twice).
_per_token = limiter.shared_limit(
    lambda: current_app.config["CLINIC_API_RATE_LIMIT"], scope="api", key_func=auth.rate_key
)
_per_address = limiter.shared_limit(
    lambda: current_app.config["CLINIC_API_ADDRESS_RATE_LIMIT"], scope="api-address", key_func=auth.address_key
)
for _blueprint in API_BLUEPRINTS:
    login_manager.blueprint_login_views[_blueprint.name] = None  # 401, never a redirect to the login page
    csrf.exempt(_blueprint)  # no cookie session is accepted there (api.auth), so there is nothing to forge
    _per_token(_blueprint)
    _per_address(_blueprint)


def register(app: Flask) -> None:
    app.config.setdefault("CLINIC_API_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    app.config.setdefault("CLINIC_API_ADDRESS_RATE_LIMIT", DEFAULT_ADDRESS_RATE_LIMIT)
    login_manager.user_loader(auth.session_user_outside_api)
    login_manager.request_loader(auth.user_from_token)
    errors.register_renderer(render_problem)
    api = make_api(app)
    for blueprint in RESOURCES:
        api.register_blueprint(blueprint)
    app.register_blueprint(docs_views.spec_bp)
    app.register_blueprint(docs_views.bp)
    app.register_blueprint(token_views.bp)
    app.extensions["clinic-api"] = api
    app.before_request(auth.guard)
