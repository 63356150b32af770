"""Scoped lookups for consent forms and signed consents (404 outside the user's clinic or own record)."""

from __future__ import annotations

from clinic.access import scoped_get
from clinic.consents.models import Consent, ConsentForm


def get_consent_form(form_id: int, *, active_only: bool = True) -> ConsentForm:
    """A consent-form version of the user's clinic; retired versions only when `active_only` is off."""
    return scoped_get(ConsentForm, form_id, where=[ConsentForm.active] if active_only else [], clinic_wide=True)


def get_consent(consent_id: int) -> Consent:
    return scoped_get(Consent, consent_id)
