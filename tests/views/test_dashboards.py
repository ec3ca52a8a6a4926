"""Dashboard pages as each role sees them: scoping (outside scope is a 404, through any page,
filter or export), the chart JSON beside each table, downloads, the board pack, the refresh."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from improvement_tracker.extensions import db
from improvement_tracker.models import Setting
from improvement_tracker.services import clock, dashboards, kept
from improvement_tracker.services import plans as plan_service
from tests import factories

# Figures as a service test sees them: links and markup are the page's business.
PLAIN = kept.Presentation(url_for=lambda link: "/", table_markup=lambda table: "")


@pytest.fixture
def plans(app):
    today = clock.today()
    owner = factories.create_user("action_owner", name="Olive Owner")
    factories.create_action(owner, due=today - timedelta(days=3), status="in_progress", reference="AS-1",
                            title="-cmd|' /C calc'!A0")
    factories.create_action(owner, pillar_code="P3", status="complete", reference="AS-2")
    durham = factories.create_user("action_owner", "durham", name="Durham Owner")
    factories.create_action(durham, due=today - timedelta(days=9), status="in_progress", reference="DU-SECRET",
                            title="Durham's secret action")
    return {"owner": owner}


def chart_data(page, name: str) -> list[dict]:
    block = page.select_one(f"script[data-chart-for='chart-{name}']")
    assert block is not None and block["type"] == "application/json"
    return json.loads(block.string)["data"]


def table_rows(page, name: str) -> list[list[str]]:
    table = page.select_one(f"#table-{name}")
    return [[c.get_text(" ", strip=True) for c in tr.select("th, td")] for tr in table.select("tbody tr")]


def test_national_dashboard_chart_and_table_agree(client_request, plans):
    page = client_request.login(factories.create_user("oversight", None)).get("/dashboards/national")
    assert page.h1.get_text(strip=True) == "National dashboard"
    heat = chart_data(page, "completion")[0]
    rows = table_rows(page, "completion")
    assert heat["y"] == [r[0] for r in rows]
    for z_row, row in zip(heat["z"], rows, strict=True):
        assert ["" if v is None else str(v) for v in z_row] == ["" if c.startswith("No figure") else c.split(" ")[0]
                                                                        for c in row[1:7]]
    avon = heat["y"].index("Avon and Somerset")
    assert heat["customdata"][avon][0] == "/forces/avon-and-somerset?pillar=P1"
    cell = page.select_one("#table-completion a[href='/forces/avon-and-somerset?pillar=P1']")
    assert cell is not None and cell.get_text(" ", strip=True).startswith("0")
    rag = chart_data(page, "rag-by-pillar")
    assert [t["y"] for t in rag] == [[int(r[i]) for r in table_rows(page, "rag-by-pillar")] for i in (1, 2, 3)]
    overdue = chart_data(page, "most-overdue")[0]
    assert overdue["y"] == ["Avon and Somerset", "Durham"] and overdue["x"] == [1, 1]  # a tie: by name
    assert [r[:2] for r in table_rows(page, "most-overdue")] == [["Avon and Somerset", "1"], ["Durham", "1"]]
    assert page.select_one("link#plotly\\.js-style-global.no-inline-styles") is not None
    assert page.select_one("script[src$='dist/plotly.min.js']") is not None
    assert "calculated just now" in page.select_one("#as-at").get_text()


def test_national_filters(client_request, plans):
    client_request.login(factories.create_user("oversight", None))
    page = client_request.get("/dashboards/national?country=wales")
    assert [r[0] for r in table_rows(page, "completion")] == ["Dyfed-Powys", "Gwent", "North Wales", "South Wales"]
    assert page.select_one("#country option[selected]")["value"] == "wales"
    rows = list(csv.reader(io.StringIO(client_request.client.get(
        "/dashboards/national/export/completion.csv?cohort=pathfinder").data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 5


def test_pillar_view_ranked(client_request, plans):
    page = client_request.login(factories.create_user("admin", None)).get("/dashboards/pillars/P1")
    assert [r[:3] for r in table_rows(page, "ranking")] == [["1", "Avon and Somerset", "0"], ["2", "Durham", "0"]]
    assert chart_data(page, "ranking")[0]["x"] == [0, 0]
    client_request.get("/dashboards/pillars/P9", expected_status=404)


def test_force_dashboard(client_request, plans):
    pm = factories.create_user("programme_manager")
    page = client_request.login(pm).get("/forces/avon-and-somerset/dashboard")
    assert page.h1.get_text(strip=True) == "Avon and Somerset"
    assert [r[0] for r in table_rows(page, "overdue-actions")] == ["AS-1"]
    assert "DU-SECRET" not in str(page)
    status = chart_data(page, "status-by-pillar")
    rows = table_rows(page, "status-by-pillar")
    assert [t["y"] for t in status] == [[int(r[i]) for r in rows] for i in range(1, 7)]
    assert page.select_one("a[href='/forces/avon-and-somerset/dashboard/board-pack']")
    nav = [a.get_text(strip=True) for a in page.select(".govuk-service-navigation__link")]
    assert "Dashboard" in nav
    plan = client_request.get("/forces/avon-and-somerset")
    assert plan.select_one("a[href='/forces/avon-and-somerset/dashboard']") is not None


@pytest.mark.parametrize("url", [
    "/forces/durham/dashboard",
    "/forces/durham/dashboard/board-pack",
    "/forces/durham/dashboard/export/overdue-actions.csv",
    "/forces/durham/dashboard/export/overdue-actions.xlsx",
    "/dashboards/national",
    "/dashboards/national?cohort=pathfinder",
    "/dashboards/national/export/completion.csv",
    "/dashboards/national/export/rag-disagreements.xlsx",
    "/dashboards/national/board-pack",
    "/dashboards/pillars/P1",
    "/dashboards/pillars/P1?country=england",
    "/dashboards/pillars/P1/export/ranking.csv",
])
def test_programme_manager_sees_no_other_force(client_request, plans, url):
    client_request.login(factories.create_user("programme_manager"))
    response = client_request.client.get(url)
    assert response.status_code == 404
    assert b"DU-SECRET" not in response.data and b"Durham" not in response.data


def test_action_owner_has_no_dashboard(client_request, plans):
    client_request.login(plans["owner"])
    page = client_request.get("/forces/avon-and-somerset/dashboard", expected_status=403)
    assert page.h1.get_text(strip=True) == "This page is for your force's programme managers"
    client_request.get("/forces/durham/dashboard", expected_status=404)


def test_force_exports_round_trip_with_injection_neutralised(client_request, plans):
    client_request.login(factories.create_user("programme_manager"))
    response = client_request.client.get("/forces/avon-and-somerset/dashboard/export/overdue-actions.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="avon-and-somerset-overdue')
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Action", "Title", "Pillar", "Owner", "Due", "Days overdue", "National commitment"]
    assert rows[1][:2] == ["AS-1", "'-cmd|' /C calc'!A0"] and rows[1][5] == "3"
    response = client_request.client.get("/forces/avon-and-somerset/dashboard/export/overdue-actions.xlsx")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[1][:2] == ["AS-1", "'-cmd|' /C calc'!A0"] and values[1][5] == 3
    for wrong in ("nonsense.csv", "overdue-actions.pdf"):
        assert client_request.client.get(f"/forces/avon-and-somerset/dashboard/export/{wrong}").status_code == 404


def test_every_dashboard_table_downloads(client_request, plans):
    client_request.login(factories.create_user("admin", None))
    national = kept.national_dashboard(db.session, clock.today(), dashboards.Filters(), PLAIN)
    for url, names in (("/dashboards/national", national.tables),
                       ("/forces/avon-and-somerset/dashboard",
                        kept.force_dashboard(db.session, clock.today(), factories.force(), PLAIN).tables)):
        page = client_request.get(url)
        for name, table in names.items():
            for fmt in ("csv", "xlsx"):
                link = page.select_one(f"a[href*='/export/{name}.{fmt}']")
                if table.rows:  # an empty table says so instead of offering a download
                    assert link is not None, f"{url} has no {fmt} download of {name}"
                assert client_request.client.get(f"{url}/export/{name}.{fmt}").status_code == 200


def test_board_packs(client_request, plans):
    client_request.login(factories.create_user("oversight", None))
    page = client_request.get("/forces/avon-and-somerset/dashboard/board-pack")
    assert page.select_one("[data-board-pack]") is not None
    assert page.select_one("#as-at").get_text(strip=True).startswith("As at")
    assert page.select_one("link[href$='dist/dashboards.css']") is not None
    page = client_request.get("/dashboards/national/board-pack?country=england")
    assert "England" in page.h1.get_text()
    assert "size: A4 landscape" in Path("static/src/dashboards.css").read_text()


def test_admin_refreshes_the_cache(client_request, plans):
    admin = factories.create_user("admin", None)
    client_request.login(admin)
    response = client_request.post("/dashboards/national/refresh")
    assert response.headers["Location"].endswith("/dashboards/national")
    assert db.session.get(Setting, dashboards.CACHE_KEY) is not None
    page = client_request.get("/dashboards/national")
    assert "Figures as at" in page.select_one("#as-at").get_text()
    client_request.login(factories.create_user("oversight", None))
    assert "Refresh the national figures" not in str(client_request.get("/dashboards/national"))
    client_request.post("/dashboards/national/refresh", expected_status=403)


def test_national_figures_kept_per_worker_follow_each_refresh(client_request, plans):
    """The page's tables are kept between requests until the cache is refreshed; then the new figures show."""
    admin = factories.create_user("admin", None)
    client_request.login(admin)
    client_request.post("/dashboards/national/refresh")

    def avon_actions() -> str:
        rows = table_rows(client_request.get("/dashboards/national"), "completion")
        return next(r for r in rows if r[0] == "Avon and Somerset")[7]

    before = avon_actions()
    owner = plans["owner"]
    factories.create_action(owner, status="complete", reference="AS-3")
    assert avon_actions() == before  # the cached figures, until the next refresh
    client_request.post("/dashboards/national/refresh")
    assert avon_actions() != before
    # The disagreements are kept too, but only until a plan changes anywhere.
    def disagreeing() -> list[str]:
        page = client_request.get("/dashboards/national")
        return [r[0] for r in table_rows(page, "rag-disagreements")] if page.select_one(
            "#table-rag-disagreements") else []

    action = factories.create_action(owner, status="in_progress", reference="AS-4", title="Declared green")
    assert "AS-4" not in disagreeing()
    plan_service.declare_rag(db.session, action, "red", "The board's view", actor=admin)
    db.session.commit()
    assert "AS-4" in disagreeing()
