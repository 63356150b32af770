"""Settings → API tokens: a staff user creates (the secret is shown once), lists and revokes their tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.api import tokens
from clinic.api.forms import CreateTokenForm, RevokeTokenForm
from clinic.db import now_utc
from clinic.roles import STAFF
from clinic.validation import Invalid, attach_problems

bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")


def _page(form: CreateTokenForm, *, secret: str | None = None, status: int = 200):
    html = render_template(
        "api/tokens.html",
        form=form,
        secret=secret,
        tokens=tokens.tokens_of(current_user),
        revoke_form=RevokeTokenForm(),
        now=now_utc(),
    )
    return html, status


@bp.route("", methods=["GET", "POST"])
@role_required(*STAFF)
def manage():
    form = CreateTokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422 if form.errors else 200)
    try:
        _token, secret = tokens.issue(
            current_user, name=form.name.data, scope=form.scope.data, lifetime_days=form.lifetime_days.data
        )
    except Invalid as error:
        attach_problems(form, error.problems)
        return _page(form, status=422)
    # The secret is in this one response (no-store) and nowhere else: shown once.
    return _page(CreateTokenForm(formdata=None), secret=secret, status=201)


@bp.post("/<int:token_id>/revoke")
@role_required(*STAFF)
def revoke(token_id: int):
    token = tokens.own_token(current_user, token_id)
    if token is None:
        abort(404)
    form = RevokeTokenForm()
    if form.validate_on_submit():
        tokens.revoke(token, by=current_user)
        flash(f"The token “{token.name}” is revoked; it no longer works.", "success")
    return redirect(url_for("api_tokens.manage"))
