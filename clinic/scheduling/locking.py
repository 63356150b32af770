"""Making the overlap check and the insert one atomic step, on both databases.

- PostgreSQL: the exclusion constraints refuse the second of two overlapping bookings (of one provider,
  one room or one patient) whatever the application checked; `flush_booking` turns that refusal into
  `SlotTaken` (`PatientBusy` for the patient's constraint).
- SQLite: the database has one writer at a time. `take_write_lock` starts the transaction with
  `BEGIN IMMEDIATE` (or, when this transaction has already written, it already holds the RESERVED lock), so
  the overlap SELECT that follows sees every committed booking and no other booking can commit before ours.
"""

from __future__ import annotations

import sqlalchemy as sa

from clinic.extensions import db
from clinic.scheduling.errors import PatientBusy, SlotTaken

PATIENT_CONSTRAINT = "ex_appointment_patient_overlap"
DEADLOCK_DETECTED = "40P01"
EXCLUSION_CONSTRAINTS = ("ex_appointment_provider_overlap", "ex_appointment_room_overlap", PATIENT_CONSTRAINT)


def take_write_lock() -> None:
    """On SQLite, hold the database's write lock from here to commit. A no-op on PostgreSQL."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if not raw.in_transaction:  # pysqlite opens transactions lazily, only before the first write
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_exclusion_violation(error: sa.exc.IntegrityError) -> bool:
    orig = getattr(error, "orig", None)
    return type(orig).__name__ == "ExclusionViolation" or _constraint_name(error) in EXCLUSION_CONSTRAINTS


def _constraint_name(error: sa.exc.IntegrityError) -> str | None:
    return getattr(getattr(getattr(error, "orig", None), "diag", None), "constraint_name", None)


def flush_booking() -> None:
    """Flush the pending booking; a lost race on PostgreSQL becomes `SlotTaken` (or `PatientBusy`)."""
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:
        if _constraint_name(error) == PATIENT_CONSTRAINT:
            raise PatientBusy() from error
        if is_exclusion_violation(error):
            raise SlotTaken() from error
        raise
    except sa.exc.OperationalError as error:
        # Two bookings racing on different constraints (one's room or provider, the other's patient) can wait
        # on each other; PostgreSQL then aborts one of them. That one lost the race like any other.
        if getattr(error.orig, "sqlstate", None) == DEADLOCK_DETECTED:
            raise SlotTaken() from error
        raise
