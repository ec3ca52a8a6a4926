"""Dashboards: national (oversight, admin), one force, one pillar across forces; their
exports and board packs. Figures come from services.dashboards through services.kept."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import login_required

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.auth import ConfirmForm
from improvement_tracker.models import Force
from improvement_tracker.services import clock, dashboards, kept, outcome_pages, reference_admin
from improvement_tracker.services.audit import record
from improvement_tracker.services.reference_data import COHORT_LABELS, COUNTRY_LABELS
from improvement_tracker.services.tables import Table
from improvement_tracker.views._helpers import PRESENTATION, commit, download, me, press
from improvement_tracker.views._scope import force_route

bp = Blueprint("dashboards", __name__)
FORMAT = "<any(csv, xlsx):fmt>"


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


def _national_only() -> None:
    """The national picture is for oversight and admins; for anyone else it does not exist."""
    if me().role not in (security.OVERSIGHT, security.ADMIN):
        abort(404)



def _download(table: Table | None, fmt: str, scope: str) -> Response:
    if table is None:
        abort(404)
    return download(table, fmt, f"{scope}-{table.name}")


def _national(filters: dashboards.Filters) -> dashboards.Dashboard:
    return kept.national_dashboard(db.session, clock.today(), filters, PRESENTATION)


def _national_context() -> dict:
    filters = dashboards.Filters.parse(request.args)
    dashboard = _national(filters)
    return {"dashboard": dashboard, "filters": filters, "today": clock.today(), "figures": dashboard.figures,
            "cohorts": COHORT_LABELS, "countries": COUNTRY_LABELS, "pillars": reference_admin.pillars(db.session),
            "export_endpoint": "dashboards.national_export", "export_args": filters.args}


@bp.get("/dashboards/national")
def national():
    _national_only()
    return render_template("dashboards/national.html", **_national_context())


def _outcomes_for_board(force: Force | None) -> dict:
    """The board pack's outcomes page, for those who may see the figures (never an action owner)."""
    user = me()
    if force is None:
        page = kept.national_outcomes(db.session, clock.today(), {}, PRESENTATION).page
    elif security.may_see_outcomes(user, force):
        page = kept.force_outcomes(db.session, clock.today(), force, PRESENTATION).page
    else:
        return {"outcome_page": None}
    return {"outcome_page": page, "association": outcome_pages.ASSOCIATION}


@bp.get("/dashboards/national/board-pack")
def national_board_pack():
    _national_only()
    context = _national_context()
    return render_template("dashboards/board_pack.html", scope="national", **context,
                           months=dashboards.trend_by_month(context["dashboard"].tables["trend"]),
                           **_outcomes_for_board(None))


@bp.get(f"/dashboards/national/export/<table>.{FORMAT}")
def national_export(table: str, fmt: str):
    _national_only()
    return _download(_national(dashboards.Filters.parse(request.args)).table(table), fmt, "national")


@bp.post("/dashboards/national/refresh")
def refresh():
    _national_only()
    user = me()
    security.require(security.can_administer(user))

    def refresh_now():
        dashboards.refresh_national_cache(db.session, clock.today(), actor=user)
        record(db.session, user, "dashboards.cache_refreshed", "setting", None,
               summary="Refreshed the national dashboard")
        commit("National dashboard figures refreshed")

    press(ConfirmForm(), refresh_now)
    return redirect(url_for("dashboards.national"))


def _pillar_view(pillar_code: str):
    pillar = reference_admin.pillar_by_code(db.session, pillar_code)
    if pillar is None:
        abort(404)
    filters = dashboards.Filters.parse(request.args)
    return pillar, filters, kept.pillar_view(db.session, clock.today(), pillar, filters, PRESENTATION)


@bp.get("/dashboards/pillars/<pillar_code>")
def pillar(pillar_code: str):
    _national_only()
    chosen, filters, dashboard = _pillar_view(pillar_code)
    return render_template(
        "dashboards/pillar.html", dashboard=dashboard, pillar=chosen, filters=filters, figures=dashboard.figures,
        cohorts=COHORT_LABELS, countries=COUNTRY_LABELS, export_endpoint="dashboards.pillar_export",
        export_args={"pillar_code": chosen.code, **filters.args})


@bp.get(f"/dashboards/pillars/<pillar_code>/export/<table>.{FORMAT}")
def pillar_export(pillar_code: str, table: str, fmt: str):
    _national_only()
    chosen, _filters, dashboard = _pillar_view(pillar_code)
    return _download(dashboard.table(table), fmt, f"pillar-{chosen.code}")


def _force_context(force: Force) -> dict:
    dashboard, reviewed = kept.force_page(db.session, clock.today(), force, PRESENTATION)
    return {"force": force, "dashboard": dashboard, "today": clock.today(), "figures": dashboard.figures,
            "reviewed": reviewed, "export_endpoint": "dashboards.force_export", "export_args": {"code": force.code}}


@bp.get("/forces/<code>/dashboard")
@force_route()
def force(force: Force):
    return render_template("dashboards/force.html", **_force_context(force))


@bp.get("/forces/<code>/dashboard/board-pack")
@force_route()
def force_board_pack(force: Force):
    context = _force_context(force)
    return render_template("dashboards/board_pack.html", scope="force", **context,
                           months=dashboards.burn_up_by_month(context["dashboard"].tables["milestone-burn-up"]),
                           **_outcomes_for_board(force))


@bp.get(f"/forces/<code>/dashboard/export/<table>.{FORMAT}")
@force_route()
def force_export(force: Force, table: str, fmt: str):
    dashboard = kept.force_dashboard(db.session, clock.today(), force, PRESENTATION)
    return _download(dashboard.table(table), fmt, force.code)
