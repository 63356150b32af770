"""User administration (admins): list, invite, change role, deactivate, end sessions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from clinic.access import role_required
from clinic.auth.models import User
from clinic.auth.roles import Role
from clinic.extensions import db

bp = Blueprint("users", __name__, url_prefix="/admin/users")


@bp.get("")
@role_required(Role.ADMIN)
def list_users():
    users = db.session.scalars(
        sa.select(User).where(User.clinic_id == current_user.clinic_id).order_by(User.role, User.full_name)
    ).all()
    return render_template("users/list.html", users=users)
