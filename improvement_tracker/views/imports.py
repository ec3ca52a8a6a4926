"""Importing a plan from a spreadsheet: the template, the upload, the preview and the confirmation.

The uploaded file is kept server-side (``services.imports.store``) under a random key tied to
the user and the force; the preview and the confirmation both read it back from there and
check it afresh against the plan, so nothing the browser sends is trusted but the choice to go
ahead. Anyone but the person who uploaded it gets "Page not found" for its key.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_login import login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.auth import ConfirmForm
from improvement_tracker.forms.imports import ConfirmImportForm, ImportUploadForm
from improvement_tracker.models import Force, User
from improvement_tracker.services import imports, reference_admin
from improvement_tracker.services.imports import template as import_template
from improvement_tracker.services.imports.workbook import MAX_FILE_BYTES, FileRefused
from improvement_tracker.views._helpers import me, remember_result, sent_before

bp = Blueprint("imports", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


def import_dir() -> Path:
    return Path(current_app.config.get("IMPORT_DIR") or Path(current_app.instance_path) / "imports")


def _manager_of(code: str) -> tuple[User, Force]:
    user = me()
    force = security.force_or_404(db.session, user, code)
    security.require(security.can_manage_plan(user, force.id))
    return user, force


def _stored_or_404(code: str, key: str) -> tuple[User, Force, imports.StoredImport, bytes]:
    """The upload behind the key, only for the person who made it: everyone else gets a 404."""
    user = me()
    force = security.force_or_404(db.session, user, code)
    loaded = imports.load(import_dir(), key, user_id=user.id, force_id=force.id)
    if loaded is None:
        abort(404)
    security.require(security.can_manage_plan(user, force.id))
    return user, force, *loaded


# --- the template ------------------------------------------------------------------------

@bp.get("/forces/<code>/import/template.xlsx")
def template_xlsx(code: str):
    _manager_of(code)
    data = import_template.build_xlsx([(p.code, p.name) for p in reference_admin.pillars(db.session)])
    return send_file(io.BytesIO(data), mimetype=import_template.XLSX_MIMETYPE, as_attachment=True,
                     download_name="improvement-plan-import-template.xlsx")


@bp.get("/forces/<code>/import/template-<any('deep-dives', findings, actions, milestones):sheet>.csv")
def template_csv(code: str, sheet: str):
    _manager_of(code)
    data = import_template.build_csv(imports.KIND_SLUGS[sheet])
    return send_file(io.BytesIO(data), mimetype="text/csv", as_attachment=True,
                     download_name=f"improvement-plan-{sheet}.csv")


# --- upload, preview, confirm ------------------------------------------------------------

def _field_error(field, message: str) -> None:
    if not isinstance(field.errors, list):
        field.errors = list(field.errors)
    field.errors.append(message)


def _receive(form: ImportUploadForm, user: User, force: Force) -> imports.StoredImport | None:
    """Keep the file if it can be read at all; otherwise say why next to the file field."""
    upload = form.file.data
    data = upload.stream.read(MAX_FILE_BYTES + 1)
    try:
        imports.read(data, upload.filename or "")
    except FileRefused as refusal:
        _field_error(form.file, refusal.message)
        return None
    return imports.store(import_dir(), data, upload.filename or "", user_id=user.id, force_id=force.id)


@bp.route("/forces/<code>/import", methods=["GET", "POST"])
def upload(code: str):
    user, force = _manager_of(code)
    form = ImportUploadForm()
    if form.validate_on_submit():
        repeat = sent_before(form)  # the same upload sent twice is one pending import
        if repeat is not None:
            return repeat
        stored = _receive(form, user, force)
        if stored is not None:
            response = redirect(url_for("imports.preview", code=force.code, key=stored.key))
            db.session.commit()  # the form's token, claimed
            remember_result(form, response)
            return response
    return render_template("imports/upload.html", form=form, force=force)


@bp.route("/forces/<code>/imports/<key>", methods=["GET", "POST"])
def preview(code: str, key: str):
    user, force, stored, data = _stored_or_404(code, key)
    report = imports.check(db.session, force, data, stored.filename, actor=user)
    form = ConfirmImportForm()
    form.owners.choices = [SelectChoice(o.email, f"{o.name} ({o.email})") for o in report.new_owners]
    changed_since = False
    if form.validate_on_submit() and report.ok:
        if form.digest.data != report.digest:
            changed_since = True
        elif set(form.owners.data or ()) != {o.email for o in report.new_owners}:
            _field_error(form.owners, "Select every new owner to add them, or change the owner emails in your "
                                      "spreadsheet and upload it again")
        else:
            done = _confirm(user, force, stored, report)
            if done is not None:
                return done
    form.digest.data = report.digest
    return render_template("imports/preview.html", force=force, stored=stored, report=report,
                           form=form if report.ok else None, changed_since=changed_since,
                           upload_form=None if report.ok else ImportUploadForm(), cancel_form=ConfirmForm())


def _confirm(user: User, force: Force, stored: imports.StoredImport, report: imports.ImportReport):
    directory = import_dir()
    if not imports.claim(directory, stored.key):
        abort(404)  # confirmed or cancelled a moment ago, in another tab
    try:
        imports.apply(db.session, force, report, actor=user, create_owners=True)
        db.session.commit()
    except imports.ImportFailed as failure:
        db.session.rollback()
        imports.release(directory, stored.key)
        report.errors.append(failure.problem)
        return None
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        imports.release(directory, stored.key)
        report.errors.append(imports.Problem("", None, "", "", "The plan was changed by someone else while it "
                                             "was being imported, so nothing was imported: reload this page to "
                                             "check the import again"))
        return None
    except BaseException:
        db.session.rollback()
        imports.release(directory, stored.key)
        raise
    imports.discard(directory, stored.key)
    flash(f"Imported {stored.filename}: {report.summary()}.", "success")
    return redirect(url_for("plans.force_plan", code=force.code))


@bp.post("/forces/<code>/imports/<key>/cancel")
def cancel(code: str, key: str):
    _user, force, stored, _data = _stored_or_404(code, key)
    if ConfirmForm().validate_on_submit():
        imports.discard(import_dir(), stored.key)
        flash(f"Import of {stored.filename} cancelled: nothing was imported.", "success")
    return redirect(url_for("imports.upload", code=force.code))
