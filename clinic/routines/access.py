"""Scoped lookups for routines and steps: out of the user's scope is 404, like patients.access."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from clinic.access import deny
from clinic.auth.roles import Role
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.routines.models import Routine, RoutineStep, StepPause
from clinic.routines.problems import ProblemReport


def _scope(query):
    query = query.where(Patient.clinic_id == current_user.clinic_id)
    if current_user.role == Role.PATIENT:
        query = query.where(Patient.id == current_user.patient_id)
    return query


def get_routine(routine_id: int) -> Routine:
    routine = db.session.scalar(
        _scope(
            sa.select(Routine).join(Patient, Patient.id == Routine.patient_id).where(Routine.id == routine_id)
        )
    )
    if routine is None:
        deny(404, detail=f"routine {routine_id} out of scope")
    return routine


def get_step(step_id: int) -> RoutineStep:
    step = db.session.scalar(
        _scope(
            sa.select(RoutineStep)
            .join(Routine, Routine.id == RoutineStep.routine_id)
            .join(Patient, Patient.id == Routine.patient_id)
            .where(RoutineStep.id == step_id)
        )
    )
    if step is None:
        deny(404, detail=f"routine step {step_id} out of scope")
    return step


def get_pause(pause_id: int) -> StepPause:
    pause = db.session.scalar(
        _scope(
            sa.select(StepPause)
            .join(RoutineStep, RoutineStep.id == StepPause.step_id)
            .join(Routine, Routine.id == RoutineStep.routine_id)
            .join(Patient, Patient.id == Routine.patient_id)
            .where(StepPause.id == pause_id)
        )
    )
    if pause is None:
        deny(404, detail=f"pause {pause_id} out of scope")
    return pause


def get_problem_report(report_id: int) -> ProblemReport:
    """A problem report of the user's clinic (staff) or the patient's own (portal); 404 otherwise."""
    report = db.session.scalar(
        _scope(
            sa.select(ProblemReport)
            .join(Patient, Patient.id == ProblemReport.patient_id)
            .where(ProblemReport.id == report_id, ProblemReport.clinic_id == current_user.clinic_id)
        )
    )
    if report is None:
        deny(404, detail=f"problem report {report_id} out of scope")
    return report
