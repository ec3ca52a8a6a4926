"""Dashboards: national (oversight, admin), one force, one pillar across forces; their
exports and board packs. Figures come from services.dashboards, charts from services.charts."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.models import Pillar
from improvement_tracker.services import charts, clock
from improvement_tracker.services import dashboards as service
from improvement_tracker.services.audit import record
from improvement_tracker.services.status import STATUS_LABELS
from improvement_tracker.views._helpers import commit, download, me

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


def _url(link: service.Link) -> str:
    return url_for(link[0], **link[1])


def _download(table: service.Table | None, fmt: str, scope: str) -> Response:
    if table is None:
        abort(404)
    return download(table, fmt, f"{scope}-{table.name}")


def _national_context():
    filters = service.Filters.parse(request.args)
    dashboard = service.national(db.session, clock.today(), filters)
    if "figures" not in dashboard.derived:
        dashboard.derived["figures"] = charts.national_figures(dashboard.tables, _url)
    return {"dashboard": dashboard, "filters": filters, "today": clock.today(),
            "figures": dashboard.derived["figures"],
            "cohorts": service.COHORT_LABELS, "countries": service.COUNTRY_LABELS,
            "pillars": db.session.scalars(select(Pillar).order_by(Pillar.display_order)).all(),
            "export_endpoint": "dashboards.national_export", "export_args": filters.args}


@bp.get("/dashboards/national")
def national():
    _national_only()
    return render_template("dashboards/national.html", **_national_context())


@bp.get("/dashboards/national/board-pack")
def national_board_pack():
    _national_only()
    return render_template("dashboards/board_pack.html", scope="national", **_national_context())


@bp.get(f"/dashboards/national/export/<table>.{FORMAT}")
def national_export(table: str, fmt: str):
    _national_only()
    filters = service.Filters.parse(request.args)
    return _download(service.national(db.session, clock.today(), filters).table(table), fmt, "national")


@bp.post("/dashboards/national/refresh")
def refresh():
    _national_only()
    user = me()
    security.require(security.can_administer(user))
    service.refresh_national_cache(db.session, clock.today(), actor=user)
    record(db.session, user, "dashboards.cache_refreshed", "setting", None, summary="Refreshed the national dashboard")
    commit("National dashboard figures refreshed")
    return redirect(url_for("dashboards.national"))


def _pillar_or_404(pillar_code: str) -> Pillar:
    pillar = db.session.scalar(select(Pillar).where(Pillar.code == pillar_code))
    if pillar is None:
        abort(404)
    return pillar


@bp.get("/dashboards/pillars/<pillar_code>")
def pillar(pillar_code: str):
    _national_only()
    chosen = _pillar_or_404(pillar_code)
    filters = service.Filters.parse(request.args)
    dashboard = service.pillar_view(db.session, clock.today(), chosen, filters)
    return render_template(
        "dashboards/pillar.html", dashboard=dashboard, pillar=chosen, filters=filters,
        figures=charts.pillar_figures(dashboard.tables), cohorts=service.COHORT_LABELS,
        countries=service.COUNTRY_LABELS, export_endpoint="dashboards.pillar_export",
        export_args={"pillar_code": chosen.code, **filters.args})


@bp.get(f"/dashboards/pillars/<pillar_code>/export/<table>.{FORMAT}")
def pillar_export(pillar_code: str, table: str, fmt: str):
    _national_only()
    chosen = _pillar_or_404(pillar_code)
    dashboard = service.pillar_view(db.session, clock.today(), chosen, service.Filters.parse(request.args))
    return _download(dashboard.table(table), fmt, f"pillar-{chosen.code}")


def _force_context(code: str):
    force = security.force_or_404(db.session, me(), code)
    today = clock.today()
    dashboard = service.force(db.session, today, force)
    if "figures" not in dashboard.derived:
        dashboard.derived["figures"] = charts.force_figures(dashboard.tables, list(STATUS_LABELS.values()), today)
    return {"force": force, "dashboard": dashboard, "today": today,
            "figures": dashboard.derived["figures"],
            "export_endpoint": "dashboards.force_export", "export_args": {"code": force.code}}


@bp.get("/forces/<code>/dashboard")
def force(code: str):
    return render_template("dashboards/force.html", **_force_context(code))


@bp.get("/forces/<code>/dashboard/board-pack")
def force_board_pack(code: str):
    return render_template("dashboards/board_pack.html", scope="force", **_force_context(code))


@bp.get(f"/forces/<code>/dashboard/export/<table>.{FORMAT}")
def force_export(code: str, table: str, fmt: str):
    force = security.force_or_404(db.session, me(), code)
    return _download(service.force(db.session, clock.today(), force).table(table), fmt, force.code)
