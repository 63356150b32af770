"""Synthetic clinic data at scale for the benchmarks (fast bulk inserts, deterministic)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from clinic.auth.services import create_user
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import Patient, PatientConcern
from clinic.patients.services import new_record_number

FIRST = ["Olivia", "Emma", "Ava", "Liam", "Noah", "Mia", "Priya", "Kenji", "Omar", "Zoe", "Leila", "Hugo"]
LAST = ["Smith", "Garcia", "Nguyen", "Patel", "Kim", "Rossi", "Novak", "Silva", "Cohen", "Tanaka", "Larsen"]
CONCERNS = ["aging", "pigmentation", "rosacea", "hair_loss", "dryness", "texture", "acne_scars"]
PASSWORD = "bench-password-2026"  # noqa: S105


def make_clinic_with_staff() -> tuple[Clinic, str]:
    # No second factor: the bench logs in with a password only (two-factor login is timed nowhere here).
    clinic = Clinic(name="Bench Clinic", timezone="America/New_York", totp_required_roles="")
    db.session.add(clinic)
    db.session.flush()
    user = create_user(
        clinic_id=clinic.id,
        email="bench.derm@example.test",
        full_name="Bench Derm",
        role="dermatologist",
        password=PASSWORD,
    )
    return clinic, user.email


def add_patients(clinic: Clinic, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    batch = []
    for i in range(count):
        first, last = rng.choice(FIRST), f"{rng.choice(LAST)}{i}"
        batch.append(
            dict(
                clinic_id=clinic.id,
                record_number=new_record_number(),
                first_name=first,
                last_name=last,
                date_of_birth=date(1950, 1, 1) + timedelta(days=rng.randint(0, 20000)),
                sex="female",
                email=f"{first}.{last}@bench.example".lower(),
                phone=f"555{i:07d}",
                phone_digits=f"555{i:07d}",
                timezone="America/New_York",
                version=1,
            )
        )
        if len(batch) == 1000:
            _flush(batch, rng)
            batch = []
    if batch:
        _flush(batch, rng)


def _flush(rows: list[dict], rng: random.Random) -> None:
    from clinic.db import now_utc

    now = now_utc()
    for row in rows:
        row["created_at"] = row["updated_at"] = now
    ids = db.session.scalars(sa.insert(Patient).returning(Patient.id), rows).all()
    db.session.execute(
        sa.insert(PatientConcern), [{"patient_id": pid, "concern": c} for pid in ids for c in rng.sample(CONCERNS, 2)]
    )


def patient_csv(count: int, seed: int = 7, prefix: str = "EXT") -> bytes:
    """A patient import file in the documented layout (README, "Import from another system"): `count` valid,
    distinct patients with external ids `<prefix>-000001`..., as another product might export them."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    lines = ["external_id,first_name,last_name,date_of_birth,sex,email,phone,timezone,fitzpatrick,concerns,allergies"]
    for i in range(1, count + 1):
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
        concerns = "|".join(sorted(rng.sample(CONCERNS, rng.randrange(0, 3))))
        lines.append(
            f"{prefix}-{i:06d},{rng.choice(FIRST)},{rng.choice(LAST)}{i},{born.isoformat()},"
            f"{rng.choice(['female', 'male', 'unknown'])},{prefix.lower()}{i}@example.com,555-01{i:06d},"
            f"America/New_York,{rng.choice(['', 'II', '3', 'IV'])},{concerns},"
        )
    return ("\n".join(lines) + "\n").encode()
