"""Static assets (clinic/assets.py): hashed names in pages, immutable caching, gzip/brotli, page weight.

A cold page view is the page plus each asset it links, in the smallest encoding the browser accepts; a warm
one is the page alone, because every asset it links is cached as immutable under a name that changes with
its content. The browser journey (tests/e2e/test_assets_journey.py) measures the same in Chromium.
"""

from __future__ import annotations

import gzip
import re
import shutil
from datetime import date

import brotli
import pytest

from clinic.assets import YEAR, build, stale
from clinic.catalog.defaults import install_defaults
from clinic.config import PROJECT_DIR
from clinic.extensions import db
from clinic.routines.services import copy_template
from tests.factories import default_clinic, make_patient

COLD_BUDGET = 150 * 1024
HASHED = re.compile(r"-[0-9a-f]{32}\.(css|js)$")


def linked_assets(html: str) -> list[str]:
    return re.findall(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"', html)


@pytest.fixture
def pages(app, login_as) -> dict:
    """A logged-in client per side and the pages to weigh: staff list, chart, day; portal today."""
    staff_client, staff = login_as("dermatologist")
    patient = make_patient()
    install_defaults(default_clinic())
    copy_template(patient, "aging", starts_on=date.today(), user=staff)
    portal_client, _ = login_as("patient", patient=patient)
    db.session.commit()
    return {
        "/login": app.test_client(),
        "/patients": staff_client,
        f"/patients/{patient.id}": staff_client,
        "/schedule/day": staff_client,
        "/schedule/week": staff_client,
        "/schedule/followups": staff_client,
        "/portal/today": portal_client,
    }


def test_pages_link_hashed_assets(pages):
    for path, client in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assets = linked_assets(response.text)
        assert assets, path
        assert all(url.startswith("/static/") and HASHED.search(url) for url in assets), (path, assets)


def test_hashed_assets_are_immutable_for_a_year_and_plain_names_revalidate(client):
    for url in linked_assets(client.get("/login").text):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == f"max-age={YEAR}, public, immutable"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200
    assert plain.headers["Cache-Control"] == "max-age=0, public"


@pytest.mark.parametrize(
    ("accept", "encoding"), [("br, gzip, deflate", "br"), ("gzip, deflate", "gzip"), ("identity", None), ("", None)]
)
def test_assets_are_compressed_as_the_client_accepts(client, accept, encoding):
    original = (PROJECT_DIR / "static/vendor/bootstrap/bootstrap.min.css").read_bytes()
    url = next(u for u in linked_assets(client.get("/login").text) if "bootstrap.min" in u)
    response = client.get(url, headers={"Accept-Encoding": accept})
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding]
    assert decode(response.data) == original
    if encoding:
        assert len(response.data) < len(original) / 5


def test_cold_page_view_within_budget_and_warm_view_is_one_request(pages):
    for path, client in pages.items():
        page = client.get(path, headers={"Accept-Encoding": "br, gzip"})
        assert "no-store" in page.headers["Cache-Control"]  # the page itself is never cached
        cold = len(page.data)
        warm_requests = 1
        for url in linked_assets(page.text):
            asset = client.get(url, headers={"Accept-Encoding": "br, gzip"})
            assert asset.headers["Content-Encoding"] in ("br", "gzip") or len(asset.data) < 1024, url
            cold += len(asset.data)
            if "immutable" not in asset.headers["Cache-Control"]:
                warm_requests += 1  # a browser would ask again on the next view
        assert cold <= COLD_BUDGET, (path, cold)
        assert warm_requests == 1, path


def test_build_runs_when_a_source_changes(tmp_path):
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    source = folder / "css/app.css"
    shutil.copy(PROJECT_DIR / "static/css/app.css", source)
    assert stale(folder)
    assert build(folder)
    assert not stale(folder) and not build(folder)
    first = {p.name for p in (folder / "css").iterdir()}
    assert any(HASHED.search(name) for name in first)
    assert {"app.css.gz", "app.css.br"} <= first
    source.write_text(source.read_text() + "\n.new-rule { color: red; }\n")
    assert stale(folder) and build(folder)
    assert len([n for n in (folder / "css").iterdir() if HASHED.search(n.name)]) == 2  # old copy kept
