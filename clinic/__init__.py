"""The clinic application factory. Reads like a table of contents: see each register_* below.

Only submodules are bound in this package's namespace (`clinic.db` must stay the module, not the
SQLAlchemy object: migrations refer to `clinic.db.UTCDateTime`).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from clinic import assets, cli, errors, extensions, i18n, limits, models, templating  # noqa: F401 - models: every table on the metadata
from clinic.access import enforce_access_policy
from clinic.api import setup as api_setup
from clinic.audit.views import bp as audit_bp
from clinic.auth import two_factor_views  # noqa: F401 - adds the two-factor routes to auth and users
from clinic.auth.admin_views import bp as users_bp
from clinic.auth.services import load_session_user
from clinic.auth.views import bp as auth_bp
from clinic.catalog.views import bp as catalog_bp
from clinic.chart import views as chart_views  # noqa: F401 - puts the summary at the top of the patient chart
from clinic.config import PROJECT_DIR, check_production, load_config
from clinic.consents.views import bp as consents_bp
from clinic.db import enable_sqlite_pragmas
from clinic.interop.documents.views import bp as documents_bp
from clinic.interop.fhir.views import bp as fhir_bp
from clinic.interop.imports.views import bp as imports_bp
from clinic.outcomes.views import bp as outcomes_bp
from clinic.patients.views import bp as patients_bp
from clinic.photos.views import bp as photos_bp
from clinic.portal.views import bp as portal_bp
from clinic.reminders.views import bp as reminders_bp
from clinic.routines import reminders as routine_reminders  # noqa: F401 - plugs routine reminders into reminders
from clinic.routines.views import bp as routines_bp
from clinic.safety import notices, schedule  # noqa: F401 - the recall notice kind and the signal check's schedule
from clinic.safety.views import bp as safety_bp
from clinic.scheduling import notifications  # noqa: F401 - plugs appointment notices into reminders
from clinic.scheduling.admin_views import bp as scheduling_admin_bp
from clinic.scheduling.feed_views import bp as calendar_feeds_bp
from clinic.scheduling.followup_views import bp as followups_bp
from clinic.scheduling.staff_feed_views import bp as staff_feeds_bp
from clinic.scheduling.views import bp as scheduling_bp
from clinic.scheduling.waitlist_offer_views import bp as waitlist_offers_bp
from clinic.scheduling.waitlist_views import bp as waitlist_bp
from clinic.security import CONTENT_SECURITY_POLICY, FRAME_OPTIONS, REFERRER_POLICY, no_store, trust_proxies
from clinic.transactions import ClinicFlask
from clinic.treatments.views import bp as treatments_bp
from clinic.urls import trusted_hosts

#: Every page of the app, one blueprint per feature (in the order of DESIGN.md's layers).
BLUEPRINTS = (
    auth_bp,
    users_bp,
    audit_bp,
    patients_bp,
    reminders_bp,
    catalog_bp,
    consents_bp,
    photos_bp,
    treatments_bp,
    scheduling_bp,
    followups_bp,
    scheduling_admin_bp,
    waitlist_bp,
    waitlist_offers_bp,
    staff_feeds_bp,
    calendar_feeds_bp,
    routines_bp,
    outcomes_bp,
    imports_bp,
    fhir_bp,
    documents_bp,
    safety_bp,
    portal_bp,
)


def create_app(config: dict | None = None) -> Flask:
    app = ClinicFlask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "static"),
        instance_path=str(PROJECT_DIR / "instance"),
    )
    app.config.update(load_config())
    if config:
        app.config.update(config)
    check_production(app.config)
    app.config["TRUSTED_HOSTS"] = app.config.get("TRUSTED_HOSTS") or trusted_hosts(app.config)
    register_extensions(app)
    register_blueprints(app)
    errors.register(app)
    templating.register(app)
    cli.register(app)
    return app


def register_extensions(app: Flask) -> None:
    extensions.db.init_app(app)
    with app.app_context():
        sa.event.listen(extensions.db.engine, "connect", enable_sqlite_pragmas)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True, compare_type=True
    )
    trust_proxies(app)
    assets.register(app)  # hashed, compressed static files served by WhiteNoise in front of Flask
    limits.register(app)  # before CSRF reads a body, and before any route is added
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    extensions.mail.init_app(app)
    i18n.register(app)  # Flask-Babel: the patient's language and time zone, catalogues compiled when stale
    extensions.talisman.init_app(
        app,
        force_https=app.config["CLINIC_HTTPS"],
        session_cookie_secure=app.config["CLINIC_HTTPS"] or app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options=FRAME_OPTIONS,
        referrer_policy=REFERRER_POLICY,
        strict_transport_security=True,
        permissions_policy={"geolocation": "()", "microphone": "()", "camera": "(self)"},
    )
    extensions.login_manager.init_app(app)
    extensions.login_manager.login_view = "auth.login"
    extensions.login_manager.login_message = "Please log in to see that page."
    extensions.login_manager.login_message_category = "info"
    extensions.login_manager.session_protection = None  # the server-side login session does this job, see auth.services
    extensions.login_manager.user_loader(load_session_user)
    app.before_request(enforce_access_policy)
    app.after_request(no_store)


def register_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    api_setup.register(app)  # /api/v1 (token login, problem+json, OpenAPI) and the API tokens settings page
