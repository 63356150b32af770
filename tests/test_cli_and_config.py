"""The command line (first admin, demo seeding) and database connection settings."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from clinic.auth.models import User
from clinic.auth.services import authenticate
from clinic.clinics.models import Clinic
from clinic.extensions import db
from tests.conftest import BACKEND


def test_create_user_makes_the_first_admin_and_its_clinic(app):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--role",
            "admin",
            "--email",
            "Owner@Example.TEST",
            "--name",
            "Olive Owner",
            "--clinic-name",
            "Glow Clinic",
            "--timezone",
            "Europe/London",
            "--password",
            "a-long-unusual-passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "owner@example.test"))
    assert user is not None and user.role == "admin"
    clinic = db.session.get(Clinic, user.clinic_id)
    assert (clinic.name, clinic.timezone) == ("Glow Clinic", "Europe/London")
    assert authenticate("owner@example.test", "a-long-unusual-passphrase") == user


def test_create_user_refuses_a_weak_password_and_an_unknown_zone(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=["create-user", "--role", "admin", "--email", "a@example.test", "--name", "A", "--password", "password"]
    )
    assert weak.exit_code == 1 and "too common" in weak.output
    zone = runner.invoke(
        args=[
            "create-user",
            "--role",
            "admin",
            "--email",
            "b@example.test",
            "--name",
            "B",
            "--timezone",
            "Mars/Olympus",
            "--password",
            "a-long-unusual-passphrase",
        ]
    )
    assert zone.exit_code != 0 and "unknown time zone" in zone.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_seed_demo_prints_logins_that_work(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "dr.chen@lumen.example" in result.output and "patient" in result.output
    assert authenticate("sofia@lumen.example", "exosome-demo-2026") is not None


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite connection pragmas")
def test_sqlite_runs_with_foreign_keys_and_wal(app):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
