"""Scoped lookups for routines, steps and aftercare windows: out of the user's scope is 404."""

from __future__ import annotations

from clinic.access import scoped_get
from clinic.routines.models import Routine, RoutineStep, RoutineWindow


def get_routine(routine_id: int) -> Routine:
    return scoped_get(Routine, routine_id, via=Routine.patient_ref)


def get_step(step_id: int) -> RoutineStep:
    return scoped_get(
        RoutineStep, step_id, via=(RoutineStep.routine, Routine.patient_ref), patient_column=Routine.patient_id
    )


def get_window(window_id: int) -> RoutineWindow:
    return scoped_get(RoutineWindow, window_id)
