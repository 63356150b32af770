"""Findings 2, 6, 7 and 10 of issue 15: no caching of PHI, a request size limit, a shared login throttle in
production, and no unknown environment name or development key outside tests and a local run."""

from __future__ import annotations

import click
import pytest

from clinic import create_app
from clinic.config import DEV_SECRET_KEY, check_environment, check_production
from clinic.extensions import db
from clinic.scheduling.feeds import create_feed
from tests.factories import make_patient, make_user
from tests.treatments.factories import make_lot

STRONG = "k3J9-qPz_7vXw2Lr8TmN4yBc6HdG1sFa0eUo5iQ"


def _no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


class TestNoStore:
    def test_staff_pages_and_exports(self, app, login_as):
        client, user = login_as("dermatologist")
        patient = make_patient()
        lot = make_lot()
        db.session.commit()
        for path in (
            "/patients",
            f"/patients/{patient.id}",
            f"/admin/catalog/lots/{lot.id}/patients.csv",
            "/routines/adherence",
            "/login",
        ):
            response = client.get(path)
            assert response.status_code in (200, 302), path
            assert _no_store(response), path

    def test_portal_and_data_export(self, app, login_as):
        client, _ = login_as("patient")
        for path in ("/portal", "/portal/my-data.json", "/portal/history"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert _no_store(response), path

    def test_audit_log(self, app, login_as):
        client, _ = login_as("admin")
        response = client.get("/admin/audit")
        assert response.status_code == 200 and _no_store(response)

    def test_calendar_feed_is_private_and_not_stored(self, app, client):
        patient = make_patient()
        token = create_feed(patient.clinic_id, patient_id=patient.id)
        db.session.commit()
        response = client.get(f"/calendar/{token}.ics")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"

    def test_static_files_may_be_cached(self, client):
        response = client.get("/static/css/app.css")
        assert response.status_code == 200 and not _no_store(response)


class TestBodySize:
    def test_anonymous_large_post_is_refused_with_413(self, client):
        response = client.post("/login", data={"email": "x@example.com", "password": "p" * (2 * 1024 * 1024)})
        assert response.status_code == 413
        assert "too large" in response.text.lower()

    def test_large_body_without_form_is_refused(self, client):
        response = client.post(
            "/password/forgot", data=b"x" * (3 * 1024 * 1024), content_type="application/octet-stream"
        )
        assert response.status_code == 413

    def test_photo_upload_may_carry_a_photo(self, app, login_as):
        client, _ = login_as("dermatologist")
        body = {"view": "front", "phase": "before", "photo": (__import__("io").BytesIO(b"x" * 2_000_000), "big.jpg")}
        response = client.post("/treatments/1/photos", data=body, content_type="multipart/form-data")
        assert response.status_code != 413  # 404: no such session, but the body was accepted

    def test_photo_upload_above_the_photo_limit_is_refused(self, app, login_as):
        app.config["CLINIC_PHOTO_MAX_BYTES"] = 1_000_000
        client, _ = login_as("dermatologist")
        body = {"photo": (__import__("io").BytesIO(b"x" * 1_500_000), "big.jpg")}
        response = client.post("/treatments/1/photos", data=body, content_type="multipart/form-data")
        assert response.status_code == 413


class TestProductionThrottleStorage:
    BASE = {"ENV_NAME": "production", "SECRET_KEY": STRONG, "CLINIC_BASE_URL": "https://clinic.example.org"}

    def test_in_memory_throttle_is_refused(self):
        with pytest.raises(RuntimeError, match="REDIS_URL"):
            check_production({**self.BASE, "RATELIMIT_STORAGE_URI": "memory://"})

    def test_redis_is_accepted(self):
        check_production({**self.BASE, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"})

    def test_a_declared_single_process_may_keep_memory(self):
        check_production({**self.BASE, "RATELIMIT_STORAGE_URI": "memory://", "CLINIC_SINGLE_PROCESS": True})


class TestEnvironmentNames:
    @pytest.mark.parametrize("name", ["Production", "prod", "PRODUCTION", "staging", "", None])
    def test_unknown_names_are_refused(self, name):
        with pytest.raises(RuntimeError, match="CLINIC_ENV"):
            check_environment({"ENV_NAME": name, "SECRET_KEY": STRONG})

    def test_development_key_is_refused_under_a_wsgi_server(self):
        with pytest.raises(RuntimeError, match="development key"):
            check_environment({"ENV_NAME": "development", "SECRET_KEY": DEV_SECRET_KEY})

    def test_development_key_is_refused_for_flask_run_on_a_public_address(self):
        command = click.Command("run", params=[click.Option(["--host"])])
        with click.Context(command, info_name="run") as ctx:
            ctx.params["host"] = "0.0.0.0"  # noqa: S104
            with pytest.raises(RuntimeError, match="development key"):
                check_environment({"ENV_NAME": "development", "SECRET_KEY": DEV_SECRET_KEY})
            ctx.params["host"] = "127.0.0.1"
            check_environment({"ENV_NAME": "development", "SECRET_KEY": DEV_SECRET_KEY})

    def test_create_app_refuses_a_misspelt_production(self, database_url):
        with pytest.raises(RuntimeError, match="CLINIC_ENV"):
            create_app(
                {"ENV_NAME": "Production", "SECRET_KEY": DEV_SECRET_KEY, "SQLALCHEMY_DATABASE_URI": database_url}
            )


def test_forged_unsubscribe_token_with_the_development_key_fails(app, client):
    """A token signed with the public development key is worthless once the app refuses that key."""
    from itsdangerous import URLSafeSerializer

    patient = make_patient()
    make_user("patient", patient=patient)
    db.session.commit()
    forged = URLSafeSerializer(DEV_SECRET_KEY, salt="reminders-unsubscribe").dumps({"patient": patient.id})
    response = client.get(f"/reminders/unsubscribe/{forged}")
    assert response.status_code in (400, 404)


class TestUnsubscribeTokens:
    def test_a_boolean_is_not_a_patient_id(self, app, client):
        from itsdangerous import URLSafeTimedSerializer

        patient = make_patient()
        db.session.commit()
        assert patient.id == 1  # True == 1 in Python: the old check let `True` through as patient 1
        forged = URLSafeTimedSerializer(app.secret_key, salt="reminders-unsubscribe").dumps({"patient": True})
        assert client.get(f"/reminders/unsubscribe/{forged}").status_code == 404

    def test_tokens_expire_after_a_year(self, app, client):
        from datetime import UTC, datetime, timedelta

        import time_machine

        from clinic.reminders.tokens import unsubscribe_token

        patient = make_patient()
        db.session.commit()
        start = datetime(2026, 1, 1, tzinfo=UTC)
        with time_machine.travel(start, tick=False) as traveller:
            with app.test_request_context():
                token = unsubscribe_token(patient.id)
            assert client.get(f"/reminders/unsubscribe/{token}").status_code == 200
            traveller.shift(timedelta(days=366))
            assert client.get(f"/reminders/unsubscribe/{token}").status_code == 404


def test_styles_need_no_unsafe_inline(client):
    """The CSP allows styles from our own files only, and no page template carries an inline style. E-mails and
    downloads (templates/downloads: the whole-record summary, a file opened from disk) carry their own styles:
    no CSP applies there and they must not fetch anything."""
    from pathlib import Path

    policy = client.get("/login").headers["Content-Security-Policy"]
    style_src = next(p for p in policy.split(";") if p.strip().startswith("style-src"))
    assert "'unsafe-inline'" not in style_src
    templates = Path(__file__).resolve().parents[2] / "templates"
    inline = [
        str(p)
        for p in templates.rglob("*.html")
        if "emails" not in p.parts
        and "downloads" not in p.parts
        and ('style="' in p.read_text() or "<style" in p.read_text())
    ]
    assert inline == []
