"""Login, logout, password reset, invitations and password change."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from clinic.access import public, role_required
from clinic.auth import services, totp
from clinic.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, SetPasswordForm
from clinic.auth.invitations import request_password_reset
from clinic.auth.redirects import safe_next
from clinic.extensions import db, limiter
from clinic.roles import Role

bp = Blueprint("auth", __name__)

ALL_ROLES = tuple(Role)


def _login_rate_key() -> str:
    """Throttle per (address, e-mail): guessing at one account from one place slows down, but nobody
    elsewhere can lock the real owner out by failing on purpose."""
    email = services.normalize_email(request.form.get("email", ""))[:254]
    return f"login:{request.remote_addr}:{email}"


def _login_failed(response) -> bool:
    """Only failed attempts count towards the per-account limit; a successful login redirects."""
    return response.status_code != 302


def home_for(user) -> str:
    if user.role == Role.PATIENT:
        return url_for("portal.home")
    if user.role == Role.ADMIN:
        return url_for("users.list_users")
    return url_for("patients.list_patients")


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: _login_limits(), key_func=_login_rate_key, methods=["POST"], deduct_when=_login_failed)
@limiter.limit(lambda: _ip_limits(), methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("E-mail or password is incorrect."))
            return render_template("auth/login.html", form=form), 200
        if totp.is_enabled(user) and not totp.remembered(user):
            totp.start_second_step(user, safe_next(form.next.data) or "")
            return redirect(url_for("auth.two_factor"))
        services.start_login_session(user)
        login_user(user)
        if totp.must_enrol(user):
            return redirect(url_for("auth.two_factor_setup"))
        return redirect(safe_next(form.next.data) or home_for(user))
    return render_template("auth/login.html", form=form)


def _login_limits() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _ip_limits() -> str:
    return current_app.config["LOGIN_IP_RATE_LIMIT"]


@bp.post("/logout")
@role_required(*ALL_ROLES)
def logout():
    services.end_current_session(current_user)
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)  # queued; the same work whether or not the account exists
        flash(_("If that address belongs to an account, a reset link is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


def _set_password_page(token: str, purpose: str, template: str):
    row = services.find_live_token(token, purpose)
    if row is None:
        return render_template("auth/link_invalid.html"), 404
    form = SetPasswordForm()
    form.account_email = row.user.email
    if form.validate_on_submit():
        try:
            services.redeem_token(token, purpose, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            flash(_("Your password is set. Please log in."), "success")
            return redirect(url_for("auth.login"))
    return render_template(template, form=form, user=row.user)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return _set_password_page(token, "password_reset", "auth/reset_password.html")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    return _set_password_page(token, "invitation", "auth/accept_invitation.html")


@bp.route("/account/password", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def change_password():
    form = ChangePasswordForm()
    form.account_email = current_user.email
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            form.current_password.errors.append(str(error))
        else:
            logout_user()
            flash(_("Your password is changed and every session was logged out. Please log in again."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/change_password.html", form=form)
