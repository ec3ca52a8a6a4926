"""The latest reviewed national assessments as each dashboard's reader sees them: beside each pillar
of the force dashboard with the force's own, in the national force × pillar table (fresh as soon as
a return is marked reviewed, filtered like the rest), in the board packs and in the downloads."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from improvement_tracker.extensions import db
from improvement_tracker.services import return_reviews
from tests import factories
from tests.views.test_dashboards import table_rows

PILLARS = ("P1", "P2", "P3", "P4", "P5", "P6")
FORCE_PAGE = "/forces/avon-and-somerset/dashboard"


@pytest.fixture
def national(app):
    return factories.create_user("oversight", None, name="Nadia National")


def submitted(force_code: str = "avon-and-somerset", year: int = 2026, quarter: int = 2, own: str = "on_track"):
    manager = factories.create_user("programme_manager", force_code)
    quarterly_return = factories.create_return(manager, factories.create_period(year, quarter), assessment=own)
    return quarterly_return, factories.submit_return(manager, quarterly_return)


assess = factories.assess_return


def pillar_cells(page) -> dict[str, list[str]]:
    """Each pillar's national assessment and self-assessment, as the force dashboard's table shows them."""
    return {row[0].split(" ", 1)[0]: row[-2:] for row in table_rows(page, "status-by-pillar")}


def headers(page, name: str) -> list[str]:
    return [th.get_text(" ", strip=True) for th in page.select(f"#table-{name} thead th")]


def csv_rows(client_request, url: str) -> list[list[str]]:
    response = client_request.client.get(url)
    assert response.status_code == 200, url
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_force_dashboard_shows_the_reviewed_assessment_beside_each_pillar(client_request, national):
    quarterly_return, version = submitted()
    client_request.login(factories.create_user("programme_manager"))
    page = client_request.get(FORCE_PAGE)
    assert "No quarterly return from Avon and Somerset has been marked reviewed yet" in page.select_one(
        "#reviewed-return").get_text(" ", strip=True)

    assess(national, quarterly_return, version, {"P3": "at_risk"}, review=False)
    page = client_request.get(FORCE_PAGE)  # assessed, but not reviewed: nothing shown yet
    assert "has been marked reviewed yet" in page.select_one("#reviewed-return").get_text(" ", strip=True)
    assert "At risk" not in page.select_one("#table-status-by-pillar").get_text(" ")
    assert page.select_one("#assessment-disagreements") is None

    return_reviews.mark_reviewed(db.session, quarterly_return, version, national)
    db.session.commit()
    page = client_request.get(FORCE_PAGE)
    note = page.select_one("#reviewed-return").get_text(" ", strip=True)
    assert "latest reviewed quarterly return, Q2 2026-27 (version 1" in note
    assert headers(page, "status-by-pillar")[-2:] == ["National assessment, Q2 2026-27",
                                                      "Self-assessment, Q2 2026-27"]
    cells = pillar_cells(page)
    assert cells["P3"] == ["At risk", "On track (differs)"]
    assert cells["P1"] == ["On track", "On track"]
    differs = page.select_one("#assessment-disagreements").get_text(" ", strip=True)
    assert "differs from the force's self-assessment for 1 pillar" in differs
    assert [li.get_text(" ", strip=True).split(" ", 1)[0] for li in page.select("#assessment-disagreements li")] == [
        "P3"]
    assert differs.endswith(": national At risk, force On track")

    rows = csv_rows(client_request, f"{FORCE_PAGE}/export/status-by-pillar.csv")
    assert rows[0][-2:] == ["National assessment, Q2 2026-27", "Self-assessment, Q2 2026-27"]
    assert [r[-2:] for r in rows[1:] if r[0].startswith("P3 ")] == [["At risk", "On track (differs)"]]

    board = client_request.get(f"{FORCE_PAGE}/board-pack")
    assert pillar_cells(board)["P3"] == ["At risk", "On track (differs)"]
    # The national table is oversight's: a programme manager has no national dashboard or its download.
    client_request.get("/dashboards/national", expected_status=404)
    client_request.get("/dashboards/national/export/latest-assessments.csv", expected_status=404)


def test_a_newer_reviewed_quarter_replaces_the_older_on_both_dashboards(client_request, national):
    older, first = submitted(quarter=1)
    assess(national, older, first, {"P3": "at_risk"})
    client_request.login(national)
    assert pillar_cells(client_request.get(FORCE_PAGE))["P3"] == ["At risk", "On track (differs)"]
    assert table_rows(client_request.get("/dashboards/national"), "latest-assessments")[0][:2] == [
        "Avon and Somerset", "Q1 2026-27"]

    newer, second = submitted(quarter=2, own="off_track")
    assess(national, newer, second, {"P3": "off_track"})
    page = client_request.get(FORCE_PAGE)
    assert pillar_cells(page)["P3"] == ["Off track", "Off track"]
    assert pillar_cells(page)["P1"] == ["On track", "Off track (differs)"]
    assert "Q2 2026-27" in page.select_one("#reviewed-return").get_text(" ", strip=True)
    row = table_rows(client_request.get("/dashboards/national"), "latest-assessments")[0]
    assert row[:5] == ["Avon and Somerset", "Q2 2026-27", "On track (force said Off track)",
                       "On track (force said Off track)", "Off track"]


def test_the_national_table_shows_a_review_at_once_filtered_and_downloadable(client_request, national):
    avon, avon_version = submitted("avon-and-somerset")
    gwent, gwent_version = submitted("gwent", own="at_risk")
    assess(national, gwent, gwent_version, {**dict.fromkeys(PILLARS, "at_risk"), "P2": "off_track"})
    client_request.login(national)

    page = client_request.get("/dashboards/national")
    assert [r[0] for r in table_rows(page, "latest-assessments")] == ["Gwent"]
    assert headers(page, "latest-assessments") == ["Force", "Quarter", *PILLARS]
    assert page.select_one("#table-latest-assessments a[href='/forces/gwent/dashboard']") is not None

    assess(national, avon, avon_version, {"P3": "at_risk"})  # marked reviewed: no refresh needed
    rows = table_rows(client_request.get("/dashboards/national"), "latest-assessments")
    assert rows == [
        ["Avon and Somerset", "Q2 2026-27", "On track", "On track", "At risk (force said On track)", "On track",
         "On track", "On track"],
        ["Gwent", "Q2 2026-27", "At risk", "Off track (force said At risk)", "At risk", "At risk", "At risk",
         "At risk"],
    ]
    # South Wales has a return submitted, but not reviewed: not listed.
    submitted("south-wales")
    assert [r[0] for r in table_rows(client_request.get("/dashboards/national"), "latest-assessments")] == [
        "Avon and Somerset", "Gwent"]

    wales = client_request.get("/dashboards/national?country=wales")
    assert [r[0] for r in table_rows(wales, "latest-assessments")] == ["Gwent"]
    pathfinders = client_request.get("/dashboards/national?cohort=pathfinder")
    assert [r[0] for r in table_rows(pathfinders, "latest-assessments")] == ["Avon and Somerset"]
    none = client_request.get("/dashboards/national?cohort=national_2023")
    assert none.select_one("#table-latest-assessments") is None
    assert "No quarterly return from these forces has been marked reviewed yet." in none.get_text(" ")

    assert page.select_one("a[href='/dashboards/national/export/latest-assessments.csv']") is not None
    rows = csv_rows(client_request, "/dashboards/national/export/latest-assessments.csv?country=wales")
    assert rows == [["Force", "Quarter", *PILLARS],
                    ["Gwent", "Q2 2026-27", "At risk", "Off track (force said At risk)", "At risk", "At risk",
                     "At risk", "At risk"]]
    response = client_request.client.get("/dashboards/national/export/latest-assessments.xlsx?cohort=pathfinder")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)][1][:5] == [
        "Avon and Somerset", "Q2 2026-27", "On track", "On track", "At risk (force said On track)"]

    board = client_request.get("/dashboards/national/board-pack?country=wales")
    assert [r[0] for r in table_rows(board, "latest-assessments")] == ["Gwent"]
