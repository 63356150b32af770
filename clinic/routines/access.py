"""Scoped lookups for routines and steps: out of the user's scope is 404, like patients.access."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from clinic.access import deny
from clinic.auth.roles import Role
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.routines.models import Routine, RoutineStep, RoutineWindow


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


def get_window(window_id: int) -> RoutineWindow:
    window = db.session.scalar(
        _scope(
            sa.select(RoutineWindow)
            .join(Patient, Patient.id == RoutineWindow.patient_id)
            .where(RoutineWindow.id == window_id)
        )
    )
    if window is None:
        deny(404, detail=f"aftercare window {window_id} out of scope")
    return window
