"""Security headers, CSRF, HTTPS-only cookies, production secret key, and error pages that leak nothing."""

import pytest
import sqlalchemy as sa

from clinic import create_app
from clinic.access import public
from clinic.auth.models import User
from clinic.config import DEV_SECRET_KEY, check_production
from clinic.extensions import db
from tests.auth.helpers import events, is_login_redirect
from tests.factories import PASSWORD, make_user
from tests.fixtures.mail import body_text


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/login", "/", "/no-such-page", "/static/css/app.css", "/patients"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp.get("default-src", [])
    assert csp["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http in development


def test_security_headers_on_logged_in_pages(login_as):
    client, _ = login_as("admin")
    response = client.get("/admin/users")
    assert response.status_code == 200
    assert _csp(response)["script-src"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_scripts(login_as):
    client, _ = login_as("admin")
    for path in ("/admin/users", "/admin/audit", "/admin/users/invite"):
        html = client.get(path).text
        assert "<script>" not in html and " onclick=" not in html


class TestCsrf:
    def test_login_without_token_is_refused(self, app, client):
        user = make_user("dermatologist")
        db.session.commit()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD}, csrf=False)
        assert response.status_code == 400
        assert is_login_redirect(client.get("/patients"))

    def test_logout_without_token_is_refused(self, login_as):
        client, _ = login_as("dermatologist")
        assert client.post("/logout", data={}, csrf=False).status_code == 400
        assert client.get("/patients").status_code == 200

    def test_admin_form_without_token_is_refused(self, login_as):
        client, _ = login_as("admin")
        user = make_user("aesthetician")
        db.session.commit()
        assert client.post(f"/admin/users/{user.id}/deactivate", data={}, csrf=False).status_code == 400
        assert client.post(f"/admin/users/{user.id}/role", data={"role": "admin"}, csrf=False).status_code == 400
        db.session.expire_all()
        assert db.session.get(User, user.id).active and db.session.get(User, user.id).role == "aesthetician"


class TestHttps:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "CLINIC_HTTPS": True}

    def test_hsts_on_https_requests(self, client):
        response = client.get("/login", base_url="https://clinic.test")
        assert response.status_code == 200
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")

    def test_plain_http_is_sent_to_https(self, client):
        response = client.get("/login")
        assert response.status_code in (301, 302)
        assert response.headers["Location"].startswith("https://clinic.test/login")

    def test_session_cookie_is_secure_and_http_only(self, app, client):
        user = make_user("dermatologist")
        db.session.commit()
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD},
            base_url="https://clinic.test",
            headers={"Referer": "https://clinic.test/login"},
        )
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie

    def test_emailed_links_use_https(self, app, client, mailbox):
        make_user("dermatologist", email="secure.links@example.com")
        db.session.commit()
        client.post(
            "/password/forgot",
            data={"email": "secure.links@example.com"},
            base_url="https://clinic.test",
            headers={"Referer": "https://clinic.test/password/forgot"},
        )
        [message] = mailbox
        assert "https://clinic.test/password/reset/" in body_text(message)
        assert "http://clinic.test" not in body_text(message)


FORWARDED = {
    "X-Forwarded-For": "203.0.113.5",
    "X-Forwarded-Proto": "https",
    "Referer": "https://clinic.test/login",
}


def _failed_login_ip(client) -> str:
    client.post("/login", data={"email": "x@example.com", "password": "wrong guess 1234"}, headers=FORWARDED)
    [event] = events("auth.login", outcome="failure")
    return event.ip


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(client):
    assert _failed_login_ip(client) == "127.0.0.1"


class TestBehindATrustedProxy:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "TRUSTED_PROXIES": 1}

    def test_forwarded_address_is_used(self, client):
        assert _failed_login_ip(client) == "203.0.113.5"


class TestProductionSecretKey:
    @pytest.mark.parametrize("key", [None, "", DEV_SECRET_KEY, "short-key", "a" * 64, "abcabcabc" * 6])
    def test_weak_keys_are_refused(self, key):
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            check_production({"ENV_NAME": "production", "SECRET_KEY": key})

    def test_strong_key_and_public_address_are_accepted(self):
        check_production(
            {
                "ENV_NAME": "production",
                "SECRET_KEY": "k3J9-qPz_7vXw2Lr8TmN4yBc6HdG1sFa0eUo5iQ",
                "CLINIC_BASE_URL": "https://clinic.example.org",
                "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            }
        )

    def test_production_needs_the_public_address_for_e_mail_links(self):
        with pytest.raises(RuntimeError, match="CLINIC_BASE_URL"):
            check_production({"ENV_NAME": "production", "SECRET_KEY": "k3J9-qPz_7vXw2Lr8TmN4yBc6HdG1sFa0eUo5iQ"})

    def test_development_key_is_fine_under_tests(self):
        check_production({"ENV_NAME": "development", "SECRET_KEY": DEV_SECRET_KEY, "TESTING": True})

    def test_create_app_refuses_to_start(self, database_url):
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            create_app(
                {
                    "ENV_NAME": "production",
                    "SECRET_KEY": DEV_SECRET_KEY,
                    "SQLALCHEMY_DATABASE_URI": database_url,
                }
            )


class TestErrorPages:
    LEAKS = ("Traceback", "SELECT", "secret_column", "sqlalchemy", 'File "', "werkzeug")

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "PROPAGATE_EXCEPTIONS": False}

    @pytest.fixture
    def app(self, app):
        @public
        def explode():
            raise sa.exc.OperationalError("SELECT secret_column FROM patient", {}, Exception("disk on fire"))

        app.add_url_rule("/test-only/explode", "test_explode", explode)
        return app

    def _assert_no_leak(self, response):
        for leak in self.LEAKS:
            assert leak not in response.text

    def test_500(self, client):
        response = client.get("/test-only/explode")
        assert response.status_code == 500
        assert "Something went wrong" in response.text
        self._assert_no_leak(response)

    def test_404(self, client):
        response = client.get("/no/such/page")
        assert response.status_code == 404
        self._assert_no_leak(response)

    def test_403(self, login_as):
        client, _ = login_as("aesthetician")
        response = client.get("/admin/users")
        assert response.status_code == 403
        assert "not in" not in response.text and "admin" not in response.text.lower().split("<main")[1]
        self._assert_no_leak(response)
