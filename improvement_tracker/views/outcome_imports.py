"""Loading outcome figures for many forces from a file: the template, the upload, the preview and
the confirmation (the national team and administrators; everyone else gets "Page not found").

As with the plan import, the file is kept server-side (``services.imports.staging``) under a random
key tied to the person who uploaded it; the preview and the confirmation both read it back and
check it afresh against the figures stored, so nothing the browser sends is trusted but the choice
to go ahead and the reason for revising published figures.
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.auth import ConfirmForm
from improvement_tracker.forms.outcome_imports import ConfirmOutcomeImportForm, OutcomeUploadForm
from improvement_tracker.models import User
from improvement_tracker.services import clock, outcome_import
from improvement_tracker.services.imports import staging
from improvement_tracker.services.imports.workbook import MAX_FILE_BYTES, FileRefused, open_workbook
from improvement_tracker.services.inputs import whole_number
from improvement_tracker.views._helpers import CHANGED_AT_ONCE, me, pagination, remember_result, sent_before

bp = Blueprint("outcome_imports", __name__)

# Uploads here are every force's, not one force's: staging keys them to the user and to this.
EVERY_FORCE = 0
# Rows of the "what will change" table per page: a 43-force file changes about 4,000 figures.
PAGE_SIZE = 200


@bp.before_request
@login_required
def _national_team_only() -> None:
    """Only the national team and administrators load figures; to anyone else these pages do not exist."""
    if not security.may_import_outcomes(me()):
        abort(404)


def import_dir() -> Path:
    return Path(current_app.config.get("OUTCOME_IMPORT_DIR") or Path(current_app.instance_path) / "outcome-imports")


def _stored_or_404(user: User, key: str) -> tuple[staging.StoredImport, bytes]:
    """The upload behind the key, only for the person who made it: everyone else gets a 404."""
    loaded = staging.load(import_dir(), key, user_id=user.id, force_id=EVERY_FORCE)
    if loaded is None:
        abort(404)
    return loaded


def _field_error(field, message: str) -> None:
    if not isinstance(field.errors, list):
        field.errors = list(field.errors)
    field.errors.append(message)


@bp.get("/outcomes/import/template.csv")
def template_csv():
    data = outcome_import.template_csv(db.session, clock.today())
    return send_file(io.BytesIO(data), mimetype="text/csv", as_attachment=True,
                     download_name="outcome-figures-template.csv")


@bp.route("/outcomes/import", methods=["GET", "POST"])
def upload():
    user = me()
    form = OutcomeUploadForm()
    if form.validate_on_submit():
        repeat = sent_before(form)  # the same upload sent twice is one pending import
        if repeat is not None:
            return repeat
        upload_file = form.file.data
        data = upload_file.stream.read(MAX_FILE_BYTES + 1)
        try:
            open_workbook(data, upload_file.filename or "").close()  # a file that cannot be opened is not kept
        except FileRefused as refusal:
            _field_error(form.file, refusal.message)
        else:
            stored = staging.store(import_dir(), data, upload_file.filename or "", user_id=user.id,
                                   force_id=EVERY_FORCE)
            response = redirect(url_for("outcome_imports.preview", key=stored.key))
            db.session.commit()  # the form's token, claimed
            remember_result(form, response)
            return response
    return render_template("outcome_imports/upload.html", form=form)


@bp.route("/outcomes/import/<key>", methods=["GET", "POST"])
def preview(key: str):
    user = me()
    form = ConfirmOutcomeImportForm()
    confirming = form.validate_on_submit()
    if confirming:
        repeat = sent_before(form)  # a double click: the second is shown where the first led
        if repeat is not None:
            return repeat
    stored, data = _stored_or_404(user, key)
    today = clock.today()
    report = outcome_import.check(db.session, data, stored.filename, today)
    changed_since = False
    if confirming and report.ok:
        if form.digest.data != report.digest:
            changed_since = True
        elif problem := outcome_import.reason_problem(report, form.reason.data):
            _field_error(form.reason, problem)
        else:
            done = _confirm(user, form, stored, report)
            if done is not None:
                return done
    db.session.rollback()  # nothing of a refused confirmation is kept, its form token included
    form.digest.data = report.digest
    changing = report.changing
    page = min(whole_number(request.args.get("page")) or 1, max(1, -(-len(changing) // PAGE_SIZE)))
    return render_template(
        "outcome_imports/preview.html", stored=stored, report=report, form=form if report.ok else None,
        changed_since=changed_since, upload_form=None if report.ok else OutcomeUploadForm(),
        cancel_form=ConfirmForm(), changes=changing[(page - 1) * PAGE_SIZE:page * PAGE_SIZE],
        first=(page - 1) * PAGE_SIZE + 1, pagination=_pagination(key, page, len(changing)),
        shown=outcome_import.shown)


def _confirm(user: User, form: ConfirmOutcomeImportForm, stored: staging.StoredImport,
             report: outcome_import.OutcomeImportReport):
    directory = import_dir()
    if not staging.claim(directory, stored.key):
        abort(404)  # confirmed or cancelled a moment ago, in another tab
    try:
        outcome_import.apply(db.session, report, user, clock.today(), form.reason.data)
        db.session.commit()
    except outcome_import.ImportFailed as failure:
        db.session.rollback()
        staging.release(directory, stored.key)
        if failure.field == "reason":
            _field_error(form.reason, failure.message)
        else:
            report.errors.append(outcome_import.Problem(None, "", "", failure.message))
        return None
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        staging.release(directory, stored.key)
        report.errors.append(outcome_import.Problem(None, "", "", f"{CHANGED_AT_ONCE}: nothing was loaded"))
        return None
    except BaseException:
        db.session.rollback()
        staging.release(directory, stored.key)
        raise
    staging.discard(directory, stored.key)
    flash(f"Loaded {stored.filename}: {report.summary()}.", "success")
    response = redirect(url_for("outcomes.national"))
    remember_result(form, response)
    return response


@bp.post("/outcomes/import/<key>/cancel")
def cancel(key: str):
    stored, _data = _stored_or_404(me(), key)
    if ConfirmForm().validate_on_submit():
        staging.discard(import_dir(), stored.key)
        flash(f"Loading {stored.filename} cancelled: no figures were changed.", "success")
    return redirect(url_for("outcome_imports.upload"))


def _pagination(key: str, page: int, count: int) -> dict | None:
    """The table of changes, PAGE_SIZE rows a page."""
    def href(n: int) -> str:
        return url_for("outcome_imports.preview", key=key) + "?" + urlencode({"page": n}) + "#changes"

    return pagination(page, -(-count // PAGE_SIZE), href, "Pages of changes")
