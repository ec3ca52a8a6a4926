"""Outcome figures: the national outcomes page, a force's outcomes page, entering a quarter's figures
and the 2019 baseline, the figures' history, and every table's download."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import login_required

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.outcomes import figures_form
from improvement_tracker.models import Force, ReportingPeriod
from improvement_tracker.services import clock, kept, outcome_pages, outcomes, reporting_periods
from improvement_tracker.services.dashboards.common import Dashboard
from improvement_tracker.views._helpers import PRESENTATION, commit, download, edit_page, me
from improvement_tracker.views._scope import force_route, period_route

bp = Blueprint("outcomes", __name__)
FORMAT = "<any(csv, xlsx):fmt>"


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


def _national_only() -> None:
    """Every force's figures side by side are for the national team and administrators."""
    if not security.may_see_national_outcomes(me()):
        abort(404)


def _download(page: Dashboard, table: str, fmt: str, name: str) -> Response:
    found = page.table(table)
    if found is None:
        abort(404)
    return download(found, fmt, f"{name}-{found.name}")


# --- the nation ------------------------------------------------------------------------------


def _national() -> outcome_pages.NationalOutcomes:
    return kept.national_outcomes(db.session, clock.today(), request.args, PRESENTATION)


@bp.get("/outcomes")
def national():
    _national_only()
    shown = _national()
    return render_template(
        "outcomes/national.html", page=shown.page, dashboard=shown.page, figures=shown.page.figures, choice=shown,
        measures=shown.measures, quarters=shown.quarters,
        association=outcome_pages.ASSOCIATION, basis=outcome_pages.ranking_basis(shown.measure),
        direction=outcome_pages.DIRECTION_WORDS[shown.measure.better],
        may_import=security.may_import_outcomes(me()),
        export_endpoint="outcomes.national_export", export_args=shown.args)


@bp.get(f"/outcomes/export/<table>.{FORMAT}")
def national_export(table: str, fmt: str):
    _national_only()
    return _download(_national().page, table, fmt, "outcomes")


# --- a force ---------------------------------------------------------------------------------

def _every_quarter() -> bool:
    return request.args.get("quarters") == "all"


def _force_page(force: Force) -> outcome_pages.ForceOutcomes:
    return kept.force_outcomes(db.session, clock.today(), force, PRESENTATION, _every_quarter())


@bp.get("/forces/<code>/outcomes")
@force_route(security.may_see_outcomes)
def force(force: Force):
    today, may_enter = clock.today(), security.may_enter_outcomes(me(), force)
    shown = _force_page(force)
    enterable = [p for p in reporting_periods.opened(db.session, today)
                 if outcomes.quarter_problem(p, today) is None] if may_enter else []
    return render_template(
        "outcomes/force.html", force=force, page=shown.page, dashboard=shown.page, figures=shown.page.figures,
        measures=shown.measures, enterable=enterable[:4], may_enter=may_enter,
        may_see_national=security.may_see_national_outcomes(me()),
        every_quarter=_every_quarter(), recent=outcome_pages.RECENT_QUARTERS,
        export_endpoint="outcomes.force_export",
        export_args={"code": force.code, **({"quarters": "all"} if _every_quarter() else {})})


@bp.get(f"/forces/<code>/outcomes/export/<table>.{FORMAT}")
@force_route(security.may_see_outcomes)
def force_export(force: Force, table: str, fmt: str):
    return _download(_force_page(force).page, table, fmt, f"{force.code}-outcomes")


@bp.get("/forces/<code>/outcomes/history")
@force_route(security.may_see_outcomes)
def history(force: Force):
    return render_template("outcomes/history.html", force=force, entries=outcomes.history(db.session, force))


def _current(measures: list, stored: dict) -> dict:
    """Every box's stored figure (None where there is none), for the edit-conflict check."""
    return {m.code: stored.get(m.code) for m in measures if not outcomes.is_derived(m)}


def _back(force: Force) -> str:
    return url_for("outcomes.force", code=force.code)


@bp.route("/forces/<code>/outcomes/quarters/<period>", methods=["GET", "POST"])
@period_route(security.may_enter_outcomes)
def enter(force: Force, period: ReportingPeriod):
    today = clock.today()
    if (problem := outcomes.quarter_problem(period, today)) is not None:
        return render_template("outcomes/not_yet.html", force=force, period=period, problem=problem,
                               back=_back(force)), 404
    measures = outcomes.catalogue(db.session)
    stored = outcomes.quarter_figures(db.session, force, period)
    form = figures_form(measures, stored)
    published = outcomes.is_published(period, today)

    def save():
        outcomes.save_quarter(db.session, force, period, form.typed(measures), me(), today,
                              reason=form.reason.data if published else None)
        commit(f"{reporting_periods.label(period)} outcome figures saved")
        return redirect(_back(force) + "#latest")

    return edit_page(form, "outcomes/enter.html", save, obj=period, object_type="outcome_figures",
                     noun="quarter's figures", current=_current(measures, stored), force_id=force.id,
                     force=force, period=period, measures=measures, published=published,
                     heading=reporting_periods.label(period), back=_back(force))


@bp.route("/forces/<code>/outcomes/baseline", methods=["GET", "POST"])
@force_route(security.may_enter_outcomes)
def baseline(force: Force):
    measures = outcomes.catalogue(db.session)
    stored = outcomes.baseline(db.session, force)
    form = figures_form(measures, stored)
    del form.reason  # the baseline is the force's own 2019 average, set once: no published quarter to revise

    def save():
        outcomes.save_baseline(db.session, force, form.typed(measures), me())
        commit("2019 baseline saved")
        return redirect(_back(force))

    return edit_page(form, "outcomes/enter.html", save, obj=force, object_type="outcome_baseline",
                     noun="baseline", current=_current(measures, stored), force=force, period=None, measures=measures,
                     published=False, heading="2019 baseline", back=_back(force))
