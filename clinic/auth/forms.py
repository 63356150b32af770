from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from clinic.auth.passwords import MAX_LENGTH, password_problem
from clinic.roles import STAFF


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "email", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class NewPasswordMixin:
    """A new password typed twice, checked against the password rules."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "new-password"},
        description=_l("8 to 128 characters; common passwords are refused."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )

    def validate_password(self, field) -> None:
        problem = password_problem(field.data or "", email=getattr(self, "account_email", None))
        if problem:
            raise ValidationError(problem)


class SetPasswordForm(NewPasswordMixin, FlaskForm):
    submit = SubmitField(_l("Set password"))


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    submit = SubmitField(_l("Change password"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)], render_kw={"autocomplete": "email"}
    )
    submit = SubmitField(_l("Send reset link"))


class InviteStaffForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=[(r.value, r.label) for r in STAFF])
    submit = SubmitField("Send invitation")


class ChangeRoleForm(FlaskForm):
    role = SelectField("Role", choices=[(r.value, r.label) for r in STAFF])
    submit = SubmitField("Change role")


class ConfirmForm(FlaskForm):
    """A button that only needs CSRF protection (deactivate, end sessions, log out)."""

    confirm = BooleanField("I am sure", default=True)
    submit = SubmitField("Confirm")


class TwoFactorForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app, or a recovery code",
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"},
    )
    remember = BooleanField("Remember this device for 12 hours")
    submit = SubmitField("Verify")


class TwoFactorSetupForm(FlaskForm):
    code = StringField(
        "6-digit code shown by the app",
        validators=[DataRequired(), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField("Turn on two-factor login")


class ResetTwoFactorForm(FlaskForm):
    code = StringField(
        "Your own 6-digit code (confirms it is you)",
        validators=[DataRequired(), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField("Reset this user's second factor")


class TwoFactorPolicyForm(FlaskForm):
    dermatologist = BooleanField("Dermatologists must use a second factor")
    aesthetician = BooleanField("Aestheticians must use a second factor")
    admin = BooleanField("Admins must use a second factor")
    submit = SubmitField("Save")
