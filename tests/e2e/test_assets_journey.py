"""Hashed, compressed assets in Chromium under the app's CSP: styles and scripts load, a cold view stays
within 150 KB transferred, and a warm view fetches nothing but the page (Resource Timing's transferSize is
0 for what the browser cache answers)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, make_user

ARTIFACTS = Path(__file__).with_name("artifacts")
TRANSFERS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const assets = performance.getEntriesByType('resource').filter(e => e.name.includes('/static/'));
  return {page: nav.transferSize, assets: assets.map(e => [e.name, e.transferSize, e.encodedBodySize])};
}"""


def test_pages_load_hashed_compressed_assets_under_csp_and_cache_them(browser, live_server, seed):
    email = seed(lambda: make_user("aesthetician").email)
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    encodings: dict[str, str] = {}
    page.on("response", lambda r: encodings.update({r.url: r.headers.get("content-encoding", "")}))

    page.goto("/login")
    cold = page.evaluate(TRANSFERS)
    assert len(cold["assets"]) >= 4
    assert all(size > 0 for _, size, _ in cold["assets"])  # first visit: fetched
    assert cold["page"] + sum(size for _, size, _ in cold["assets"]) <= 150 * 1024
    assert all(encodings[url] == "br" for url, _, _ in cold["assets"] if url.endswith((".css", ".js")))
    # Bootstrap's CSS applies and its JavaScript runs.
    assert page.evaluate("() => getComputedStyle(document.querySelector('.btn-primary')).borderRadius") != "0px"
    assert page.evaluate("() => typeof window.bootstrap") == "object"

    log_in(page, email, PASSWORD)
    page.get_by_role("heading", name="Patients").wait_for()
    warm = page.evaluate(TRANSFERS)
    assert warm["assets"], "the patient list links the same assets"
    assert [url for url, size, _ in warm["assets"] if size != 0] == []  # all from the browser cache
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "assets-patients-1280.png"))
    assert refused == []
    context.close()
