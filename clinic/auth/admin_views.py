"""User administration (admins): list, invite, change role, deactivate, reactivate, end sessions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record, record_each
from clinic.auth import admin_services
from clinic.auth.access import get_clinic_user
from clinic.auth.forms import ChangeRoleForm, ConfirmForm, InviteStaffForm
from clinic.auth.models import User
from clinic.auth.services import AccountError
from clinic.extensions import db
from clinic.roles import Role

bp = Blueprint("users", __name__, url_prefix="/admin/users")


@bp.get("")
@role_required(Role.ADMIN)
def list_users():
    users = db.session.scalars(
        sa.select(User).where(User.clinic_id == current_user.clinic_id).order_by(User.role, User.full_name, User.id)
    ).all()
    # The list names patients with portal accounts: each of them sees it in "who viewed my record".
    named = [u.patient_id for u in users if u.patient_id is not None]
    if named:
        record_each("user.list", named, detail=f"accounts={len(users)}")
    else:
        record("user.list", detail=f"accounts={len(users)}")
    return render_template("users/list.html", users=users)


@bp.route("/invite", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def invite():
    form = InviteStaffForm()
    if form.validate_on_submit():
        try:
            user = admin_services.invite_staff(
                current_user, full_name=form.full_name.data, email=form.email.data, role=form.role.data
            )
        except AccountError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            flash(f"Invitation sent to {user.email}.", "success")
            return redirect(url_for("users.detail", user_id=user.id))
    return render_template("users/invite.html", form=form)


@bp.get("/<int:user_id>")
@role_required(Role.ADMIN)
def detail(user_id: int):
    user = get_clinic_user(user_id)
    record("user.view", object_type="user", object_id=user.id, patient_id=user.patient_id)
    return _render_detail(user, ChangeRoleForm(role=user.role))


def _render_detail(user: User, role_form: ChangeRoleForm, status: int = 200):
    return render_template(
        "users/detail.html",
        user=user,
        role_form=role_form,
        live_sessions=admin_services.live_session_count(user),
    ), status


@bp.post("/<int:user_id>/role")
@role_required(Role.ADMIN)
def change_role(user_id: int):
    user = get_clinic_user(user_id)
    form = ChangeRoleForm()
    if not form.validate_on_submit():
        return _render_detail(user, form, 400)
    try:
        admin_services.change_role(current_user, user, form.role.data)
    except AccountError as error:
        db.session.rollback()
        form.role.errors.append(str(error))
        return _render_detail(user, form, 400)
    flash(f"{user.full_name} is now {user.role_enum.label.lower()}.", "success")
    return redirect(url_for("users.detail", user_id=user.id))


def _confirmed_action(user_id: int, action, message: str):
    """Run a one-button action (CSRF-checked) on a user of this clinic, then go back to their page."""
    user = get_clinic_user(user_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; please try again.", "danger")
        return redirect(url_for("users.detail", user_id=user.id))
    try:
        result = action(current_user, user)
    except AccountError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        flash(message.format(user=user, result=result), "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.post("/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def deactivate(user_id: int):
    return _confirmed_action(
        user_id, admin_services.deactivate, "{user.full_name} is deactivated; {result} session(s) ended."
    )


@bp.post("/<int:user_id>/reactivate")
@role_required(Role.ADMIN)
def reactivate(user_id: int):
    return _confirmed_action(user_id, admin_services.reactivate, "{user.full_name} can log in again.")


@bp.post("/<int:user_id>/end-sessions")
@role_required(Role.ADMIN)
def end_sessions(user_id: int):
    return _confirmed_action(user_id, admin_services.end_sessions, "{result} session(s) of {user.full_name} ended.")


@bp.post("/<int:user_id>/resend-invitation")
@role_required(Role.ADMIN)
def resend_invitation(user_id: int):
    return _confirmed_action(user_id, admin_services.resend_invitation, "A new invitation went to {user.email}.")
