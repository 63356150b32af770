"""Where features above `treatments` plug into a session's life.

`treatments` sits below `scheduling` and `routines` (they import it, never the other way round), yet a
session started from an appointment completes it when signed, and a recorded session pauses the patient's
home routine. So treatments calls the listeners registered here, and those features register them when
their views are imported (as chart sections are registered with `patients.chart`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from clinic.treatments.models import TreatmentSession

#: (session, user) once the session's end time is recorded: routines pauses the home routine.
SessionListener = Callable[[TreatmentSession, object], None]
#: (session, user) after signing; returns a note for the dermatologist (why the appointment was left open).
SignedListener = Callable[[TreatmentSession, object], str | None]


@dataclass(frozen=True)
class AppointmentStart:
    """The appointment a session is started from, as the pre-check needs it."""

    id: int
    patient_id: int
    procedure_id: int
    procedure_name: str
    starts_at: datetime
    #: Why no session can start from it now (a future day, a cancelled appointment), or None.
    problem: str | None


@dataclass(frozen=True)
class AppointmentChange:
    """A procedure appointment was booked, moved, cancelled or otherwise changed (scheduling tells
    routines, which keeps the pause before it in step). `active` is False once it will not take place."""

    id: int
    clinic_id: int
    patient_id: int
    procedure_id: int
    starts_at: datetime
    active: bool
    #: When the change happened (the booking's `now`), and whether to queue the patient's messages.
    now: datetime
    notify: bool = True


#: (change, user) after an appointment's time or status changed; returns warnings for the booker.
AppointmentListener = Callable[[AppointmentChange, object], list[str]]

#: (appointment id) -> the appointment in the user's scope; the provider answers 404 for one out of scope.
AppointmentSource = Callable[[int], AppointmentStart]

_recorded: list[SessionListener] = []
_signed: list[SignedListener] = []
_appointment_source: list[AppointmentSource] = []
_appointment_changed: list[AppointmentListener] = []


def on_session_recorded(listener: SessionListener) -> None:
    if listener not in _recorded:
        _recorded.append(listener)


def on_session_signed(listener: SignedListener) -> None:
    if listener not in _signed:
        _signed.append(listener)


def on_appointment_changed(listener: AppointmentListener) -> None:
    if listener not in _appointment_changed:
        _appointment_changed.append(listener)


def appointment_changed(change: AppointmentChange, user) -> list[str]:
    return [warning for listener in _appointment_changed for warning in listener(change, user)]


def provide_appointments(source: AppointmentSource) -> None:
    _appointment_source[:] = [source]


def session_recorded(session: TreatmentSession, user) -> None:
    for listener in _recorded:
        listener(session, user)


def session_signed(session: TreatmentSession, user) -> str | None:
    notes = [note for listener in _signed if (note := listener(session, user))]
    return " ".join(notes) or None


def appointment_start(appointment_id: int) -> AppointmentStart:
    if not _appointment_source:
        raise LookupError("no feature provides appointments (is the scheduling blueprint registered?)")
    return _appointment_source[0](appointment_id)
