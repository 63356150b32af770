"""The clinic application factory. Reads like a table of contents: see each register_* below."""

from __future__ import annotations

from flask import Flask

from clinic.config import PROJECT_DIR, check_production, load_config
from clinic.transactions import ClinicFlask
from clinic.urls import trusted_hosts


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
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    import sqlalchemy as sa

    from clinic import (
        limits,
        models,  # noqa: F401 - every model on the metadata, for migrations and create_all
    )
    from clinic.access import enforce_access_policy
    from clinic.db import enable_sqlite_pragmas
    from clinic.extensions import csrf, db, limiter, login_manager, mail, migrate, talisman
    from clinic.security import CONTENT_SECURITY_POLICY, no_store, trust_proxies

    db.init_app(app)
    with app.app_context():
        sa.event.listen(db.engine, "connect", enable_sqlite_pragmas)
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True,
                     compare_type=True)
    trust_proxies(app)
    limits.register(app)  # before CSRF reads a body, and before any route is added
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    talisman.init_app(
        app,
        force_https=app.config["CLINIC_HTTPS"],
        session_cookie_secure=app.config["CLINIC_HTTPS"] or app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        strict_transport_security=True,
        permissions_policy={"geolocation": "()", "microphone": "()", "camera": "(self)"},
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side login session does this job, see auth.services

    from clinic.auth.services import load_session_user

    login_manager.user_loader(load_session_user)
    app.before_request(enforce_access_policy)
    app.after_request(no_store)


def register_blueprints(app: Flask) -> None:
    from clinic.audit.views import bp as audit_bp
    from clinic.auth import two_factor_views  # noqa: F401 - adds the two-factor routes to auth and users
    from clinic.auth.admin_views import bp as users_bp
    from clinic.auth.views import bp as auth_bp
    from clinic.patients.views import bp as patients_bp
    from clinic.portal.views import bp as portal_bp
    from clinic.scheduling import blueprints as scheduling_blueprints

    for blueprint in (auth_bp, users_bp, patients_bp, portal_bp, audit_bp, *scheduling_blueprints()):
        app.register_blueprint(blueprint)
    register_routine_blueprints(app)


def register_routine_blueprints(app: Flask) -> None:
    from clinic.portal.routine_views import bp as portal_routine_bp
    from clinic.reminders.views import bp as reminders_bp
    from clinic.routines.views import bp as routines_bp

    for blueprint in (routines_bp, portal_routine_bp, reminders_bp):
        app.register_blueprint(blueprint)
    register_treatment_blueprints(app)


def register_treatment_blueprints(app: Flask) -> None:
    from clinic.catalog.views import bp as catalog_bp
    from clinic.consents.views import bp as consents_bp
    from clinic.photos.views import bp as photos_bp
    from clinic.portal.consent_views import bp as portal_consents_bp
    from clinic.treatments.views import bp as treatments_bp

    for blueprint in (treatments_bp, catalog_bp, consents_bp, portal_consents_bp, photos_bp):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from clinic.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from clinic.templating import register

    register(app)


def register_commands(app: Flask) -> None:
    from clinic.cli import register

    register(app)
