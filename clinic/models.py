"""Imports every feature's models so the metadata is complete (Alembic autogenerate, create_all)."""

from clinic.api.models import ApiToken  # noqa: F401
from clinic.audit.models import AuditEvent  # noqa: F401
from clinic.auth.models import LoginSession, OneTimeToken, RecoveryCode, User  # noqa: F401
from clinic.catalog.limits import TreatmentLimit  # noqa: F401
from clinic.catalog.models import AftercareRule, PrepSettings, Procedure, Product, ProductTag, Protocol  # noqa: F401
from clinic.checkins.models import Checkin, CheckinSettings  # noqa: F401
from clinic.clinics.models import Clinic  # noqa: F401
from clinic.consents import models as consent_models  # noqa: F401 - consent forms and signed consents
from clinic.interop.imports.models import ImportUpload  # noqa: F401
from clinic.patients.models import MedicalHistory, Patient, PatientConcern  # noqa: F401
from clinic.photos import models as photo_models  # noqa: F401 - clinical photographs
from clinic.reminders.models import (
    OutboxMessage,  # noqa: F401
    ReminderOptIn,  # noqa: F401
    ReminderPreference,  # noqa: F401
)
from clinic.routines.models import (  # noqa: F401
    AdherenceLog,
    AftercareRecord,
    Routine,
    RoutineStep,
    RoutineWindow,
    StepOverride,
)
from clinic.routines.problems import ProblemReply, ProblemReport  # noqa: F401
from clinic.safety import models as safety_models  # noqa: F401 - adverse events, signals, safety inbox
from clinic.scheduling.contacts import ContactAttempt  # noqa: F401
from clinic.scheduling.models import (  # noqa: F401
    Appointment,
    AppointmentType,
    FeedToken,
    Room,
    Series,
    TimeOff,
    WorkingHours,
)
from clinic.treatments import models as treatments_models  # noqa: F401 - sessions, lots used, scores
