"""The account rules without HTTP."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from clinic.auth import admin_services
from clinic.auth.services import AccountError
from clinic.extensions import db
from tests.auth.helpers import events
from tests.factories import make_user


def test_invite_refuses_patient_role(app):
    admin = make_user("admin")
    with pytest.raises(AccountError, match="Patients are invited"):
        admin_services.invite_staff(admin, full_name="P", email="p@example.com", role="patient")


def test_admin_cannot_demote_or_deactivate_self(app):
    admin = make_user("admin")
    with pytest.raises(AccountError, match="own admin role"):
        admin_services.change_role(admin, admin, "dermatologist")
    with pytest.raises(AccountError, match="own account"):
        admin_services.deactivate(admin, admin)
    admin_services.change_role(admin, admin, "admin")  # keeping one's own role is no change
    assert admin.role == "admin" and admin.active


def test_unchanged_role_writes_no_event(app):
    admin, derm = make_user("admin"), make_user("dermatologist")
    admin_services.change_role(admin, derm, "dermatologist")
    db.session.commit()
    assert events("user.role_changed") == []


def test_live_session_count_ignores_timed_out_sessions(app, login_as):
    with time_machine.travel(datetime(2026, 5, 4, 9, 0, tzinfo=UTC), tick=False) as traveller:
        _, user = login_as("aesthetician")
        login_as(user=user)
        assert admin_services.live_session_count(user) == 2
        traveller.shift(timedelta(minutes=31))
        assert admin_services.live_session_count(user) == 0
