"""Routines' listener on treatment sessions (registered with `treatments.hooks`): once a session's end is
recorded, the patient's conflicting home steps pause and recovery steps are added."""

from __future__ import annotations

from datetime import timedelta

from clinic.db import now_utc
from clinic.routines.aftercare import apply_aftercare
from clinic.treatments import hooks
from clinic.treatments.models import TreatmentSession


def pause_home_routine(session: TreatmentSession, user) -> None:
    """Pause the home routine for the session's aftercare, once per session (keyed by its id).

    The pauses are the patient's own from then on, and staff adjust them on the routine page if the recorded
    end time is corrected later. A session entered after its whole aftercare window has passed changes
    nothing at home.
    """
    if session.ended_at is None or not session.procedure.aftercare_rules:
        return
    longest = max(r.starts_after_hours + r.window_hours for r in session.procedure.aftercare_rules)
    if session.ended_at + timedelta(hours=longest) <= now_utc():
        return
    apply_aftercare(session.patient, session.procedure, session.ended_at, user=user,
                    session_ref=f"treatment:{session.id}")


hooks.on_session_recorded(pause_home_routine)
