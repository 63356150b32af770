"""`make bench`: prints figures; asserts nothing. Runs on SQLite, and on PostgreSQL when one answers.

Measured:
- each page (patient list, chart, day, week, follow-up queue, portal today) as a percentage of a bare route
  of the same app under the same gunicorn (2 sync workers), interleaved, at BENCH_PAGE_SIZES patients
  (default 1000; `BENCH_PAGE_SIZES=1000,10000` adds the larger clinic), with the load average meanwhile,
  and each page's weight cold and warm (bench/pages.py);
- patient list and search page latency (median, p95) and queries per page at several patient counts;
- login (argon2id with the production cost) per attempt;
- reminder planning (set-based SQL) and SMTP dispatch throughput, one and two dispatchers (bench/reminders.py);
- importing a 10,000-row patient CSV: dry run, first run, second run (bench/imports.py);
- the patient's whole record with years of history: portal ZIP and FHIR $everything, time and peak memory
  (bench/fhir_record.py);
- peak memory of the process.
"""

from __future__ import annotations

import contextlib
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator

import sqlalchemy as sa

from bench.pages import measure, print_table
from bench.reminders import ReminderFigures
from clinic import create_app
from clinic.extensions import db

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,20000").split(",")]
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
REMINDER_PATIENTS = int(os.environ.get("BENCH_REMINDER_PATIENTS", "1000"))
PAGE_SIZES = [int(s) for s in os.environ.get("BENCH_PAGE_SIZES", "1000").split(",")]
PG_ADMIN = os.environ.get("CLINIC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _timed(client, url: str, n: int) -> tuple[float, float, int]:
    counter = {"n": 0}

    def count(*_args, **_kwargs):
        counter["n"] += 1

    samples = []
    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(n):
            counter["n"] = 0
            start = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], counter["n"]


def _login(client, email: str, password: str) -> float:
    from tests.conftest import IsolatedClient

    assert isinstance(client, IsolatedClient)
    start = time.perf_counter()
    response = client.post("/login", data={"email": email, "password": password})
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 302, response.text[:500]
    return elapsed


def bench_backend(name: str, url: str) -> ReminderFigures:
    from bench.generate import PASSWORD, add_patients, make_clinic_with_staff
    from tests.conftest import IsolatedClient

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 40, "RATELIMIT_ENABLED": False})
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        clinic, email = make_clinic_with_staff()
        db.session.commit()
        client = app.test_client()
        login_ms = _login(client, email, PASSWORD)
        print(f"[{name}] login (argon2id t=3, m=64 MiB): {login_ms:.0f} ms")
        have = 0
        for size in SIZES:
            add_patients(clinic, size - have)
            have = size
            db.session.commit()
            for label, path in (
                ("list page 1", "/patients"),
                ("list page 20", "/patients?page=20"),
                ("search 'smith'", "/patients?q=smith"),
            ):
                med, p95, queries = _timed(client, path, REQUESTS)
                print(
                    f"[{name}] {size:>6} patients  {label:<15} median {med:6.1f} ms  p95 {p95:6.1f} ms  "
                    f"{queries} queries"
                )
        db.session.remove()
        db.drop_all()
        db.create_all()
        reminder_clinic, _ = make_clinic_with_staff()
        db.session.commit()
        from bench.reminders import bench_reminders

        reminders = bench_reminders(name, app, reminder_clinic, REMINDER_PATIENTS)
        db.session.remove()
        db.drop_all()
        db.create_all()
        from bench.imports import bench_imports

        bench_imports(name)
        db.session.remove()
        db.drop_all()
        db.create_all()
        record_clinic, _ = make_clinic_with_staff()
        db.session.commit()
        from bench.fhir_record import bench_record

        bench_record(name, app, record_clinic)
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return reminders


@contextlib.contextmanager
def database(backend: str) -> Iterator[str | None]:
    """A fresh, empty database URL on `backend`, dropped afterwards; None when PostgreSQL does not answer."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    try:
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"clinic_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as error:  # noqa: BLE001
        print(f"[postgres] not run: {error.__class__.__name__}")
        yield None
        return
    try:
        yield sa.make_url(PG_ADMIN).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def print_reminders(figures: dict[str, ReminderFigures]) -> None:
    print()
    print(f"Reminders ({REMINDER_PATIENTS} patients' PM reminders, local aiosmtpd sink in its own process)")
    print("| backend | planning | raw INSERT ... SELECT | ratio (target <= 2x) | 1 dispatcher (>= 500/s) | 2 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, f in figures.items():
        print(
            f"| {name} | {f.plan_s * 1000:.0f} ms | {f.raw_s * 1000:.0f} ms | {f.plan_s / f.raw_s:.1f}x | "
            f"{f.per_second:.0f}/s | {f.parallel:.0f}/s |"
        )


def main() -> int:
    started = os.getloadavg()
    page_results, page_loads = {}, {}
    for backend in ("sqlite", "postgres"):
        for size in PAGE_SIZES:
            with database(backend) as url:
                if url is None:
                    break
                print(f"[{backend}] pages at {size:,} patients ...", flush=True)
                page_results[(backend, size)], page_loads[(backend, size)] = measure(url, size)
    reminders = {}
    for backend in ("sqlite", "postgres"):
        with database(backend) as url:
            if url is not None:
                reminders[backend] = bench_backend(backend, url)
    print_table(page_results, page_loads)
    print_reminders(reminders)
    ended = os.getloadavg()
    print()
    print(
        f"load average (1, 5, 15 min) at start {started[0]:.1f}, {started[1]:.1f}, {started[2]:.1f}; "
        f"at end {ended[0]:.1f}, {ended[1]:.1f}, {ended[2]:.1f}; {os.cpu_count()} CPUs"
    )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak_mib:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
