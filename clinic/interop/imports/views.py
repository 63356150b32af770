"""The admin's import page: upload a CSV, see the dry run's per-row report, then import the checked file.

The file is kept server-side between the two steps (`staging`: in the database, under a token bound to the
admin and their clinic, for an hour, used once), so the admin does not upload it twice and the import writes
exactly what the dry run checked. Both steps render their report directly: a reload of the result cannot
import twice, because the token is used up.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.interop.imports.appointments import import_appointments
from clinic.interop.imports.forms import ConfirmForm, UploadForm
from clinic.interop.imports.patients import import_patients
from clinic.interop.imports.reading import ImportFileError
from clinic.interop.imports.report import REFUSED, ImportReport
from clinic.interop.imports.staging import stage, take
from clinic.roles import Role

bp = Blueprint("imports", __name__, url_prefix="/admin/import")
IMPORTERS = {"patients": import_patients, "appointments": import_appointments}
ROWS_SHOWN = 1000


def _render_report(report: ImportReport, filename: str, confirm: ConfirmForm | None = None):
    ordered = report.refused + [row for row in report.rows if row.outcome != REFUSED]
    return render_template(
        "imports/report.html",
        report=report,
        rows=ordered[:ROWS_SHOWN],
        hidden=max(0, len(ordered) - ROWS_SHOWN),
        filename=filename,
        confirm=confirm,
    )


@bp.route("", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("imports/upload.html", form=form), 422 if form.errors else 200
    content, filename = form.file.data.read(), form.file.data.filename or "upload.csv"
    try:
        report = IMPORTERS[form.kind.data](content, current_user.clinic, dry_run=True, skip_bad_rows=False)
    except ImportFileError as error:
        form.file.errors.append(str(error))
        return render_template("imports/upload.html", form=form), 422
    report.skip_bad_rows = form.skip_bad_rows.data
    token = stage(current_user, form.kind.data, filename, content)
    # formdata=None: filled from these values, not from the upload form just posted (its checkbox says "y")
    confirm = ConfirmForm(formdata=None, token=token, skip_bad_rows="yes" if form.skip_bad_rows.data else "")
    return _render_report(report, filename, confirm)


@bp.post("/confirm")
@role_required(Role.ADMIN)
def confirm():
    form = ConfirmForm()
    upload = take(current_user, form.token.data) if form.validate_on_submit() else None
    if upload is None:
        flash("That checked file has expired or was already imported. Please upload it again.", "warning")
        return redirect(url_for(".upload"))
    try:
        report = IMPORTERS[upload.kind](
            upload.content,
            current_user.clinic,
            dry_run=False,
            skip_bad_rows=form.skip_bad_rows.data == "yes",
            by=current_user,
            source=upload.filename,
        )
    except ImportFileError as error:  # the file passed its dry run; only a changed layout could refuse it now
        flash(str(error), "danger")
        return redirect(url_for(".upload"))
    return _render_report(report, upload.filename)
