"""'Download my data': the patient's own record, routines and adherence as JSON-ready dicts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.preferences import get_preferences
from clinic.routines.models import AdherenceLog, AftercareRecord, Routine, RoutineStep, RoutineWindow


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _columns(obj, names: list[str]) -> dict:
    return {name: _plain(getattr(obj, name)) for name in names}


def patient_export(patient: Patient) -> dict:
    routines = db.session.scalars(
        sa.select(Routine)
        .where(Routine.patient_id == patient.id)
        .options(selectinload(Routine.steps).selectinload(RoutineStep.product))
        .order_by(Routine.id)
    ).all()
    logs = db.session.scalars(
        sa.select(AdherenceLog)
        .where(AdherenceLog.patient_id == patient.id)
        .order_by(AdherenceLog.local_date, AdherenceLog.id)
    ).all()
    records = db.session.scalars(
        sa.select(AftercareRecord).where(AftercareRecord.patient_id == patient.id).order_by(AftercareRecord.id)
    ).all()
    windows = db.session.scalars(
        sa.select(RoutineWindow).where(RoutineWindow.patient_id == patient.id).order_by(RoutineWindow.id)
    ).all()
    return {
        "exported_at": _plain(datetime.now().astimezone()),
        "patient": _columns(
            patient,
            [
                "record_number",
                "first_name",
                "last_name",
                "date_of_birth",
                "sex",
                "email",
                "phone",
                "address",
                "timezone",
                "fitzpatrick",
                "allergies",
                "medications",
            ],
        )
        | {"concerns": patient.concerns},
        "reminder_preferences": vars(get_preferences(patient)),
        "routines": [
            _columns(r, ["id", "concern", "goal", "starts_on", "ends_on"])
            | {
                "steps": [
                    _columns(
                        s,
                        [
                            "id",
                            "name",
                            "slot",
                            "position",
                            "frequency",
                            "weekdays",
                            "start_offset_days",
                            "ends_on",
                            "instructions",
                            "is_recovery",
                            "runs_out_on",
                        ],
                    )
                    for s in r.steps
                ]
            }
            for r in routines
        ],
        "procedures_for_aftercare": [
            {"procedure": r.procedure.name, "session_ended_at": _plain(r.session_ended_at)} for r in records
        ],
        "aftercare_windows": [
            _columns(w, ["action", "ingredient_tag", "label", "step_slot", "starts_at", "ends_at"]) for w in windows
        ],
        "adherence": [_columns(log, ["step_id", "local_date", "slot", "status", "at"]) for log in logs],
    }
