"""Force plans: the forces list, a force's plan, deep dives and findings, and "My actions"."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.plans import DeepDiveForm, FindingForm, PlanFilterForm
from improvement_tracker.models import DeepDive, Finding, Force
from improvement_tracker.services import clock, forces_list, kept, plan_exports, plan_queries, plans, reference_admin
from improvement_tracker.services.inputs import whole_number
from improvement_tracker.services.reference_data import COUNTRY_LABELS
from improvement_tracker.views._helpers import commit, download, edit_page, form_page, me
from improvement_tracker.views._scope import deep_dive_route, finding_route, force_route

bp = Blueprint("plans", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


def _has_own_actions() -> bool:
    return me().role in (security.ACTION_OWNER, security.PROGRAMME_MANAGER)


def _sees_every_force() -> bool:
    return me().role in (security.OVERSIGHT, security.ADMIN)


@bp.get("/my-actions")
def my_actions():
    if not _has_own_actions():
        return redirect(url_for("auth.index"))
    mine, sorting = plan_queries.sorted_my_actions(kept.my_actions(db.session, me(), clock.today()), request.args)
    return render_template("plans/my_actions.html", mine=mine, sorting=sorting)


@bp.get("/my-actions.<any(csv, xlsx):fmt>")
def my_actions_export(fmt: str):
    if not _has_own_actions():
        abort(404)
    return download(plan_exports.my_actions(db.session, me(), clock.today()), fmt, "my-actions")


@bp.get("/forces")
def forces():
    if not _sees_every_force():
        # Force roles have one force: the list would only ever show theirs.
        return redirect(url_for("auth.index"))
    listed = forces_list.forces_list(db.session, me(), clock.today(), request.args)
    return render_template("plans/forces.html", listed=listed, summaries=listed.rows,
                           rag_filters=forces_list.RAG_FILTERS, countries=COUNTRY_LABELS)


@bp.get("/forces.<any(csv, xlsx):fmt>")
def forces_export(fmt: str):
    if not _sees_every_force():
        abort(404)
    return download(plan_exports.forces(db.session, me(), clock.today()), fmt, "forces")


def _filter_args() -> dict[str, str]:
    """The filters given in the query string, as they go into links and keys. Only these: any other
    name (code, fmt, _external...) would reach url_for as one of its own arguments."""
    return {k: v for k, v in request.args.items() if k in plan_queries.FILTER_NAMES and v}


@bp.get("/forces/<code>")
@force_route()
def force_plan(force: Force):
    page_args = _filter_args()

    def write_tables(plan: plan_queries.ForcePlan) -> Markup:
        html = render_template("plans/_plan_actions.html", force=force, plan=plan, filters=plan.filters,
                               page_args=page_args)
        return Markup(html)  # noqa: S704  # nosec B704  # rendered by Jinja, which escaped every value

    plan = kept.force_plan(db.session, force, page_args, page=whole_number(request.args.get("page", "1")) or 1,
                           page_size=current_app.config["PAGE_SIZE"], today=clock.today(), write_tables=write_tables)
    form = PlanFilterForm(request.args)
    form.pillar.choices, form.owner.choices = plan.pillar_choices, plan.owner_choices
    return render_template("plans/force_plan.html", force=force, form=form, plan=plan, filters=plan.filters,
                           can_manage=security.manages_force(me(), force), page_args=page_args)


@bp.get("/forces/<code>/plan.<any(csv, xlsx):fmt>")
@force_route()
def force_plan_export(force: Force, fmt: str):
    """The force plan's actions, with the same filters as the page, every page at once."""
    return download(kept.force_plan_export(db.session, force, _filter_args(), clock.today()), fmt,
                    f"{force.code}-plan")


# --- deep dives -------------------------------------------------------------------------

def _deep_dive_fields(form: DeepDiveForm) -> plans.DeepDiveFields:
    return plans.DeepDiveFields(title=form.title.data, period=form.period.data, lead=form.lead.data,
                                summary=form.summary.data or "")


def _save_deep_dive(force: Force, deep_dive: DeepDive | None):
    form = DeepDiveForm(obj=deep_dive)

    def save():
        saved = plans.save_deep_dive(db.session, force, _deep_dive_fields(form), actor=me(), deep_dive=deep_dive)
        commit("Deep dive saved" if deep_dive else "Deep dive recorded. Now add its findings.")
        return redirect(url_for("plans.deep_dive", code=force.code, deep_dive_id=saved.id))

    if deep_dive is None:
        return form_page(form, "plans/deep_dive_form.html", save, force=force, deep_dive=None)
    return edit_page(form, "plans/deep_dive_form.html", save, obj=deep_dive, object_type="deep_dive",
                     noun="deep dive", force=force, deep_dive=deep_dive)


@bp.route("/forces/<code>/deep-dives/new", methods=["GET", "POST"])
@force_route(security.manages_force)
def deep_dive_new(force: Force):
    return _save_deep_dive(force, None)


@bp.get("/forces/<code>/deep-dives/<int:deep_dive_id>")
@deep_dive_route()
def deep_dive(force: Force, deep_dive: DeepDive):
    return render_template("plans/deep_dive.html", force=force, deep_dive=deep_dive,
                           can_manage=security.manages_force(me(), force))


@bp.route("/forces/<code>/deep-dives/<int:deep_dive_id>/edit", methods=["GET", "POST"])
@deep_dive_route(security.manages_force)
def deep_dive_edit(force: Force, deep_dive: DeepDive):
    return _save_deep_dive(force, deep_dive)


# --- findings ---------------------------------------------------------------------------

def _save_finding(force: Force, deep_dive: DeepDive, finding: Finding | None):
    form = FindingForm(obj=finding)
    form.pillar_id.choices = [(0, "Select a pillar")] + [(p.id, f"{p.code} {p.name}")
                                                         for p in reference_admin.pillars(db.session)]

    def save():
        fields = plans.FindingFields(pillar_id=form.pillar_id.data, reference=form.reference.data,
                                     type=form.type.data, title=form.title.data, detail=form.detail.data or "",
                                     priority=form.priority.data)
        saved = plans.save_finding(db.session, deep_dive, fields, actor=me(), finding=finding)
        commit(f"Finding {saved.reference} {'saved' if finding else 'recorded'}")
        return redirect(url_for("plans.finding", code=force.code, finding_id=saved.id))

    if finding is None:
        return form_page(form, "plans/finding_form.html", save, force=force, deep_dive=deep_dive, finding=None)
    return edit_page(form, "plans/finding_form.html", save, obj=finding, object_type="finding", noun="finding",
                     force=force, deep_dive=deep_dive, finding=finding)


@bp.route("/forces/<code>/deep-dives/<int:deep_dive_id>/findings/new", methods=["GET", "POST"])
@deep_dive_route(security.manages_force)
def finding_new(force: Force, deep_dive: DeepDive):
    return _save_finding(force, deep_dive, None)


@bp.get("/forces/<code>/findings/<int:finding_id>")
@finding_route()
def finding(force: Force, finding: Finding):
    return render_template("plans/finding.html", force=force, finding=finding,
                           can_manage=security.manages_force(me(), force))


@bp.route("/forces/<code>/findings/<int:finding_id>/edit", methods=["GET", "POST"])
@finding_route(security.manages_force)
def finding_edit(force: Force, finding: Finding):
    return _save_finding(force, finding.deep_dive, finding)
