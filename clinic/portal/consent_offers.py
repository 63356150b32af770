"""What a patient sees of their consents in the portal: each signed consent with its standing, and the
consent forms they still need to sign for what is booked or planned (and the photo consent)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from clinic.catalog.models import Procedure
from clinic.consents.models import Consent, ConsentForm
from clinic.consents.services import current_forms
from clinic.extensions import db
from clinic.i18n import N_, reader_language
from clinic.scheduling.models import Appointment, AppointmentType, Series

#: A valid consent this close to its expiry is shown as "expiring" and offered for renewal.
EXPIRING_WITHIN = timedelta(days=30)
PLANNED_APPOINTMENT_STATUSES = ("booked", "checked_in")
#: How each standing reads to the patient.
STANDINGS = {"valid": N_("Valid"), "expiring": N_("Expiring"), "expired": N_("Expired"), "revoked": N_("Revoked")}


def standing(consent: Consent, at: datetime) -> str:
    """valid, expiring, expired or revoked: how the patient should read the consent today."""
    status = consent.status(at)
    if status == "valid" and consent.expires_at - at <= EXPIRING_WITHIN:
        return "expiring"
    return status


def patient_consents(patient_id: int) -> Sequence[Consent]:
    """All of the patient's signed consents, newest first."""
    return db.session.scalars(
        sa.select(Consent).where(Consent.patient_id == patient_id).order_by(Consent.signed_at.desc())
    ).all()


def planned_procedure_ids(patient_id: int, at: datetime) -> set[int]:
    """Procedures the patient has a coming (or ongoing) appointment or an active series for."""
    appointments = (
        sa.select(AppointmentType.procedure_id)
        .join(Appointment, Appointment.appointment_type_id == AppointmentType.id)
        .where(
            Appointment.patient_id == patient_id,
            Appointment.status.in_(PLANNED_APPOINTMENT_STATUSES),
            Appointment.ends_at >= at,
        )
    )
    series = (
        sa.select(AppointmentType.procedure_id)
        .join(Series, Series.appointment_type_id == AppointmentType.id)
        .where(Series.patient_id == patient_id, Series.status == "active")
    )
    return set(db.session.scalars(sa.union(appointments, series)).all())


@dataclass(frozen=True)
class NeededForm:
    form: ConsentForm
    why: str


def needed_forms(patient, consents: Sequence[Consent], at: datetime) -> list[NeededForm]:
    """Current forms the patient should sign: photo consent and consents for planned procedures that
    have no valid consent, or only one about to expire."""
    planned = planned_procedure_ids(patient.id, at)
    needing = (
        {
            pid
            for pid in db.session.scalars(
                sa.select(Procedure.id).where(Procedure.id.in_(planned), Procedure.requires_consent)
            )
        }
        if planned
        else set()
    )
    covered = {(c.kind, c.procedure_id) for c in consents if standing(c, at) == "valid"}
    result = []
    for form in current_forms(patient.clinic_id, reader_language(patient)):
        if (form.kind, form.procedure_id) in covered:
            continue
        if form.kind == "photo":
            result.append(NeededForm(form, _("Lets the clinic take before and after photographs.")))
        elif form.procedure_id in needing:
            result.append(NeededForm(form, _("Needed before your booked or planned treatment.")))
    return result


def signable_form(patient, form_id: int) -> ConsentForm | None:
    """A current form of the patient's own clinic in the language they read, or None (the page answers 404):
    the English row of a version is not signable by a Spanish reader when the Spanish row exists."""
    return next((f for f in current_forms(patient.clinic_id, reader_language(patient)) if f.id == form_id), None)
