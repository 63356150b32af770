"""Pages as a share of a bare route of the same app under the same gunicorn, and page weights.

For each backend and size: the demo clinic (appointments, series, signed sessions, routines, adherence:
clinic/demo.py) plus bulk patients up to the size (bench/generate.py), served by gunicorn with 2 sync
workers (`bench/wsgi.py`, which adds `/bench/bare`). Each page is measured in rounds interleaved with the
bare route (bare, page, bare, page ...; the bare route without a session cookie, as a visitor's first
request: the strict yardstick), each step `BENCH_SECONDS` with 8 client threads; the figure is the
median over rounds of the page's requests/s divided by the mean of the bare runs around it. Then each
page's weight: cold (the page and every asset it links, as a browser accepting brotli fetches them) and
warm (assets cached as immutable: the page alone, one request).
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

from bench.load import fetch, hammer

ROOT = Path(__file__).resolve().parents[1]
SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
TARGET = 50  # percent of the bare route (issue 10)
ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')


@dataclass
class PageResult:
    label: str
    path: str
    ratios: list[float] = field(default_factory=list)
    cold: int = 0
    warm: int = 0
    assets: int = 0

    @property
    def percent(self) -> float:
        return 100 * statistics.median(self.ratios)


def prepare_data(url: str, size: int) -> dict:
    """Demo clinic + bulk patients up to `size`; returns the ids the page paths need."""
    from bench.generate import add_patients
    from clinic import create_app
    from clinic.clinics.models import Clinic
    from clinic.demo import CLINIC_NAME, PORTAL_PATIENTS, seed
    from clinic.extensions import db
    from clinic.patients.models import Patient
    from clinic.treatments.models import TreatmentSession

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 40, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        logins = seed()
        db.session.flush()
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == CLINIC_NAME))
        clinic.totp_required_roles = ""  # the bench logs in with passwords only
        have = db.session.scalar(sa.select(sa.func.count(Patient.id)))
        add_patients(clinic, max(size - have, 0))
        chart = db.session.scalar(
            sa.select(TreatmentSession.patient_id)
            .group_by(TreatmentSession.patient_id)
            .order_by(sa.func.count().desc(), TreatmentSession.patient_id)
            .limit(1)
        )
        db.session.commit()
        db.engine.dispose()
    portal_email = [email for role, email in logins if role == "patient"][0]
    assert PORTAL_PATIENTS >= 1
    return {"chart": chart, "staff": "sofia@lumen.example", "patient": portal_email}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn, 2 sync workers, serving bench/wsgi.py on a free port."""

    def __init__(self, url: str) -> None:
        self.port = _free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_urlsafe(40),
            "CLINIC_BASE_URL": f"http://127.0.0.1:{self.port}",
            "CLINIC_SINGLE_PROCESS": "1",
            "FLASK_APP": "bench.wsgi:app",
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.proc = subprocess.Popen(  # noqa: S603 - our own server
            [str(gunicorn), "--no-control-socket", "-w", "2", "-b", f"127.0.0.1:{self.port}", "bench.wsgi:app"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(300):
            try:
                if fetch("127.0.0.1", self.port, "/bench/bare")[0] == 200:
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(self.proc.stderr.read().decode()[-2000:]) from None
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


def log_in(port: int, email: str, password: str) -> dict:
    """Headers (the session cookie) of a logged-in browser."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = SimpleCookie(response.headers.get("Set-Cookie", ""))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    jar = {k: v.value for k, v in cookie.items()}
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urlencode({"csrf_token": token.group(1), "email": email, "password": password})
    conn.request(
        "POST",
        "/login",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        },
    )
    response = conn.getresponse()
    response.read()
    assert response.status == 302, f"login of {email}: {response.status}"
    jar.update({k: v.value for k, v in SimpleCookie(response.headers.get("Set-Cookie", "")).items()})
    conn.close()
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}


def weigh(port: int, path: str, headers: dict) -> tuple[int, int, int]:
    """(cold bytes, warm bytes, assets): the page and its assets as a brotli-accepting browser fetches them."""
    accept = {**headers, "Accept-Encoding": "br, gzip"}
    status, page = fetch("127.0.0.1", port, path, accept)
    assert status == 200, (path, status)
    assets = ASSET.findall(page.decode())
    cold = len(page) + sum(len(fetch("127.0.0.1", port, url, accept)[1]) for url in assets)
    return cold, len(page), len(assets)


def measure(url: str, size: int) -> tuple[list[PageResult], tuple[float, float]]:
    from clinic.demo import DEMO_PASSWORD

    ids = prepare_data(url, size)
    server = Server(url)
    load_before = os.getloadavg()[0]
    try:
        staff = log_in(server.port, ids["staff"], DEMO_PASSWORD)
        patient = log_in(server.port, ids["patient"], DEMO_PASSWORD)
        pages = [
            (PageResult("patient list", "/patients"), staff),
            (PageResult("chart", f"/patients/{ids['chart']}"), staff),
            (PageResult("day", "/schedule/day"), staff),
            (PageResult("week", "/schedule/week"), staff),
            (PageResult("follow-up queue", "/schedule/followups"), staff),
            (PageResult("portal today", "/portal/today"), patient),
        ]
        for result, headers in pages:
            result.cold, result.warm, result.assets = weigh(server.port, result.path, headers)
        hammer("127.0.0.1", server.port, "/bench/bare", {}, 1.0, THREADS)  # warm-up
        for _ in range(ROUNDS):
            for result, headers in pages:
                before = hammer("127.0.0.1", server.port, "/bench/bare", {}, SECONDS, THREADS)
                page = hammer("127.0.0.1", server.port, result.path, headers, SECONDS, THREADS)
                after = hammer("127.0.0.1", server.port, "/bench/bare", {}, SECONDS, THREADS)
                result.ratios.append(page / ((before + after) / 2))
        load_after = os.getloadavg()[0]
    finally:
        server.stop()
    return [r for r, _ in pages], (load_before, load_after)


def print_table(results: dict[tuple[str, int], list[PageResult]], loads: dict) -> None:
    columns = list(results)
    labels = [r.label for r in next(iter(results.values()))]
    print()
    print(f"Pages: % of the bare route's requests/s (target >= {TARGET}%), gunicorn -w 2 sync, {THREADS} clients")
    print("| page | " + " | ".join(f"{b} {s:,}" for b, s in columns) + " | target |")
    print("| --- | " + " | ".join("---" for _ in columns) + " | --- |")
    for i, label in enumerate(labels):
        cells = [f"{results[c][i].percent:.1f}%" for c in columns]
        print(f"| {label} | " + " | ".join(cells) + f" | >= {TARGET}% |")
    print(
        "| load average (1 min, start/end) | "
        + " | ".join(f"{loads[c][0]:.1f}/{loads[c][1]:.1f}" for c in columns)
        + " | |"
    )
    first = columns[0]
    print()
    print(f"Page weights ({first[0]} {first[1]:,} patients; cold: page + assets as br; warm: page only, 1 request)")
    print("| page | cold KB | warm KB | requests cold/warm |")
    print("| --- | --- | --- | --- |")
    for r in results[first]:
        print(f"| {r.label} | {r.cold / 1024:.1f} | {r.warm / 1024:.1f} | {1 + r.assets}/1 |")


def main() -> None:
    """`python -m bench.pages`: SQLite only, the sizes in BENCH_PAGE_SIZES (default 1000)."""
    import tempfile

    sizes = [int(s) for s in os.environ.get("BENCH_PAGE_SIZES", "1000").split(",")]
    results, loads = {}, {}
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            key = ("sqlite", size)
            results[key], loads[key] = measure(f"sqlite:///{folder}/pages.db", size)
    print_table(results, loads)


if __name__ == "__main__":
    main()
