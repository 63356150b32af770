"""The patient-visible access log: which staff accesses of a record a patient sees, and in which words.

The portal's access-log page and the patient's whole-record download both read it from here.
"""

from __future__ import annotations

import sqlalchemy as sa

from clinic.audit.models import AuditEvent, shows_patient
from clinic.auth.models import User
from clinic.i18n import N_
from clinic.roles import Role

#: What an audit action means, in words a patient understands.
ACCESS_WORDS: dict[str, str] = {
    "patient.view": N_("Opened your record"),
    "patient.list": N_("Saw your name in the patient list"),
    "routine.adherence_list": N_("Saw your name in the routine adherence list"),
    "user.list": N_("Saw your name in the clinic's list of accounts"),
    "patient.create": N_("Created your record"),
    "patient.update": N_("Changed your details"),
    "patient.history_update": N_("Updated your medical history"),
    "patient.archive": N_("Archived your record"),
    "patient.unarchive": N_("Restored your record"),
    "patient.portal_account_created": N_("Created your portal account"),
    "patient.portal_invite_resent": N_("Re-sent your portal invitation"),
    "auth.invitation_sent": N_("Sent you a portal invitation"),
}


def access_log_query(patient_id: int) -> sa.Select:
    """(AuditEvent, staff name) rows: staff accesses only, successful ones, newest first."""
    return (
        sa.select(AuditEvent, User.full_name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(shows_patient(patient_id), AuditEvent.role != Role.PATIENT.value, AuditEvent.outcome == "success")
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
