"""Scoped lookups for routines, steps and pauses: out of the user's scope is 404, like patients.access."""

from __future__ import annotations

from clinic.access import scoped_get
from clinic.routines.models import Routine, RoutineStep, StepPause


def get_routine(routine_id: int) -> Routine:
    return scoped_get(Routine, routine_id, via=Routine.patient_ref)


def get_step(step_id: int) -> RoutineStep:
    return scoped_get(
        RoutineStep, step_id, via=(RoutineStep.routine, Routine.patient_ref), patient_column=Routine.patient_id
    )


def get_pause(pause_id: int) -> StepPause:
    return scoped_get(
        StepPause,
        pause_id,
        via=(StepPause.step, RoutineStep.routine, Routine.patient_ref),
        patient_column=Routine.patient_id,
    )
