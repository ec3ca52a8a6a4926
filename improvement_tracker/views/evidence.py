"""Evidence: upload on an action, download and preview, review, withdraw, purge, the review list.

Who may do what with a file is decided in improvement_tracker.security (the refusals): a page
offers a button exactly when the same rule lets the service do it.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required
from markupsafe import Markup

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.evidence import PurgeForm, ReviewForm, UploadForm, WithdrawForm
from improvement_tracker.models import Action, Evidence, Force, User
from improvement_tracker.services import evidence as evidence_service
from improvement_tracker.services import filetypes, plan_exports, todo
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.inputs import whole_number
from improvement_tracker.services.scanning import scanner
from improvement_tracker.services.storage import get_storage
from improvement_tracker.templating import error_list
from improvement_tracker.views._helpers import (
    commit,
    download,
    form_page,
    me,
    refused,
    remember_result,
    sent_before,
    show_error,
)
from improvement_tracker.views._scope import action_route, evidence_route, force_route

bp = Blueprint("evidence", __name__)

# Served files can never run as a page of this site, be cached, or be sniffed into HTML.
DOWNLOAD_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


def _to_evidence_section(item: Evidence):
    """Back to the action, at its top: the success message there has focus (see views.actions)."""
    return redirect(url_for("actions.show", action_id=item.action_id))


# --- upload -----------------------------------------------------------------------------

@bp.route("/actions/<int:action_id>/evidence/new", methods=["GET", "POST"])
@action_route(security.can_work_on_action)
def upload(action: Action):
    user = me()
    form = UploadForm()
    form.milestone_id.choices = [(0, "Not for a particular milestone")] + [
        (m.id, m.title) for m in action.milestones]
    chosen = whole_number(request.args.get("milestone"))
    if request.method == "GET" and chosen is not None:
        form.milestone_id.data = chosen
    problems: list[str] = []
    valid = form.validate_on_submit()
    files = [evidence_service.IncomingFile(f.filename or "", f.stream) for f in request.files.getlist("files")]
    if request.method == "POST" and not valid and not any(f.filename for f in files):
        form.files.errors = ["Select a file to upload"]
    repeat = sent_before(form) if valid else None
    if repeat is not None:
        return repeat
    if valid:
        storage = get_storage()
        config = current_app.config
        try:
            created = evidence_service.upload(
                db.session, action, files, form.description.data, actor=user, storage=storage,
                scanner=scanner(), max_mb=config["MAX_UPLOAD_MB"], max_files=config["MAX_FILES_PER_UPLOAD"],
                milestone_id=form.milestone_id.data or None,
            )
            try:
                commit(f"{len(created)} file{'s' if len(created) != 1 else ''} uploaded. "
                       "Your programme manager will review "
                       f"{'them' if len(created) != 1 else 'it'}.")
            except Exception:
                evidence_service.forget_files(storage, created)
                raise
            response = redirect(url_for("actions.show", action_id=action.id))  # the message in view, focused
            remember_result(form, response)
            return response
        except evidence_service.UploadRefused as error:
            show_error(form, error)
            problems = error.problems
            form.files.errors = list(problems)
            if error.scan_refusals:
                evidence_service.record_scan_refusals(db.session, action, error.scan_refusals, actor=user)
                db.session.commit()
        except ServiceError as error:
            show_error(form, error)
    summary = None
    if problems:
        summary = [{"text": p, "href": "#files"} for p in problems] + [
            item for item in error_list(form) if item.get("href") != "#files"]
    return render_template("evidence/upload.html", form=form, action=action, error_summary=summary,
                           max_mb=current_app.config["MAX_UPLOAD_MB"],
                           max_files=current_app.config["MAX_FILES_PER_UPLOAD"])


# --- reading ----------------------------------------------------------------------------

def _formulas(item: Evidence) -> filetypes.FormulaCells | None:
    """For a CSV still stored: the cells a spreadsheet would run as formulas, for the warning."""
    if item.file_type != "csv" or item.purged_at is not None:
        return None
    try:
        with get_storage().open(item.storage_key) as handle:
            found = filetypes.formula_cells(handle)
    except (FileNotFoundError, ValueError):
        return None
    return found if found.count or not found.complete else None


@bp.get("/evidence/<int:evidence_id>")
@evidence_route()
def show(item: Evidence):
    user = me()
    return render_template(
        "evidence/show.html", item=item, action=item.action,
        trail=evidence_service.trail(db.session, item),
        downloadable=security.may_download_evidence(user, item),
        formulas=_formulas(item) if security.may_download_evidence(user, item) else None,
        can_review=security.review_refusal(user, item, item.action) is None,
        can_withdraw=security.withdraw_refusal(user, item, item.action) is None,
        can_purge=security.purge_refusal(user, item) is None,
    )


def content_disposition(kind: str, item: Evidence) -> str:
    """Both spellings of the name: plain ASCII for old clients, and RFC 5987 UTF-8 for the rest."""
    fallback = evidence_service.ascii_filename(item.original_filename,
                                               f"evidence-{item.id}.{item.original_filename.rsplit('.', 1)[-1]}")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(item.original_filename, safe='')}"


def _send(item: Evidence, *, inline: bool):
    try:
        handle = get_storage().open(item.storage_key)
    except (FileNotFoundError, ValueError):
        current_app.logger.error("Evidence %s: stored file %s is missing", item.id, item.storage_key)
        abort(404)
    response = send_file(handle, mimetype=item.content_type, as_attachment=not inline,
                         download_name=item.original_filename, conditional=False, etag=False, max_age=0)
    response.headers["Content-Disposition"] = content_disposition("inline" if inline else "attachment", item)
    response.headers.update(DOWNLOAD_HEADERS)
    return response


@bp.get("/evidence/<int:evidence_id>/download", endpoint="download")
@evidence_route()
def download_file(item: Evidence):
    if not security.may_download_evidence(me(), item):
        abort(404)
    return _send(item, inline=False)


@bp.get("/evidence/<int:evidence_id>/preview")
@evidence_route()
def preview(item: Evidence):
    """Images only, shown in the browser: the same scope check and headers as a download."""
    if not item.is_image or not security.may_download_evidence(me(), item):
        abort(404)
    return _send(item, inline=True)


@bp.get("/forces/<code>/evidence")
@force_route()
def awaiting_review(force: Force):
    user = me()
    items = evidence_service.awaiting_review(db.session, force)
    return render_template("evidence/awaiting_review.html", force=force, items=items,
                           can_review={e.id for e in items if security.review_refusal(user, e, e.action) is None})


@bp.get("/forces/<code>/evidence.<any(csv, xlsx):fmt>")
@force_route()
def awaiting_review_export(force: Force, fmt: str):
    return download(plan_exports.evidence_awaiting_review(db.session, force), fmt,
                    f"{force.code}-evidence-awaiting-review")


# --- changing ---------------------------------------------------------------------------

def _reviewed(item: Evidence, changed: bool, user: User) -> None:
    """Say what the review did; once it was the last piece of evidence awaiting review on an action
    that is waiting to be signed off, and this reviewer may sign it off, offer the sign-off at once."""
    if not changed:
        flash("Nothing was changed", "success")
        return
    decided = "accepted" if item.review_state == "accepted" else "rejected"
    action = item.action
    if item.review_state == "accepted" and todo.may_sign_off_now(db.session, user, action):
        # A literal whose format escapes the file name and the reference: only the link is markup. The
        # session keeps it as markup (Flask's session serializer tags Markup), so the banner shows the link.
        flash(Markup('{} {}. Nothing else on {} is awaiting review. <a class="govuk-notification-banner__link" '
                     'href="{}">Sign off this action now</a>').format(
                item.original_filename, decided, action.reference,
                url_for("actions.change_status", action_id=action.id, slug="sign-off")), "success")
        return
    flash(f"{item.original_filename} {decided}", "success")


@bp.route("/evidence/<int:evidence_id>/review", methods=["GET", "POST"])
@evidence_route()
def review(item: Evidence):
    user = me()
    back = refused(security.review_refusal(user, item, item.action), url_for("evidence.show", evidence_id=item.id))
    if back is not None:
        return back
    form = ReviewForm()
    if request.method == "GET" and item.review_state != "submitted":
        form.decision.data = item.review_state
        form.reason.data = item.review_reason

    def save():
        # Accepting reads no reason (forms.evidence.ReviewForm): the box belongs to "reject".
        changed = evidence_service.review(db.session, item, form.decision.data, form.reason.data, actor=user)
        commit()
        _reviewed(item, changed, user)
        if request.args.get("next", "") == "list":
            return redirect(url_for("evidence.awaiting_review", code=item.action.force.code))
        return _to_evidence_section(item)

    return form_page(form, "evidence/review.html", save, item=item, action=item.action, formulas=_formulas(item))


@bp.route("/evidence/<int:evidence_id>/withdraw", methods=["GET", "POST"])
@evidence_route()
def withdraw(item: Evidence):
    user = me()
    back = refused(security.withdraw_refusal(user, item, item.action), url_for("evidence.show", evidence_id=item.id))
    if back is not None:
        return back
    form = WithdrawForm()

    def save():
        evidence_service.withdraw(db.session, item, form.reason.data, actor=user)
        commit(f"{item.original_filename} withdrawn. The record stays in the action’s history.")
        return _to_evidence_section(item)

    return form_page(form, "evidence/withdraw.html", save, item=item, action=item.action)


@bp.route("/evidence/<int:evidence_id>/purge", methods=["GET", "POST"])
@evidence_route()
def purge(item: Evidence):
    user = me()
    refusal = security.purge_refusal(user, item)
    security.require(refusal is None or not refusal.forbidden)
    if request.method == "POST" and refusal is not None:
        flash(f"{refusal.message}.", "error")
        return redirect(url_for("evidence.purge", evidence_id=item.id))
    form = PurgeForm()

    def save():
        key = evidence_service.purge(db.session, item, form.reason.data, actor=user)
        commit(f"The stored file of {item.original_filename} was deleted")
        get_storage().delete(key)  # only once the record says so
        return redirect(url_for("evidence.show", evidence_id=item.id))

    return form_page(form, "evidence/purge.html", save, item=item, action=item.action)
