"""Evidence: upload on an action, download and preview, review, withdraw, purge, the review list."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import login_required

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.evidence import PurgeForm, ReviewForm, SignOffForm, UploadForm, WithdrawForm
from improvement_tracker.forms.fields import whole_number
from improvement_tracker.models import Action, Evidence, User
from improvement_tracker.services import evidence as evidence_service
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.dashboards import Table
from improvement_tracker.services.scanning import scanner
from improvement_tracker.services.storage import get_storage
from improvement_tracker.templating import error_list
from improvement_tracker.views import _helpers
from improvement_tracker.views._helpers import commit, me, show_error

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


def file_size(size: int | None) -> str:
    if not size:
        return "0 bytes"
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


@bp.record_once
def _register_template_helpers(state) -> None:
    app: Flask = state.app
    app.add_template_filter(file_size, "file_size")
    app.jinja_env.globals.update(
        REVIEW_LABELS=evidence_service.REVIEW_LABELS,
        REVIEW_TAG_CLASSES=evidence_service.REVIEW_TAG_CLASSES,
    )


# --- the action page's Evidence section ------------------------------------------------

@dataclass
class ActionEvidence:
    items: list[Evidence]
    counts: evidence_service.EvidenceCounts
    withdrawn: list[Evidence]
    can_upload: bool
    no_evidence_reason: str | None
    reviewable: set[int] = field(default_factory=set)
    withdrawable: set[int] = field(default_factory=set)


def action_evidence(user: User, action: Action) -> ActionEvidence:
    """What the action page shows about its evidence, and what this user may do with each."""
    items, withdrawn, counts = evidence_service.live_and_withdrawn(db.session, action)
    finished = action.status in ("complete", "closed_not_needed")
    return ActionEvidence(
        items=items,
        counts=counts,
        withdrawn=withdrawn,
        can_upload=security.can_work_on_action(user, action) and not finished,
        no_evidence_reason=evidence_service.no_evidence_reason(db.session, action)
        if action.status == "complete" else None,
        reviewable={e.id for e in items if not finished and e.uploaded_by_id != user.id
                    and security.can_review_evidence(user, e)},
        withdrawable={e.id for e in items if security.can_withdraw_evidence(user, e)
                      and (not finished or security.can_manage_plan(user, e.force_id))},
    )


def sign_off_form(action: Action) -> tuple[SignOffForm, evidence_service.EvidenceCounts]:
    """The sign-off page asks why no evidence is needed only when none has been accepted."""
    form = SignOffForm()
    counts = evidence_service.counts_for_action(db.session, action)
    if counts.accepted:
        del form.no_evidence_reason
    return form, counts


# --- upload -----------------------------------------------------------------------------

@bp.route("/actions/<int:action_id>/evidence/new", methods=["GET", "POST"])
def upload(action_id: int):
    user = me()
    action = security.action_or_404(db.session, user, action_id)
    security.require(security.can_work_on_action(user, action))
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
            return redirect(url_for("actions.show", action_id=action.id, _anchor="evidence"))
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

def _downloadable(user: User, item: Evidence) -> bool:
    if item.purged_at is not None:
        return False
    return item.withdrawn_at is None or security.can_purge_evidence(user)


@bp.get("/evidence/<int:evidence_id>")
def show(evidence_id: int):
    user = me()
    item = security.evidence_or_404(db.session, user, evidence_id)
    finished = item.action.status in ("complete", "closed_not_needed")
    return render_template(
        "evidence/show.html", item=item, action=item.action,
        trail=evidence_service.trail(db.session, item),
        downloadable=_downloadable(user, item),
        can_review=item.withdrawn_at is None and not finished and item.uploaded_by_id != user.id
        and security.can_review_evidence(user, item),
        can_withdraw=item.withdrawn_at is None and security.can_withdraw_evidence(user, item)
        and (not finished or security.can_manage_plan(user, item.force_id)),
        can_purge=item.withdrawn_at is not None and item.purged_at is None and security.can_purge_evidence(user),
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


@bp.get("/evidence/<int:evidence_id>/download")
def download(evidence_id: int):
    user = me()
    item = security.evidence_or_404(db.session, user, evidence_id)
    if not _downloadable(user, item):
        abort(404)
    return _send(item, inline=False)


@bp.get("/evidence/<int:evidence_id>/preview")
def preview(evidence_id: int):
    """Images only, shown in the browser: the same scope check and headers as a download."""
    user = me()
    item = security.evidence_or_404(db.session, user, evidence_id)
    if not item.is_image or not _downloadable(user, item):
        abort(404)
    return _send(item, inline=True)


@bp.get("/forces/<code>/evidence")
def awaiting_review(code: str):
    user = me()
    force = security.force_or_404(db.session, user, code)
    items = evidence_service.awaiting_review(db.session, force)
    return render_template("evidence/awaiting_review.html", force=force, items=items,
                           can_review={e.id for e in items if e.uploaded_by_id != user.id
                                       and security.can_review_evidence(user, e)})


@bp.get("/forces/<code>/evidence.<any(csv, xlsx):fmt>")
def awaiting_review_export(code: str, fmt: str):
    force = security.force_or_404(db.session, me(), code)
    table = Table("evidence-awaiting-review", "Evidence awaiting review",
                  ["Action", "Action title", "File", "Description", "Type", "Size (bytes)", "SHA-256",
                   "Uploaded by", "Uploaded at"])
    for e in evidence_service.awaiting_review(db.session, force):
        table.add([e.action.reference, e.action.title, e.original_filename, e.description, e.file_type,
                   e.size_bytes, e.sha256, e.uploaded_by.name if e.uploaded_by else "", e.uploaded_at])
    return _helpers.download(table, fmt, f"{force.code}-evidence-awaiting-review")


# --- changing ---------------------------------------------------------------------------

@bp.route("/evidence/<int:evidence_id>/review", methods=["GET", "POST"])
def review(evidence_id: int):
    user = me()
    item = security.evidence_or_404(db.session, user, evidence_id)
    security.require(security.can_review_evidence(user, item))
    if item.uploaded_by_id == user.id:
        flash("You uploaded this evidence, so someone else must review it.", "error")
        return redirect(url_for("evidence.show", evidence_id=item.id))
    form = ReviewForm()
    if request.method == "GET" and item.review_state != "submitted":
        form.decision.data = item.review_state
        form.reason.data = item.review_reason
    if form.validate_on_submit():
        try:
            changed = evidence_service.review(db.session, item, form.decision.data, form.reason.data, actor=user)
            if not changed:
                commit("Nothing was changed")
            else:
                commit(f"{item.original_filename} {'accepted' if item.review_state == 'accepted' else 'rejected'}")
            nxt = request.args.get("next", "")
            if nxt == "list":
                return redirect(url_for("evidence.awaiting_review", code=item.action.force.code))
            return redirect(url_for("actions.show", action_id=item.action_id, _anchor="evidence"))
        except ServiceError as error:
            show_error(form, error)
    return render_template("evidence/review.html", form=form, item=item, action=item.action)


@bp.route("/evidence/<int:evidence_id>/withdraw", methods=["GET", "POST"])
def withdraw(evidence_id: int):
    user = me()
    item = security.evidence_or_404(db.session, user, evidence_id)
    security.require(security.can_withdraw_evidence(user, item))
    if item.withdrawn_at is not None:
        flash("This evidence has already been withdrawn.", "info")
        return redirect(url_for("evidence.show", evidence_id=item.id))
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            evidence_service.withdraw(db.session, item, form.reason.data, actor=user)
            commit(f"{item.original_filename} withdrawn. The record stays in the action’s history.")
            return redirect(url_for("actions.show", action_id=item.action_id, _anchor="evidence"))
        except ServiceError as error:
            show_error(form, error)
    return render_template("evidence/withdraw.html", form=form, item=item, action=item.action)


@bp.route("/evidence/<int:evidence_id>/purge", methods=["GET", "POST"])
def purge(evidence_id: int):
    user = me()
    item = security.evidence_or_404(db.session, user, evidence_id)
    security.require(security.can_purge_evidence(user))
    form = PurgeForm()
    if request.method == "POST" and (item.withdrawn_at is None or item.purged_at is not None):
        flash("Withdraw this evidence before deleting its file." if item.purged_at is None
              else "This file has already been deleted.", "error")
        return redirect(url_for("evidence.purge", evidence_id=item.id))
    if form.validate_on_submit():
        try:
            key = evidence_service.purge(db.session, item, form.reason.data, actor=user)
            commit(f"The stored file of {item.original_filename} was deleted")
            get_storage().delete(key)
            return redirect(url_for("evidence.show", evidence_id=item.id))
        except ServiceError as error:
            show_error(form, error)
    return render_template("evidence/purge.html", form=form, item=item, action=item.action)
