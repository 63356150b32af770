"""The clinic's safety settings (thresholds, recall notice wording): its row, or the defaults while it has none."""

from __future__ import annotations

from decimal import Decimal

from clinic.extensions import db
from clinic.safety.models import SafetySettings

DEFAULTS = dict(lot_cluster_events=2, lot_cluster_days=30, rate_window_days=90, rate_multiplier=Decimal("2"))


def safety_settings(clinic_id: int, *, for_update: bool = False) -> SafetySettings:
    """The clinic's settings. Without a row, the defaults: a new row only `for_update` (the settings page), so
    the signal check the dispatcher runs every minute never writes."""
    settings = db.session.get(SafetySettings, clinic_id)
    if settings is None:
        settings = SafetySettings(clinic_id=clinic_id, **DEFAULTS)
        if for_update:
            db.session.add(settings)
    return settings
