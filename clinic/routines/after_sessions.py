"""Routines' listener on treatment sessions (registered with `treatments.hooks`): once a session's end is
recorded, its aftercare windows pause the patient's conflicting home steps and add recovery steps."""

from __future__ import annotations

from clinic.routines.aftercare import apply_session_aftercare
from clinic.treatments import hooks
from clinic.treatments.models import TreatmentSession


def pause_home_routine(session: TreatmentSession, user) -> None:
    apply_session_aftercare(session, user)


hooks.on_session_recorded(pause_home_routine)
