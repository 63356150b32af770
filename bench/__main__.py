"""`make bench`: prints figures; asserts nothing. Runs on SQLite, and on PostgreSQL when one answers.

Measured:
- patient list and search page latency (median, p95) and queries per page at several patient counts;
- login (argon2id with the production cost) per attempt;
- reminder planning (set-based SQL) and SMTP dispatch throughput, one and two dispatchers (bench/reminders.py);
- importing a 10,000-row patient CSV: dry run, first run, second run (bench/imports.py);
- the patient's whole record with years of history: portal ZIP and FHIR $everything, time and peak memory
  (bench/fhir_record.py);
- peak memory of the process.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa

from clinic import create_app
from clinic.extensions import db

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,20000").split(",")]
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
REMINDER_PATIENTS = int(os.environ.get("BENCH_REMINDER_PATIENTS", "300"))
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


def bench_backend(name: str, url: str) -> None:
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

        bench_reminders(name, app, reminder_clinic, REMINDER_PATIENTS)
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


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        bench_backend("sqlite", f"sqlite:///{tmp}/bench.db")
    try:
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"clinic_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as error:  # noqa: BLE001
        print(f"[postgres] not run: {error.__class__.__name__}")
    else:
        try:
            bench_backend("postgres", sa.make_url(PG_ADMIN).set(database=name).render_as_string(False))
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak_mib:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
