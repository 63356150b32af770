"""Two-factor pages: the code step after the password, enrolment (QR code, recovery codes), the clinic's
policy and an admin's reset of a lost second factor (which needs the admin's own second factor)."""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user

from clinic.access import public, role_required
from clinic.audit.services import record
from clinic.auth import services, totp
from clinic.auth.access import get_clinic_user
from clinic.auth.admin_views import bp as users_bp
from clinic.auth.forms import ResetTwoFactorForm, TwoFactorForm, TwoFactorPolicyForm, TwoFactorSetupForm
from clinic.auth.models import User
from clinic.auth.views import ALL_ROLES, bp, home_for
from clinic.extensions import db, limiter
from clinic.roles import Role

PENDING, PENDING_SECONDS = totp.PENDING, totp.PENDING_SECONDS
ENROLMENT_KEY = "two_factor_enrolment"  # the not-yet-confirmed secret (shown to the user anyway)
OPEN_WHILE_ENROLLING = {"auth.two_factor_setup", "auth.logout", "static"}
STAFF_ROLES = (Role.DERMATOLOGIST, Role.AESTHETICIAN, Role.ADMIN)


def _pending_user() -> User | None:
    pending = session.get(PENDING) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("uid"))
    return user if user is not None and user.active and totp.is_enabled(user) else None


def _code_rate_key() -> str:
    return f"2fa:{(session.get(PENDING) or {}).get('uid')}"


@bp.route("/login/two-factor", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    key_func=_code_rate_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
)
def two_factor():
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash("Please log in again.", "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        code = form.code.data.strip()
        if totp.check_code(user, code):
            how = "totp"
        elif totp.use_recovery_code(user, code):
            how = "recovery code"
        else:
            record("auth.second_factor", outcome="failure", user=user)
            form.code.errors.append("That code is not correct (or was used already).")
            return render_template("auth/two_factor.html", form=form), 200
        next_url = session[PENDING]["next"]
        services.start_login_session(user)
        login_user(user)
        record("auth.second_factor", user=user, detail=how)
        response = redirect(next_url or home_for(user))
        if form.remember.data:
            response.set_cookie(
                totp.REMEMBER_COOKIE,
                totp.remember_token(user),
                max_age=totp.REMEMBER_HOURS * 3600,
                httponly=True,
                samesite="Lax",
                secure=current_app.config["CLINIC_HTTPS"],
            )
        if how == "recovery code":
            flash(f"You used a recovery code; {totp.recovery_codes_left(user)} are left.", "warning")
        return response
    return render_template("auth/two_factor.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def two_factor_setup():
    user = current_user
    if totp.is_enabled(user):
        return render_template("auth/two_factor_status.html", left=totp.recovery_codes_left(user))
    secret = session.get(ENROLMENT_KEY) or totp.new_secret()
    session[ENROLMENT_KEY] = secret
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        if totp.check_code(user, form.code.data, secret=secret):
            codes = totp.enable(user, secret)
            session.pop(ENROLMENT_KEY, None)
            record("auth.second_factor_enabled", user=user)
            return render_template("auth/recovery_codes.html", codes=codes)
        form.code.errors.append("That code is not correct. Check the time on your phone and try the next one.")
    uri = totp.provisioning_uri(user, secret)
    return render_template(
        "auth/two_factor_setup.html", form=form, secret=secret, qr=totp.qr_data_uri(uri), required=totp.must_enrol(user)
    )


@bp.before_app_request
def require_enrolment():
    """Staff whose clinic requires a second factor see only the enrolment page until they enrol."""
    if request.endpoint in OPEN_WHILE_ENROLLING or not current_user.is_authenticated:
        return None
    if totp.must_enrol(current_user):
        return redirect(url_for("auth.two_factor_setup"))
    return None


@users_bp.post("/<int:user_id>/two-factor/reset")
@role_required(Role.ADMIN)
def reset_two_factor(user_id: int):
    """Reset a lost second factor; the admin confirms with their own code. The user enrols again."""
    user = get_clinic_user(user_id)
    form = ResetTwoFactorForm()
    if not totp.is_enabled(current_user):
        flash("Turn on your own two-factor login first: a reset needs your own code.", "danger")
    elif not form.validate_on_submit() or not totp.check_code(current_user, form.code.data):
        record("user.second_factor_reset", outcome="failure", object_type="user", object_id=user.id)
        flash("Your own code was not correct; nothing was changed.", "danger")
    else:
        totp.disable(user)
        services.end_all_sessions(user, "second_factor_reset")
        record("user.second_factor_reset", object_type="user", object_id=user.id, patient_id=user.patient_id)
        flash(f"{user.full_name}'s second factor is reset; they set up a new one at their next login.", "success")
    return redirect(url_for("users.detail", user_id=user.id))


@users_bp.route("/two-factor-policy", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def two_factor_policy():
    clinic = current_user.clinic
    required = totp.required_roles(current_user)
    form = TwoFactorPolicyForm(data={role.value: role.value in required for role in STAFF_ROLES})
    if form.validate_on_submit():
        chosen = [role.value for role in STAFF_ROLES if getattr(form, role.value).data]
        clinic.totp_required_roles = ",".join(chosen)
        record(
            "clinic.second_factor_policy",
            object_type="clinic",
            object_id=clinic.id,
            detail=f"required for: {', '.join(chosen) or 'nobody'}",
        )
        flash("Saved.", "success")
        return redirect(url_for("users.two_factor_policy"))
    return render_template("users/two_factor_policy.html", form=form)
