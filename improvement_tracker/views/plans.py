"""Force plans: the forces list, a force's plan, deep dives and findings, and "My actions"."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy import select

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.fields import whole_number
from improvement_tracker.forms.plans import DeepDiveForm, FindingForm, PlanFilterForm
from improvement_tracker.models import Pillar
from improvement_tracker.services import clock, page_cache, plan_exports, plan_queries, plans, users
from improvement_tracker.services import evidence as evidence_service
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.views._helpers import commit, download, me, rendered_fragment, show_error

bp = Blueprint("plans", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


def pillars() -> list[Pillar]:
    return list(db.session.scalars(select(Pillar).order_by(Pillar.display_order)))


@bp.get("/my-actions")
def my_actions():
    user = me()
    if user.role not in (security.ACTION_OWNER, security.PROGRAMME_MANAGER):
        return redirect(url_for("auth.index"))
    today = clock.today()
    # Kept until the owner's force plan changes (every change to their actions is audited there).
    key = ("my-actions", page_cache.plan_version(db.session, user.force_id), user.id, user.force_id, today)
    main = page_cache.kept.get_or_make(key, lambda: _my_actions_main(user, today))
    return render_template("plans/my_actions.html", main=main)


def _my_actions_main(user, today) -> Markup:
    mine = plan_queries.my_actions(db.session, user, today)
    evidence = evidence_service.counts_for_actions(db.session, [a.id for a in mine.overdue + mine.due_soon + mine.rest])
    return rendered_fragment("plans/_my_actions_main.html", mine=mine, evidence=evidence)


@bp.get("/forces")
def forces():
    user = me()
    if user.role not in (security.OVERSIGHT, security.ADMIN):
        # Force roles have one force: the list would only ever show theirs.
        return redirect(url_for("auth.index"))
    summaries = plan_queries.forces_overview(db.session, user, clock.today())
    return render_template("plans/forces.html", summaries=summaries)


FILTER_NAMES = ("pillar", "status", "owner", "overdue")


def _filter_args() -> dict[str, str]:
    """The filters given in the query string, as they go into links and keys. Only these: any other
    name (code, fmt, _external...) would reach url_for as one of its own arguments."""
    return {k: v for k, v in request.args.items() if k in FILTER_NAMES and v}


def _plan_filters(force) -> tuple[PlanFilterForm, plan_queries.PlanFilters]:
    """The force plan's filters from the query string; anything unknown is ignored."""
    all_pillars = pillars()
    owners = users.force_users(db.session, force.id, active_only=False)
    form = PlanFilterForm(request.args)
    form.pillar.choices = [("", "Any pillar")] + [(p.code, f"{p.code} {p.name}") for p in all_pillars]
    form.owner.choices = [("", "Anyone")] + [(str(u.id), u.name) for u in owners]
    owner_id = request.args.get("owner", "")
    filters = plan_queries.PlanFilters(
        pillar=form.pillar.data if form.pillar.data in {p.code for p in all_pillars} else None,
        status=form.status.data or None,
        owner_id=whole_number(owner_id),
        overdue=bool(form.overdue.data),
    )
    return form, filters


@dataclass
class PlanBody:
    """Everything the force plan page shows from the plan, as plain values that outlive the request."""

    html: Markup
    counts: dict[str, int]
    deep_dives: list[dict]
    evidence_awaiting_review: int
    pillar_choices: list[tuple[str, str]]
    owner_choices: list[tuple[str, str]]
    filters: plan_queries.PlanFilters


def _plan_body(force, page_args: dict[str, str], page: int, can_manage: bool, today) -> PlanBody:
    form, filters = _plan_filters(force)
    plan = plan_queries.force_plan(db.session, force, filters, page=page,
                                   page_size=current_app.config["PAGE_SIZE"], today=today)
    evidence = evidence_service.counts_for_actions(
        db.session, [a.id for group in plan.groups for fg in group.findings for a in fg.actions])
    html = rendered_fragment("plans/_plan_actions.html", force=force, plan=plan, filters=filters,
                             evidence=evidence, page_args=page_args, can_manage=can_manage)
    return PlanBody(
        html=html, counts=plan_queries.force_counts(db.session, force, today),
        deep_dives=[{"id": d.id, "title": d.title, "period": d.period}
                    for d in plan_queries.deep_dives(db.session, force)],
        evidence_awaiting_review=evidence_service.awaiting_review_count(db.session, force),
        pillar_choices=list(form.pillar.choices), owner_choices=list(form.owner.choices), filters=filters)


@bp.get("/forces/<code>")
def force_plan(code: str):
    user = me()
    force = security.force_or_404(db.session, user, code)
    today = clock.today()
    can_manage = security.can_manage_plan(user, force.id)
    page_args = _filter_args()
    page = whole_number(request.args.get("page", "1")) or 1
    # The tables, counts and choices are kept until the plan changes (services.page_cache).
    key = ("force-plan", page_cache.plan_version(db.session, force.id), force.id, today,
           tuple(sorted(page_args.items())), page, can_manage, current_app.config["PAGE_SIZE"])
    body = page_cache.kept.get_or_make(key, lambda: _plan_body(force, page_args, page, can_manage, today))
    form = PlanFilterForm(request.args)
    form.pillar.choices, form.owner.choices = body.pillar_choices, body.owner_choices
    return render_template("plans/force_plan.html", force=force, form=form, filters=body.filters, body=body,
                           can_manage=can_manage, page_args=page_args)


@bp.get("/forces/<code>/plan.<any(csv, xlsx):fmt>")
def force_plan_export(code: str, fmt: str):
    """The force plan's actions, with the same filters as the page, every page at once."""
    force = security.force_or_404(db.session, me(), code)
    today = clock.today()
    page_args = _filter_args()
    # The same table for everyone who may see the plan: kept until the plan changes.
    key = ("force-plan-export", page_cache.plan_version(db.session, force.id), force.id, today,
           tuple(sorted(page_args.items())))
    table = page_cache.kept.get_or_make(
        key, lambda: plan_exports.force_plan(db.session, force, _plan_filters(force)[1], today))
    return download(table, fmt, f"{force.code}-plan")


@bp.get("/my-actions.<any(csv, xlsx):fmt>")
def my_actions_export(fmt: str):
    user = me()
    if user.role not in (security.ACTION_OWNER, security.PROGRAMME_MANAGER):
        abort(404)
    return download(plan_exports.my_actions(db.session, user, clock.today()), fmt, "my-actions")


@bp.get("/forces.<any(csv, xlsx):fmt>")
def forces_export(fmt: str):
    user = me()
    if user.role not in (security.OVERSIGHT, security.ADMIN):
        abort(404)
    return download(plan_exports.forces(db.session, user, clock.today()), fmt, "forces")


# --- deep dives -------------------------------------------------------------------------

@bp.route("/forces/<code>/deep-dives/new", methods=["GET", "POST"])
def deep_dive_new(code: str):
    user = me()
    force = security.force_or_404(db.session, user, code)
    security.require(security.can_manage_plan(user, force.id))
    form = DeepDiveForm()
    if form.validate_on_submit():
        try:
            deep_dive = plans.save_deep_dive(db.session, force, _deep_dive_fields(form), actor=user)
            commit("Deep dive recorded. Now add its findings.")
            return redirect(url_for("plans.deep_dive", code=code, deep_dive_id=deep_dive.id))
        except ServiceError as error:
            show_error(form, error)
    return render_template("plans/deep_dive_form.html", form=form, force=force, deep_dive=None)


def _deep_dive_fields(form: DeepDiveForm) -> plans.DeepDiveFields:
    return plans.DeepDiveFields(title=form.title.data, period=form.period.data, lead=form.lead.data,
                                summary=form.summary.data or "")


@bp.get("/forces/<code>/deep-dives/<int:deep_dive_id>")
def deep_dive(code: str, deep_dive_id: int):
    user = me()
    force = security.force_or_404(db.session, user, code)
    deep_dive = security.deep_dive_or_404(db.session, user, force, deep_dive_id)
    return render_template("plans/deep_dive.html", force=force, deep_dive=deep_dive,
                           can_manage=security.can_manage_plan(user, force.id))


@bp.route("/forces/<code>/deep-dives/<int:deep_dive_id>/edit", methods=["GET", "POST"])
def deep_dive_edit(code: str, deep_dive_id: int):
    user = me()
    force = security.force_or_404(db.session, user, code)
    deep_dive = security.deep_dive_or_404(db.session, user, force, deep_dive_id)
    security.require(security.can_manage_plan(user, force.id))
    form = DeepDiveForm(obj=deep_dive)
    if form.validate_on_submit():
        try:
            plans.save_deep_dive(db.session, force, _deep_dive_fields(form), actor=user, deep_dive=deep_dive)
            commit("Deep dive saved")
            return redirect(url_for("plans.deep_dive", code=code, deep_dive_id=deep_dive.id))
        except ServiceError as error:
            show_error(form, error)
    return render_template("plans/deep_dive_form.html", form=form, force=force, deep_dive=deep_dive)


# --- findings ---------------------------------------------------------------------------

def _finding_form(obj=None) -> FindingForm:
    form = FindingForm(obj=obj)
    form.pillar_id.choices = [(0, "Select a pillar")] + [(p.id, f"{p.code} {p.name}") for p in pillars()]
    return form


def _finding_fields(form: FindingForm) -> plans.FindingFields:
    return plans.FindingFields(pillar_id=form.pillar_id.data, reference=form.reference.data,
                               type=form.type.data, title=form.title.data, detail=form.detail.data or "",
                               priority=form.priority.data)


@bp.route("/forces/<code>/deep-dives/<int:deep_dive_id>/findings/new", methods=["GET", "POST"])
def finding_new(code: str, deep_dive_id: int):
    user = me()
    force = security.force_or_404(db.session, user, code)
    deep_dive = security.deep_dive_or_404(db.session, user, force, deep_dive_id)
    security.require(security.can_manage_plan(user, force.id))
    form = _finding_form()
    if form.validate_on_submit():
        try:
            finding = plans.save_finding(db.session, deep_dive, _finding_fields(form), actor=user)
            commit(f"Finding {finding.reference} recorded")
            return redirect(url_for("plans.finding", code=code, finding_id=finding.id))
        except ServiceError as error:
            show_error(form, error)
    return render_template("plans/finding_form.html", form=form, force=force, deep_dive=deep_dive,
                           finding=None)


@bp.get("/forces/<code>/findings/<int:finding_id>")
def finding(code: str, finding_id: int):
    user = me()
    force = security.force_or_404(db.session, user, code)
    finding = security.finding_or_404(db.session, user, force, finding_id)
    return render_template("plans/finding.html", force=force, finding=finding,
                           can_manage=security.can_manage_plan(user, force.id))


@bp.route("/forces/<code>/findings/<int:finding_id>/edit", methods=["GET", "POST"])
def finding_edit(code: str, finding_id: int):
    user = me()
    force = security.force_or_404(db.session, user, code)
    finding = security.finding_or_404(db.session, user, force, finding_id)
    security.require(security.can_manage_plan(user, force.id))
    form = _finding_form(obj=finding)
    if form.validate_on_submit():
        try:
            plans.save_finding(db.session, finding.deep_dive, _finding_fields(form), actor=user, finding=finding)
            commit(f"Finding {finding.reference} saved")
            return redirect(url_for("plans.finding", code=code, finding_id=finding.id))
        except ServiceError as error:
            show_error(form, error)
    return render_template("plans/finding_form.html", form=form, force=force, deep_dive=finding.deep_dive,
                           finding=finding)
