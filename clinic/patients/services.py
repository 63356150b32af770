"""Patient rules: creating, editing (refusing stale copies), archiving, medical history, portal invitations.

Services flush, never commit: the request (or CLI command) commits once. Searching lives in `search.py`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field, fields
from datetime import date

import sqlalchemy as sa

from clinic.audit.people import register_patient_namer
from clinic.audit.services import record, record_each
from clinic.auth.models import User
from clinic.auth.services import AccountError, create_user, find_user_by_email
from clinic.clinics.models import Clinic
from clinic.db import now_utc
from clinic.extensions import db
from clinic.i18n import LANGUAGES
from clinic.patients.models import MedicalHistory, Patient, PatientConcern
from clinic.roles import Role
from clinic.validation import Invalid

RECORD_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone


class StaleEdit(Exception):
    """Someone else saved the record after this form was opened."""


class PortalInviteError(ValueError):
    """The patient cannot be invited to the portal; the message is safe to show."""


@dataclass
class PatientDetails:
    first_name: str
    last_name: str
    date_of_birth: date
    sex: str = "unknown"
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    timezone: str = "America/New_York"
    fitzpatrick: int | None = None
    concerns: list[str] = field(default_factory=list)
    allergies: str | None = None
    medications: str | None = None
    notes: str | None = None
    #: 'en', 'es', "" to follow the browser, None to leave as saved (an import row has no language).
    language: str | None = None


@dataclass
class HistoryAnswers:
    """The medical-history answers, one attribute per MedicalHistory column of the same name."""

    pregnant: bool = False
    breastfeeding: bool = False
    isotretinoin: str = "never"
    isotretinoin_stopped_on: date | None = None
    anticoagulants: bool = False
    bleeding_disorder: bool = False
    keloid_history: bool = False
    hsv_history: bool = False
    hsv_prophylaxis: bool = False
    active_infection: bool = False
    open_wound: bool = False
    skin_flare: bool = False
    diabetes: str = "none"
    cancer_treatment: bool = False
    anaesthetic_allergy: bool = False
    filler_on: date | None = None
    surgery_on: date | None = None
    neuromodulator_on: date | None = None
    deep_peel_on: date | None = None
    laser_or_ipl_on: date | None = None
    recent_sunburn: bool = False


HISTORY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(HistoryAnswers))


def digits_of(phone: str | None) -> str | None:
    digits = re.sub(r"\D", "", phone or "")
    return digits or None


def new_record_number() -> str:
    return "P" + "".join(secrets.choice(RECORD_NUMBER_ALPHABET) for _ in range(7))


def _blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def apply_details(patient: Patient, details: PatientDetails) -> None:
    """Copy the form's (or an import row's) details onto a patient, normalised as every path stores them."""
    patient.first_name = details.first_name.strip()
    patient.last_name = details.last_name.strip()
    for name in ("date_of_birth", "sex", "timezone", "fitzpatrick"):
        setattr(patient, name, getattr(details, name))
    for name in ("address", "allergies", "medications", "notes", "phone"):
        setattr(patient, name, _blank_to_none(getattr(details, name)))
    patient.email = details.email.strip().lower() if details.email and details.email.strip() else None
    patient.phone_digits = digits_of(details.phone)
    if details.language is not None:
        patient.language = details.language or None
    wanted = set(details.concerns)
    patient.concern_rows = [row for row in patient.concern_rows if row.concern in wanted] + [
        PatientConcern(concern=c) for c in sorted(wanted - set(patient.concerns))
    ]


def create_patient(clinic: Clinic, details: PatientDetails, *, audit: bool = True) -> Patient:
    patient = Patient(clinic_id=clinic.id, record_number=new_record_number())
    apply_details(patient, details)
    db.session.add(patient)
    db.session.flush()
    if audit:
        record("patient.create", patient_id=patient.id, object_type="patient", object_id=patient.id)
    return patient


def update_patient(patient: Patient, details: PatientDetails, *, loaded_version: int) -> None:
    """Save an edit made on a copy loaded at `loaded_version`; refuse if the record moved on since.

    The row is always touched, so a change to concerns alone (another table) still bumps the version and
    a concurrent writer is caught by the version check in the UPDATE (SQLAlchemy's StaleDataError).
    """
    if patient.version != loaded_version:
        raise StaleEdit
    apply_details(patient, details)
    patient.updated_at = now_utc()
    db.session.flush()
    record("patient.update", patient_id=patient.id, object_type="patient", object_id=patient.id)


def set_language(patient: Patient, language: str | None) -> None:
    """The patient's own choice of language in the portal ('en', 'es'; None follows the browser)."""
    if language not in (None, *LANGUAGES):
        raise Invalid({"language": "Choose a language from the list."})
    patient.language = language
    patient.updated_at = now_utc()
    db.session.flush()
    record("patient.update", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="language")


def archive_patient(patient: Patient, reason: str) -> None:
    """Hide the patient from the list; the record stays (clinical records are never deleted)."""
    if patient.is_archived:
        return
    patient.archived_at = now_utc()
    patient.archived_reason = reason.strip()[:300]
    db.session.flush()
    record(
        "patient.archive",
        patient_id=patient.id,
        object_type="patient",
        object_id=patient.id,
        detail=patient.archived_reason,
    )


def unarchive_patient(patient: Patient) -> None:
    if not patient.is_archived:
        return
    patient.archived_at = None
    patient.archived_reason = None
    db.session.flush()
    record("patient.unarchive", patient_id=patient.id, object_type="patient", object_id=patient.id)


def audit_listed(patients: list[Patient], detail: str) -> None:
    """One "patient.list" event naming every patient shown on a list page (their name and birth date were
    seen), so each finds it in "who viewed my record"."""
    record_each("patient.list", [p.id for p in patients], detail=detail)


def history_version(patient: Patient) -> int:
    """The version a history form carries: 0 while the patient has no history yet."""
    return patient.history.version if patient.history is not None else 0


def save_history(
    patient: Patient, answers: HistoryAnswers, *, loaded_version: int, confirmed_by: User | None = None
) -> MedicalHistory:
    """Save the medical-history answers made on a copy at `loaded_version` (0: none existed).

    `confirmed_by` stamps the answers as reviewed with the patient now, by that staff member.
    """
    if history_version(patient) != loaded_version:
        raise StaleEdit
    history = patient.history
    if history is None:
        history = MedicalHistory(patient_id=patient.id)
        db.session.add(history)
        patient.history = history
    for name in HISTORY_FIELDS:
        setattr(history, name, getattr(answers, name))
    if answers.isotretinoin != "stopped":
        history.isotretinoin_stopped_on = None
    if not answers.hsv_history:
        history.hsv_prophylaxis = False
    history.updated_at = now_utc()
    if confirmed_by is not None:
        history.confirmed_at = now_utc()
        history.confirmed_by_id = confirmed_by.id
    db.session.flush()
    record(
        "patient.history_update",
        patient_id=patient.id,
        object_type="medical_history",
        object_id=patient.id,
        detail="confirmed with patient" if confirmed_by is not None else None,
    )
    return history


def history_flags(history: MedicalHistory | None) -> set[str]:
    """Names of the answers the contraindication rules will warn or stop on, for highlighting.

    Time windows (e.g. filler within 12 months) are per-clinic rules applied at check-in, not here: a date
    is shown as recorded; this only flags answers that matter whatever the date.
    """
    if history is None:
        return set()
    flags = {
        name
        for name in (
            "pregnant",
            "breastfeeding",
            "anticoagulants",
            "bleeding_disorder",
            "keloid_history",
            "active_infection",
            "open_wound",
            "skin_flare",
            "cancer_treatment",
            "anaesthetic_allergy",
            "recent_sunburn",
        )
        if getattr(history, name)
    }
    if history.isotretinoin in ("current", "stopped"):
        flags.add("isotretinoin")
    if history.diabetes == "uncontrolled":
        flags.add("diabetes")
    if history.hsv_history and not history.hsv_prophylaxis:
        flags.add("hsv_history")
    return flags


def portal_account(patient: Patient) -> User | None:
    return db.session.scalar(sa.select(User).where(User.patient_id == patient.id))


def portal_status(account: User | None) -> str:
    """none | invited | active | deactivated"""
    if account is None:
        return "none"
    if not account.active:
        return "deactivated"
    return "active" if account.password_hash else "invited"


def invite_to_portal(patient: Patient) -> User:
    """Create (or reuse, for a re-send) the patient's portal account; the caller e-mails the link.

    Refused for an archived patient, without an e-mail address, when another account already uses that
    address, and when the patient already set a password (they can use "Forgot your password?").
    """
    if patient.is_archived:
        raise PortalInviteError("This patient is archived; restore the record before inviting them.")
    account = portal_account(patient)
    if account is not None:
        if account.password_hash:
            raise PortalInviteError("This patient already has an active portal account.")
        if not account.active:
            raise PortalInviteError("This patient's portal account is deactivated; ask an admin.")
        record("patient.portal_invite_resent", patient_id=patient.id, object_type="user", object_id=account.id)
        return account
    if not patient.email:
        raise PortalInviteError("Add the patient's e-mail address before inviting them to the portal.")
    if find_user_by_email(patient.email) is not None:
        raise PortalInviteError("An account with this e-mail address already exists.")
    try:
        account = create_user(
            clinic_id=patient.clinic_id,
            email=patient.email,
            full_name=patient.full_name,
            role=Role.PATIENT,
            patient_id=patient.id,
        )
    except AccountError as error:
        raise PortalInviteError(str(error)) from error
    record("patient.portal_account_created", patient_id=patient.id, object_type="user", object_id=account.id)
    return account


def _audit_names(ids: set[int]) -> dict[int, str]:
    rows = db.session.execute(
        sa.select(Patient.id, Patient.first_name, Patient.last_name, Patient.record_number).where(Patient.id.in_(ids))
    )
    return {row.id: f"{row.first_name} {row.last_name} ({row.record_number})" for row in rows}


register_patient_namer(_audit_names)
