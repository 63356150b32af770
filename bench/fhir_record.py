"""The patient's whole record with years of history: the portal ZIP and `$everything`, time and peak memory.

One patient, YEARS years of it: a daily routine of 8 steps ticked every day, a session every 6 weeks (signed,
some amended), scores at every checkpoint, an appointment per session, 60 photos on disk, a reminder a day and
a staff access every other day. Peak memory is Python's (tracemalloc) during the request, measured in a
second run so the timing is not slowed by tracing.
"""

from __future__ import annotations

import os
import tempfile
import time
import tracemalloc
import zipfile
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import sqlalchemy as sa

from clinic.audit.services import record
from clinic.auth.models import User
from clinic.catalog.defaults import install_defaults
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.models import OutboxMessage
from clinic.routines.models import AdherenceLog, RoutineStep
from clinic.routines.services import copy_template

YEARS = int(os.environ.get("BENCH_RECORD_YEARS", "3"))
START = date(2026, 11, 26) - timedelta(days=365 * YEARS)


def _history(clinic, patient: Patient, derm: User, photo_folder) -> None:
    from tests.interop.fhir.world import add_photo
    from tests.treatments.factories import exosome_product, make_lot, signed_session

    routine = copy_template(patient, "aging", starts_on=START, user=derm)
    steps = db.session.scalars(sa.select(RoutineStep).where(RoutineStep.routine_id == routine.id)).all()
    days = (date(2026, 11, 26) - START).days
    rows = [
        {
            "step_id": s.id,
            "patient_id": patient.id,
            "local_date": START + timedelta(days=d),
            "slot": s.slot,
            "status": "done" if d % 9 else "skipped",
            "at": datetime(2026, 1, 1, tzinfo=UTC),
        }
        for s in steps
        for d in range(days)
    ]
    for i in range(0, len(rows), 5000):
        db.session.execute(sa.insert(AdherenceLog), rows[i : i + 5000])
    lot = make_lot(exosome_product(clinic), quantity=10_000)
    for _ in range(days // 42):
        signed_session(patient, derm, lot)
    for d in range(0, days, 18):
        add_photo(patient.id, clinic.id, derm, photo_folder, START + timedelta(days=d))
    now = datetime.now(UTC)
    db.session.execute(
        sa.insert(OutboxMessage),
        [
            {
                "clinic_id": clinic.id,
                "patient_id": patient.id,
                "kind": "routine_pm",
                "dedupe_key": f"bench:{d}",
                "channel": "email",
                "recipient": patient.email,
                "due_at": now,
                "status": "sent",
                "sent_at": now,
                "payload": {},
            }
            for d in range(days)
        ],
    )
    for d in range(0, days, 2):
        record("patient.view", patient_id=patient.id, object_type="patient", object_id=patient.id, user=derm)
        if d % 400 == 0:
            db.session.flush()
    db.session.commit()


def _measure(client, url: str) -> tuple[float, float, int, bytes]:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    tracemalloc.start()
    client.get(url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 2**20, len(response.data), response.data


def bench_record(name: str, app, clinic) -> None:
    from bench.generate import PASSWORD
    from tests.factories import make_patient, make_user
    from tests.fixtures.users import login

    clinic.totp_required_roles = ""
    install_defaults(clinic)
    with tempfile.TemporaryDirectory() as photos:
        app.config["CLINIC_PHOTO_DIR"] = photos
        derm = make_user("dermatologist", clinic=clinic, password=PASSWORD)
        patient = make_patient(clinic)
        portal = make_user("patient", clinic=clinic, patient=patient, password=PASSWORD)
        started = time.perf_counter()
        _history(clinic, patient, derm, Path(photos))
        print(f"[{name}] record of {YEARS} years generated in {time.perf_counter() - started:.0f} s")
        staff, own = app.test_client(), app.test_client()
        login(staff, derm, PASSWORD)
        login(own, portal, PASSWORD)
        seconds, peak, size, _ = _measure(staff, f"/fhir/Patient/{patient.id}/$everything")
        print(
            f"[{name}] $everything, {YEARS} years: {seconds:.1f} s, Bundle {size / 2**20:.1f} MiB, "
            f"peak Python memory {peak:.1f} MiB"
        )
        seconds, peak, size, data = _measure(own, "/portal/my-record.zip")
        with zipfile.ZipFile(BytesIO(data)) as archive:
            bundle = archive.getinfo("record.fhir.json").file_size
            photos_in = sum(1 for n in archive.namelist() if n.startswith("photos/"))
        print(
            f"[{name}] portal ZIP, {YEARS} years: {seconds:.1f} s, ZIP {size / 2**20:.1f} MiB (Bundle "
            f"{bundle / 2**20:.1f} MiB, {photos_in} photos), peak Python memory {peak:.1f} MiB"
        )
