"""Scoped lookups for routines, steps, aftercare windows and problem reports: out of the user's scope is 404."""

from __future__ import annotations

from clinic.access import scoped_get
from clinic.routines.models import Routine, RoutineStep, RoutineWindow
from clinic.routines.problems import ProblemReport


def get_routine(routine_id: int) -> Routine:
    return scoped_get(Routine, routine_id, via=Routine.patient_ref)


def get_step(step_id: int) -> RoutineStep:
    return scoped_get(
        RoutineStep, step_id, via=(RoutineStep.routine, Routine.patient_ref), patient_column=Routine.patient_id
    )


def get_window(window_id: int) -> RoutineWindow:
    return scoped_get(RoutineWindow, window_id)


def get_problem_report(report_id: int) -> ProblemReport:
    """A problem report of the user's clinic (staff) or the patient's own (portal); 404 otherwise."""
    return scoped_get(ProblemReport, report_id)
