"""`next` after login only ever leads to a path on this site."""

import pytest

from clinic.auth.redirects import safe_next
from clinic.extensions import db
from tests.factories import PASSWORD, make_user

OFF_SITE = [
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example",
    "http://clinic.test.evil.example/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "\t//evil.example",
    "/\t/evil.example",
    " //evil.example",
    "///evil.example",
    "evil.example",
    "data:text/html,hi",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_next_is_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_with_off_site_next_lands_on_home(app, client, target):
    user = make_user("dermatologist")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/patients"


def test_local_next_with_query_is_kept(app, client):
    user = make_user("dermatologist")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": "/patients?page=2"})
    assert response.headers["Location"] == "/patients?page=2"


def test_login_page_carries_next_from_the_redirect(app, client):
    bounced = client.get("/patients?page=2")
    assert bounced.status_code == 302
    login_page = client.get(bounced.headers["Location"])
    assert 'value="/patients?page=2"' in login_page.text
