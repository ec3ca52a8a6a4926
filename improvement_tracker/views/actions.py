"""Actions: create and edit, the action page, status changes, updates, milestones, history."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.auth import ConfirmForm
from improvement_tracker.forms.fields import whole_number
from improvement_tracker.forms.plans import (
    ActionForm,
    DeclareRagForm,
    DueDateForm,
    MilestoneForm,
    ProgressUpdateForm,
    TransitionForm,
)
from improvement_tracker.models import Action, Finding, ProgressUpdate
from improvement_tracker.services import clock, milestones, page_cache, plan_queries, plans, rag, status, users
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.views._helpers import commit, me, rendered_fragment, show_error
from improvement_tracker.views.evidence import action_evidence, sign_off_form
from improvement_tracker.views.notifications import action_reminders
from improvement_tracker.views.plans import pillars

bp = Blueprint("actions", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


def _action_form(force_id: int, obj=None, finding: Finding | None = None) -> ActionForm:
    form = ActionForm(obj=obj)
    form.pillar_id.choices = [(0, "Select a pillar")] + [(p.id, f"{p.code} {p.name}") for p in pillars()]
    if finding is not None:
        form.pillar_id.data = finding.pillar_id
    current_owner = obj.owner if obj is not None else None
    people = users.force_users(db.session, force_id)
    choices = [(0, "Select an owner")] + [(u.id, f"{u.name} ({u.email})") for u in people]
    if current_owner is not None and not current_owner.active:
        choices.append((current_owner.id, f"{current_owner.name} (deactivated – choose someone else)"))
    form.owner_id.choices = choices
    return form


def _action_fields(form: ActionForm) -> plans.ActionFields:
    return plans.ActionFields(
        reference=form.reference.data, title=form.title.data, pillar_id=form.pillar_id.data,
        owner_id=form.owner_id.data or None, priority=form.priority.data,
        description=form.description.data or "", success_measure=form.success_measure.data or "",
        start_date=form.start_date.data,
    )


@bp.route("/forces/<code>/actions/new", methods=["GET", "POST"])
def new(code: str):
    user = me()
    force = security.force_or_404(db.session, user, code)
    security.require(security.can_manage_plan(user, force.id))
    finding = None
    if request.args.get("finding"):
        finding_id = whole_number(request.args["finding"])
        if finding_id is None:
            abort(404)
        finding = security.finding_or_404(db.session, user, force, finding_id)
    form = _action_form(force.id, finding=finding)
    if request.method == "GET" and finding is not None:
        taken = {a.reference for a in finding.actions}
        suffix = next(chr(c) for c in range(ord("A"), ord("Z") + 1) if f"{finding.reference}-{chr(c)}" not in taken)
        form.reference.data = f"{finding.reference}-{suffix}"
    if form.validate_on_submit():
        try:
            action = plans.create_action(db.session, force, _action_fields(form), due_date=form.due_date.data,
                                         actor=user, finding=finding)
            commit(f"Action {action.reference} created. Add its milestones below.")
            return redirect(url_for("actions.show", action_id=action.id))
        except ServiceError as error:
            show_error(form, error)
    return render_template("actions/form.html", form=form, force=force, finding=finding, action=None)


@bp.get("/actions/<int:action_id>")
def show(action_id: int):
    user = me()
    action = security.action_or_404(db.session, user, action_id)
    today = clock.today()
    # The page's content is kept until the force's plan changes, for this user and this session
    # only: its forms carry the session's CSRF token, made first so it is part of the key.
    generate_csrf()
    key = ("action-page", page_cache.plan_version(db.session, action.force_id), action.id, user.id,
           session.get("csrf_token"), today)
    main = page_cache.kept.get_or_make(key, lambda: _show_main(user, action, today))
    can_see_plan = security.can_manage_plan(user, action.force_id) or user.role == security.OVERSIGHT
    return render_template("actions/show.html", action=action, main=main, can_see_plan=can_see_plan,
                           reminders=action_reminders(action))


def _show_main(user, action: Action, today) -> Markup:
    updates = list(db.session.scalars(
        select(ProgressUpdate).where(ProgressUpdate.action_id == action.id)
        .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
    ))
    return rendered_fragment(
        "actions/_show_main.html", action=action, updates=updates,
        computed_rag=rag.rag_with_milestones(action, today),
        transitions=status.available(user, action),
        can_manage=security.can_manage_plan(user, action.force_id),
        can_work=security.can_work_on_action(user, action),
        confirm=ConfirmForm(), today=today, evidence=action_evidence(user, action),
    )


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
def edit(action_id: int):
    user = me()
    action = security.action_or_404(db.session, user, action_id)
    security.require(security.can_manage_plan(user, action.force_id))
    form = _action_form(action.force_id, obj=action, finding=action.finding)
    del form.due_date  # moved only through "Change due date", which keeps a reason
    if form.validate_on_submit():
        try:
            changes = plans.update_action(db.session, action, _action_fields(form), actor=user)
            commit("Action saved" if changes else "Nothing was changed")
            return redirect(url_for("actions.show", action_id=action.id))
        except ServiceError as error:
            show_error(form, error)
    return render_template("actions/form.html", form=form, force=action.force, finding=action.finding,
                           action=action)


@bp.route("/actions/<int:action_id>/due-date", methods=["GET", "POST"])
def due_date(action_id: int):
    user = me()
    action = security.action_or_404(db.session, user, action_id)
    security.require(security.can_manage_plan(user, action.force_id))
    form = DueDateForm()
    if form.validate_on_submit():
        try:
            plans.change_due_date(db.session, action, form.due_date.data, form.reason.data, actor=user)
            commit("Due date changed")
            return redirect(url_for("actions.show", action_id=action.id))
        except ServiceError as error:
            show_error(form, error)
    return render_template("actions/due_date.html", form=form, action=action)


@bp.route("/actions/<int:action_id>/rag", methods=["GET", "POST"])
def declare_rag(action_id: int):
    user = me()
    action = security.action_or_404(db.session, user, action_id)
    security.require(security.can_manage_plan(user, action.force_id))
    form = DeclareRagForm()
    if request.method == "GET":
        form.rag.data = action.declared_rag or "none"
        form.reason.data = action.declared_rag_reason
    if form.validate_on_submit():
        try:
            chosen = None if form.rag.data == "none" else form.rag.data
            plans.declare_rag(db.session, action, chosen, form.reason.data, actor=user)
            commit("Declared RAG saved")
            return redirect(url_for("actions.show", action_id=action.id))
        except ServiceError as error:
            show_error(form, error)
    return render_template("actions/rag.html", form=form, action=action,
                           computed_rag=rag.rag_for_action(db.session, action, clock.today()))


@bp.route("/actions/<int:action_id>/updates/new", methods=["GET", "POST"])
def update_new(action_id: int):
    user = me()
    action = security.action_or_404(db.session, user, action_id)
    security.require(security.can_work_on_action(user, action))
    form = ProgressUpdateForm()
    if form.validate_on_submit():
        try:
            status.add_progress_update(db.session, action, form.text.data, actor=user)
            commit("Progress update added")
            return redirect(url_for("actions.show", action_id=action.id))
        except ServiceError as error:
            show_error(form, error)
    return render_template("actions/update_form.html", form=form, action=action)


@bp.route("/actions/<int:action_id>/status/<slug>", methods=["GET", "POST"])
def change_status(action_id: int, slug: str):
    user = me()
    action = security.action_or_404(db.session, user, action_id)
    transition = status.TRANSITIONS.get(slug)
    if transition is None:
        abort(404)
    if transition.who == status.SIGNER and action.owner_id == user.id and \
            security.can_manage_plan(user, action.force_id):
        flash("You own this action, so another programme manager must sign it off.", "error")
        return redirect(url_for("actions.show", action_id=action.id))
    security.require(status.may(user, action, transition))
    form, evidence_counts = sign_off_form(action) if transition.target == "complete" else (TransitionForm(), None)
    form.note.label.text = transition.note_label
    if transition.hint:
        form.note.description = transition.hint
    if form.validate_on_submit():
        try:
            status.apply(db.session, action, slug, form.note.data, actor=user,
                         no_evidence_reason=getattr(form, "no_evidence_reason", None) and form.no_evidence_reason.data)
            commit(f"{action.reference} is now {status.STATUS_LABELS[transition.target].lower()}")
            return redirect(url_for("actions.show", action_id=action.id))
        except ServiceError as error:
            show_error(form, error, links={"evidence": "#sign-off-evidence"})
    return render_template("actions/transition.html", form=form, action=action, transition=transition,
                           evidence_counts=evidence_counts)


@bp.get("/actions/<int:action_id>/history")
def history(action_id: int):
    user = me()
    action = security.action_or_404(db.session, user, action_id)
    return render_template("actions/history.html", action=action,
                           events=plan_queries.action_history(db.session, action))


# --- milestones -------------------------------------------------------------------------

@bp.route("/actions/<int:action_id>/milestones/new", methods=["GET", "POST"])
def milestone_new(action_id: int):
    user = me()
    action = security.action_or_404(db.session, user, action_id)
    security.require(security.can_manage_plan(user, action.force_id))
    form = MilestoneForm()
    if form.validate_on_submit():
        try:
            milestones.add(db.session, action, form.title.data, form.due_date.data, actor=user)
            commit("Milestone added")
            if request.form.get("another"):
                return redirect(url_for("actions.milestone_new", action_id=action.id))
            return redirect(url_for("actions.show", action_id=action.id, _anchor="milestones"))
        except ServiceError as error:
            show_error(form, error)
    return render_template("actions/milestone_form.html", form=form, action=action, milestone=None)


@bp.route("/actions/<int:action_id>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
def milestone_edit(action_id: int, milestone_id: int):
    user = me()
    action = security.action_or_404(db.session, user, action_id)
    milestone = security.milestone_or_404(db.session, user, action, milestone_id)
    security.require(security.can_manage_plan(user, action.force_id))
    form = MilestoneForm(obj=milestone)
    if form.validate_on_submit():
        try:
            milestones.update(db.session, milestone, form.title.data, form.due_date.data, actor=user)
            commit("Milestone saved")
            return redirect(url_for("actions.show", action_id=action.id, _anchor="milestones"))
        except ServiceError as error:
            show_error(form, error)
    return render_template("actions/milestone_form.html", form=form, action=action, milestone=milestone)


@bp.post("/actions/<int:action_id>/milestones/<int:milestone_id>/<any(complete, reopen):change>")
def milestone_complete(action_id: int, milestone_id: int, change: str):
    user = me()
    action = security.action_or_404(db.session, user, action_id)
    milestone = security.milestone_or_404(db.session, user, action, milestone_id)
    security.require(security.can_work_on_action(user, action))
    if ConfirmForm().validate_on_submit():
        milestones.set_complete(db.session, milestone, change == "complete", actor=user)
        commit(f"Milestone {'completed' if change == 'complete' else 'reopened'}: {milestone.title}")
    return redirect(url_for("actions.show", action_id=action.id, _anchor="milestones"))


@bp.post("/actions/<int:action_id>/milestones/<int:milestone_id>/move/<any(up, down):direction>")
def milestone_move(action_id: int, milestone_id: int, direction: str):
    user = me()
    action = security.action_or_404(db.session, user, action_id)
    milestone = security.milestone_or_404(db.session, user, action, milestone_id)
    security.require(security.can_manage_plan(user, action.force_id))
    if ConfirmForm().validate_on_submit():
        milestones.move(db.session, milestone, direction, actor=user)
        commit()
    return redirect(url_for("actions.show", action_id=action.id, _anchor="milestones"))
