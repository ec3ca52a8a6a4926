"""Actions: create and edit, the action page, status changes, updates, milestones, history."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.auth import ConfirmForm
from improvement_tracker.forms.evidence import SignOffForm
from improvement_tracker.forms.plans import (
    ActionForm,
    DeclareRagForm,
    DueDateForm,
    MilestoneForm,
    ProgressUpdateForm,
    TransitionForm,
)
from improvement_tracker.models import Action, Finding, Force, Milestone
from improvement_tracker.services import (
    clock,
    commitments,
    kept,
    milestones,
    plan_queries,
    plans,
    reference_admin,
    reminder_ledger,
    status,
    users,
)
from improvement_tracker.services.inputs import whole_number
from improvement_tracker.views._helpers import commit, edit_page, form_page, me, press, refused
from improvement_tracker.views._scope import action_route, force_route, milestone_route

bp = Blueprint("actions", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


def _to_action(action: Action):
    return redirect(url_for("actions.show", action_id=action.id))


def _action_form(force_id: int, obj: Action | None = None, finding: Finding | None = None) -> ActionForm:
    form = ActionForm(obj=obj)
    form.pillar_id.choices = [(0, "Select a pillar")] + [(p.id, f"{p.code} {p.name}")
                                                         for p in reference_admin.pillars(db.session)]
    if finding is not None:
        form.pillar_id.data = finding.pillar_id
    current_owner = obj.owner if obj is not None else None
    choices = [(0, "Select an owner")] + [(u.id, f"{u.name} ({u.email})")
                                          for u in users.force_users(db.session, force_id)]
    if current_owner is not None and not current_owner.active:
        choices.append((current_owner.id, f"{current_owner.name} (deactivated – choose someone else)"))
    form.owner_id.choices = choices
    return form


def _action_fields(form: ActionForm, locked: Action | None = None) -> plans.ActionFields:
    """The form's answers. ``locked``: a national commitment's linked action, whose national fields
    are not on the form; they are the stored values, unless a request sends them anyway (then the
    service refuses the change, saying why)."""
    def value(name: str, stored):
        if locked is None:
            return form[name].data
        sent = request.form.get(name)
        if sent is None:
            return stored
        return whole_number(sent) if name == "pillar_id" else sent

    return plans.ActionFields(
        reference=value("reference", locked and locked.reference), title=value("title", locked and locked.title),
        pillar_id=value("pillar_id", locked and locked.pillar_id),
        owner_id=form.owner_id.data or None, priority=form.priority.data,
        description=value("description", locked and locked.description) or "",
        success_measure=value("success_measure", locked and locked.success_measure) or "",
        start_date=form.start_date.data,
    )


@bp.route("/forces/<code>/actions/new", methods=["GET", "POST"])
@force_route(security.manages_force)
def new(force: Force):
    user = me()
    finding = None
    if request.args.get("finding"):
        finding_id = whole_number(request.args["finding"])
        if finding_id is None:
            abort(404)
        finding = security.finding_or_404(db.session, user, force, finding_id)
    form = _action_form(force.id, finding=finding)
    if request.method == "GET" and finding is not None:
        form.reference.data = plans.next_action_reference(db.session, finding)

    def save():
        action = plans.create_action(db.session, force, _action_fields(form), due_date=form.due_date.data,
                                     actor=user, finding=finding)
        commit(f"Action {action.reference} created. Add its milestones below.")
        return _to_action(action)

    return form_page(form, "actions/form.html", save, force=force, finding=finding, action=None)


@bp.get("/actions/<int:action_id>")
@action_route()
def show(action: Action):
    """The plan's part of the page is kept until the force's plan changes (services.kept); what the
    viewer may do with it, and the reminders sent (sending one changes no plan), are worked out now."""
    user = me()
    page = kept.action_page(db.session, action.id, action.force_id, clock.today())
    can_manage = security.can_manage_plan(user, action.force_id)
    return render_template(
        "actions/show.html", action=page.action, page=page, rag=page.rag,
        transitions=status.available(user, action, national=bool(page.national and page.national.active)),
        can_manage=can_manage,
        can_work=security.can_work_on_action(user, action),
        can_see_plan=can_manage or user.role == security.OVERSIGHT,
        can_upload=security.may_upload_evidence(user, action),
        reviewable={e.id for e in page.evidence if security.review_refusal(user, e, action) is None},
        withdrawable={e.id for e in page.evidence if security.withdraw_refusal(user, e, action) is None},
        confirm=ConfirmForm(), reminders=reminder_ledger.action_reminders(db.session, action.id))


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@action_route(security.manages_action)
def edit(action: Action):
    form = _action_form(action.force_id, obj=action, finding=action.finding)
    del form.due_date  # moved only through "Change due date", which keeps a reason
    national = commitments.linked(db.session, action)
    shown = [name for name in commitments.LOCKED_FIELDS if name != "due_date"]
    if national is not None:
        # What the national team set is shown as text, not offered as inputs the force cannot change.
        for name in shown:
            delattr(form, name)

    def save():
        changes = plans.update_action(db.session, action, _action_fields(form, action if national else None),
                                      actor=me())
        commit("Action saved" if changes else "Nothing was changed")
        return _to_action(action)

    return edit_page(form, "actions/form.html", save, obj=action, object_type="action", noun="action",
                     force=action.force, finding=action.finding, action=action, national=national,
                     national_reason=f"{commitments.NATIONAL}: {commitments.locked_reason(shown)}")


@bp.route("/actions/<int:action_id>/due-date", methods=["GET", "POST"])
@action_route(security.manages_action)
def due_date(action: Action):
    form = DueDateForm()
    if request.method == "GET" and commitments.linked(db.session, action) is not None:
        # Nothing to fill in: say why on the action page rather than offer a form that is always refused.
        flash(f"{commitments.locked_message('due_date')}.", "error")
        return _to_action(action)

    def save():
        plans.change_due_date(db.session, action, form.due_date.data, form.reason.data, actor=me())
        commit("Due date changed")
        return _to_action(action)

    return form_page(form, "actions/due_date.html", save, action=action)


@bp.route("/actions/<int:action_id>/rag", methods=["GET", "POST"])
@action_route(security.manages_action)
def declare_rag(action: Action):
    form = DeclareRagForm()
    if request.method == "GET":
        form.rag.data = action.declared_rag or "none"
        form.reason.data = action.declared_rag_reason

    def save():
        plans.declare_rag(db.session, action, None if form.rag.data == "none" else form.rag.data, form.reason.data,
                          actor=me())
        commit("Declared RAG saved")
        return _to_action(action)

    return form_page(form, "actions/rag.html", save, action=action,
                     rag=plan_queries.rags_for(db.session, [action], clock.today())[action.id])


@bp.route("/actions/<int:action_id>/updates/new", methods=["GET", "POST"])
@action_route(security.can_work_on_action)
def update_new(action: Action):
    form = ProgressUpdateForm()

    def save():
        status.add_progress_update(db.session, action, form.text.data, actor=me())
        commit("Progress update added")
        return _to_action(action)

    return form_page(form, "actions/update_form.html", save, action=action)


def _transition_form(action: Action, transition: status.Transition):
    """Signing off asks why no evidence is needed only when none has been accepted. It also gives the
    action's evidence awaiting review (while there is any, the page offers no form, only the way to
    the review) and which of it this user may review."""
    counts, awaiting, reviewable = None, [], set()
    form = TransitionForm()
    if transition.target == "complete":
        form = SignOffForm()
        page = kept.action_page(db.session, action.id, action.force_id, clock.today())
        counts = page.evidence_counts
        awaiting = [item for item in page.evidence if item.review_state == "submitted"]
        reviewable = {item.id for item in awaiting if security.review_refusal(me(), item, action) is None}
        if counts.accepted:
            del form.no_evidence_reason
    form.note.label.text = transition.note_label
    if transition.hint:
        form.note.description = transition.hint
    return form, counts, awaiting, reviewable


@bp.route("/actions/<int:action_id>/status/<slug>", methods=["GET", "POST"])
@action_route()
def change_status(action: Action, slug: str):
    user = me()
    transition = status.TRANSITIONS.get(slug)
    if transition is None:
        abort(404)
    back = refused(status.refusal(user, action, transition), url_for("actions.show", action_id=action.id))
    if back is not None:
        return back
    if transition.target == "closed_not_needed" and (why := commitments.close_refusal(db.session, action)):
        flash(f"{why}.", "error")
        return _to_action(action)
    form, evidence_counts, awaiting_review, reviewable = _transition_form(action, transition)

    def save():
        status.apply(db.session, action, slug, form.note.data, actor=user,
                     no_evidence_reason=getattr(form, "no_evidence_reason", None) and form.no_evidence_reason.data)
        commit(f"{action.reference} is now {status.STATUS_LABELS[transition.target].lower()}")
        return _to_action(action)

    return form_page(form, "actions/transition.html", save, links={"evidence": "#sign-off-evidence"}, action=action,
                     transition=transition, evidence_counts=evidence_counts, awaiting_review=awaiting_review,
                     reviewable=reviewable)


@bp.get("/actions/<int:action_id>/history")
@action_route()
def history(action: Action):
    return render_template("actions/history.html", action=action,
                           events=plan_queries.action_history(db.session, action))


# --- milestones -------------------------------------------------------------------------

def _to_milestones(action: Action, *, told: bool = True):
    """Back to the action. After a change the success message says, the page opens at its top, where
    the message has focus (GOV.UK's banner takes it; a jump to the section would leave it off screen
    and focus on the page); a silent change (moving a milestone) goes back to the milestones."""
    return redirect(url_for("actions.show", action_id=action.id, _anchor=None if told else "milestones"))


@bp.route("/actions/<int:action_id>/milestones/new", methods=["GET", "POST"])
@action_route(security.manages_action)
def milestone_new(action: Action):
    form = MilestoneForm()

    def save():
        milestones.add(db.session, action, form.title.data, form.due_date.data, actor=me())
        commit("Milestone added")
        if request.form.get("another"):
            return redirect(url_for("actions.milestone_new", action_id=action.id))
        return _to_milestones(action)

    return form_page(form, "actions/milestone_form.html", save, action=action, milestone=None)


@bp.route("/actions/<int:action_id>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@milestone_route(security.manages_action)
def milestone_edit(action: Action, milestone: Milestone):
    form = MilestoneForm(obj=milestone)

    def save():
        milestones.update(db.session, milestone, form.title.data, form.due_date.data, actor=me())
        commit("Milestone saved")
        return _to_milestones(action)

    return edit_page(form, "actions/milestone_form.html", save, obj=milestone, object_type="milestone",
                     noun="milestone", action=action, milestone=milestone)


@bp.post("/actions/<int:action_id>/milestones/<int:milestone_id>/<any(complete, reopen):change>")
@milestone_route(security.can_work_on_action)
def milestone_complete(action: Action, milestone: Milestone, change: str):
    def tick():
        milestones.set_complete(db.session, milestone, change == "complete", actor=me())
        commit(f"Milestone {'completed' if change == 'complete' else 'reopened'}: {milestone.title}")

    press(ConfirmForm(), tick)
    return _to_milestones(action)


@bp.post("/actions/<int:action_id>/milestones/<int:milestone_id>/move/<any(up, down):direction>")
@milestone_route(security.manages_action)
def milestone_move(action: Action, milestone: Milestone, direction: str):
    def move():
        milestones.move(db.session, milestone, direction, actor=me())
        commit()

    press(ConfirmForm(), move)
    return _to_milestones(action, told=False)
