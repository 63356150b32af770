"""Demo data for `flask seed-demo`: one clinic, its staff, 50 patients with varied concerns and histories,
several with portal accounts, and the catalog defaults. Idempotent: a second run adds nothing.

Everything is generated from a fixed random seed, so every install shows the same demo clinic.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from clinic.auth.models import User
from clinic.auth.services import create_user
from clinic.catalog.defaults import install_defaults
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import CONCERNS, MedicalHistory, Patient
from clinic.patients.services import PatientDetails, create_patient
from clinic.routines import demo as routine_demo
from clinic.scheduling.demo import seed as seed_scheduling
from clinic.scheduling.demo import seed_in_session
from clinic.treatments import demo as treatments_demo

DEMO_PASSWORD = "exosome-demo-2026"  # noqa: S105 - demo data only, printed on purpose
CLINIC_NAME = "Lumen Skin & Hair Clinic"

STAFF = [
    ("admin", "admin@lumen.example", "Alex Morgan"),
    ("dermatologist", "dr.chen@lumen.example", "Dr. Maya Chen"),
    ("dermatologist", "dr.okafor@lumen.example", "Dr. Daniel Okafor"),
    ("aesthetician", "sofia@lumen.example", "Sofia Alvarez"),
    ("aesthetician", "jamie@lumen.example", "Jamie Brooks"),
]
PORTAL_PATIENTS = 6  # the first N demo patients get portal accounts
SPANISH_PATIENT_EMAIL = "lucia.hernandez@patients.example"  # one more, who reads the portal in Spanish

FIRST_NAMES = [
    "Olivia",
    "Emma",
    "Ava",
    "Sophia",
    "Isabella",
    "Mia",
    "Amelia",
    "Harper",
    "Evelyn",
    "Abigail",
    "Liam",
    "Noah",
    "Oliver",
    "Elijah",
    "James",
    "William",
    "Benjamin",
    "Lucas",
    "Henry",
    "Theodore",
    "Priya",
    "Aisha",
    "Mei",
    "Yuki",
    "Fatima",
    "Chloe",
    "Grace",
    "Zoe",
    "Nora",
    "Leila",
    "Marcus",
    "Andre",
    "Rafael",
    "Kenji",
    "Omar",
    "Diego",
    "Samuel",
    "Ethan",
    "Julian",
    "Hugo",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Patel",
    "Nguyen",
    "Kim",
    "Okoye",
    "Rossi",
    "Novak",
    "Silva",
    "Cohen",
    "Kowalski",
    "Haddad",
    "Tanaka",
    "Fischer",
    "Dubois",
    "Ivanova",
    "Larsen",
]
ZONES = ["America/New_York"] * 6 + ["America/Chicago", "America/Los_Angeles", "Europe/London"]
ALLERGIES = [None, None, None, "Lidocaine", "Penicillin", "Latex", "Fragrance", "Nickel"]
MEDICATIONS = [
    None,
    None,
    "Spironolactone 50 mg",
    "Oral contraceptive",
    "Levothyroxine 75 µg",
    "Apixaban 5 mg",
    "Minoxidil 2.5 mg",
    "Metformin 500 mg",
    "Valacyclovir as needed",
]


def _demo_history(rng: random.Random, patient: Patient, female: bool, today: date) -> MedicalHistory:
    h = MedicalHistory(patient_id=patient.id)
    roll = rng.random
    h.pregnant = female and roll() < 0.04
    h.breastfeeding = female and not h.pregnant and roll() < 0.04
    if roll() < 0.12:
        h.isotretinoin = "stopped"
        h.isotretinoin_stopped_on = today - timedelta(days=rng.randint(30, 400))
    elif roll() < 0.03:
        h.isotretinoin = "current"
    h.anticoagulants = "Apixaban" in (patient.medications or "")
    h.keloid_history = roll() < 0.06
    h.hsv_history = roll() < 0.15 or "Valacyclovir" in (patient.medications or "")
    h.hsv_prophylaxis = h.hsv_history and roll() < 0.5
    h.skin_flare = roll() < 0.08
    h.diabetes = rng.choice(["none"] * 12 + ["controlled", "uncontrolled"])
    h.anaesthetic_allergy = patient.allergies == "Lidocaine"
    if roll() < 0.15:
        h.filler_on = today - timedelta(days=rng.randint(20, 700))
    if roll() < 0.2:
        h.neuromodulator_on = today - timedelta(days=rng.randint(10, 300))
    if roll() < 0.05:
        h.deep_peel_on = today - timedelta(days=rng.randint(10, 200))
    return h


def _demo_patient_details(rng: random.Random, index: int) -> tuple[PatientDetails, bool]:
    female = rng.random() < 0.7
    first = rng.choice(FIRST_NAMES[:10] + FIRST_NAMES[20:30] if female else FIRST_NAMES[10:20] + FIRST_NAMES[30:])
    last = rng.choice(LAST_NAMES)
    concerns = rng.sample(sorted(CONCERNS), k=rng.choice([1, 1, 2, 2, 3]))
    if not female and rng.random() < 0.6:
        concerns = sorted(set(concerns) | {"hair_loss"})
    born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 42))
    details = PatientDetails(
        first_name=first,
        last_name=last,
        date_of_birth=born,
        sex="female" if female else "male",
        email=f"{first}.{last}.{index}@patients.example".lower(),
        phone=f"(555) {rng.randint(200, 989):03d}-{rng.randint(0, 9999):04d}",
        address=f"{rng.randint(1, 999)} {rng.choice(['Oak', 'Maple', 'Cedar', 'Elm', 'Pine'])} Street",
        timezone=rng.choice(ZONES),
        fitzpatrick=rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6]),
        concerns=concerns,
        allergies=rng.choice(ALLERGIES),
        medications=rng.choice(MEDICATIONS),
        notes=None,
    )
    return details, female


def seed(today: date | None = None) -> list[tuple[str, str]]:
    """Create the demo clinic if missing. Returns the demo logins as (role, e-mail) pairs."""
    clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == CLINIC_NAME))
    if clinic is None:
        clinic = Clinic(
            name=CLINIC_NAME,
            timezone="America/New_York",
            email="hello@lumen.example",
            phone="(555) 010-2000",
            address="200 Park Avenue, New York, NY",
        )
        db.session.add(clinic)
        db.session.flush()
    today = today or datetime.now(clinic.zone).date()
    install_defaults(clinic)
    for role, email, name in STAFF:
        if db.session.scalar(sa.select(User).where(User.email == email)) is None:
            create_user(clinic_id=clinic.id, email=email, full_name=name, role=role, password=DEMO_PASSWORD)
    patients = _seed_patients(clinic, today)
    db.session.flush()
    seed_scheduling(clinic, patients, today)
    logins = [(role, email) for role, email, _ in STAFF]
    for patient in patients[:PORTAL_PATIENTS]:
        user = db.session.scalar(sa.select(User).where(User.patient_id == patient.id))
        if user is None:
            user = create_user(
                clinic_id=clinic.id,
                email=patient.email,
                full_name=patient.full_name,
                role="patient",
                password=DEMO_PASSWORD,
                patient_id=patient.id,
            )
        logins.append(("patient", user.email))
    routine_demo.seed(clinic, patients[:PORTAL_PATIENTS], today)
    treatments_demo.seed(clinic, patients, today)  # first: it adds sessions only to a clinic without any
    logins.append(("patient", _seed_spanish_patient(clinic, today)))
    seed_in_session(clinic, today)
    db.session.flush()
    return logins


def _seed_spanish_patient(clinic: Clinic, today: date) -> str:
    """Lucía reads the portal, her e-mails and texts in Spanish; a routine and a signed microneedling session
    two days ago on her Spanish consent (so Today and Aftercare have something to say and her aftercare sheet
    and consent download as documents). Returns her login e-mail."""
    email = SPANISH_PATIENT_EMAIL
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is not None:
        return email
    details = PatientDetails(
        first_name="Lucía",
        last_name="Hernández",
        date_of_birth=date(1986, 4, 12),
        sex="female",
        email=email,
        phone="(555) 010-2451",
        timezone="America/New_York",
        fitzpatrick=4,
        concerns=["pigmentation", "aging"],
        language="es",
    )
    patient = create_patient(clinic, details, audit=False)
    db.session.add(MedicalHistory(patient_id=patient.id))
    create_user(
        clinic_id=clinic.id,
        email=email,
        full_name=patient.full_name,
        role="patient",
        password=DEMO_PASSWORD,
        patient_id=patient.id,
    )
    routine_demo.seed(
        clinic,
        [patient],
        today,
        treat=lambda p: treatments_demo.spanish_session(clinic, p, today - timedelta(days=2)),
    )
    return email


def _seed_patients(clinic: Clinic, today: date) -> list[Patient]:
    existing = db.session.scalars(
        sa.select(Patient)
        .where(Patient.clinic_id == clinic.id, Patient.email.is_distinct_from(SPANISH_PATIENT_EMAIL))
        .order_by(Patient.id)
    ).all()
    if existing:
        return list(existing)
    rng = random.Random(20261126)  # noqa: S311 - demo data, not security
    patients = []
    for index in range(50):
        details, female = _demo_patient_details(rng, index)
        patient = create_patient(clinic, details, audit=False)
        db.session.add(_demo_history(rng, patient, female, today))
        patients.append(patient)
    return patients
