"""Dashboard figures against a small plan whose answers are known, boundary dates included;
the exports round-trip through csv and openpyxl with formula injection neutralised."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest
from flask import current_app, url_for
from openpyxl import load_workbook

from improvement_tracker.extensions import db
from improvement_tracker.models import DueDateChange, Milestone, Setting
from improvement_tracker.services import charts, clock, dashboards, exports, kept, snapshots
from improvement_tracker.services.dashboards import Filters
from improvement_tracker.services.tables import Table
from tests import factories

TODAY = clock.today()


def _url(link) -> str:
    with current_app.test_request_context():
        return url_for(link[0], **link[1])


url = kept.Presentation(url_for=_url, table_markup=lambda table: f"<table {table.name}>")


def national_board(today: date, filters: Filters) -> dashboards.Dashboard:
    return kept.national_dashboard(db.session, today, filters, url)


@pytest.fixture
def plan(app):
    """Avon and Somerset, P1: six actions (one complete, one closed as not needed, one overdue by a
    day, one due today, one due tomorrow, one blocked); P2: one action with a milestone overdue.
    Durham (a pathfinder in England), P1: one complete action."""
    owner = factories.create_user("action_owner", name="Olive Owner")
    other = factories.create_user("action_owner", name="Oscar Other")
    durham_owner = factories.create_user("action_owner", "durham")
    a = {
        "complete": factories.create_action(owner, due=TODAY - timedelta(days=5), status="complete", reference="P1-1"),
        "closed": factories.create_action(owner, due=TODAY - timedelta(days=5), status="closed_not_needed",
                                          reference="P1-2"),
        "overdue": factories.create_action(owner, due=TODAY - timedelta(days=1), status="in_progress",
                                           reference="P1-3", title="=HYPERLINK(\"http://evil\")"),
        "due_today": factories.create_action(other, due=TODAY, status="in_progress", reference="P1-4"),
        "due_tomorrow": factories.create_action(other, due=TODAY + timedelta(days=1), reference="P1-5"),
        "blocked": factories.create_action(other, due=TODAY + timedelta(days=40), status="blocked", reference="P1-6"),
        "late_milestone": factories.create_action(owner, pillar_code="P2", due=TODAY + timedelta(days=60),
                                                  reference="P2-1"),
        "durham": factories.create_action(durham_owner, status="complete", reference="D-1"),
    }
    factories.create_milestone(a["late_milestone"], "Late", due=TODAY - timedelta(days=1))
    factories.create_milestone(a["late_milestone"], "Done", due=TODAY - timedelta(days=10), done=True)
    factories.create_milestone(a["late_milestone"], "Due today", due=TODAY)
    factories.create_milestone(a["late_milestone"], "No date")
    a["overdue"].declared_rag, a["overdue"].declared_rag_reason = "green", "Nearly there"
    a["blocked"].declared_rag, a["blocked"].declared_rag_reason = "red", "Agreed"
    db.session.add(DueDateChange(action_id=a["due_today"].id, old_date=TODAY - timedelta(days=20), new_date=TODAY,
                                 reason="Waited for training budget"))
    db.session.add(DueDateChange(action_id=a["due_today"].id, old_date=TODAY - timedelta(days=30),
                                 new_date=TODAY - timedelta(days=20), reason="Moved again"))
    a["due_today"].original_due_date = TODAY - timedelta(days=30)
    factories.changed(a["overdue"])
    db.session.commit()
    factories.create_evidence(a["overdue"], owner)
    return a


def rows_by_first(table: Table) -> dict:
    return {row[0]: row for row in table.rows}


def test_national_figures_equal_the_known_answers(plan):
    board = national_board(TODAY, Filters())
    h = board.headline
    assert (h["actions"], h["complete"], h["closed"], h["overdue"]) == (8, 2, 1, 1)
    assert h["percent_complete"] == 29  # 2 of 7 (closed as not needed left out)
    assert h["percent_overdue"] == 20  # 1 of 5 open
    assert (h["red"], h["amber"], h["green"]) == (2, 1, 2)  # overdue + blocked; late milestone; today, tomorrow

    heat = rows_by_first(board.tables["completion"])
    assert heat["Avon and Somerset"][1:3] == [20, 0] and heat["Avon and Somerset"][-1] == 17  # 1/5, 0/1, 1/6
    assert heat["Durham"][1] == 100 and heat["Durham"][2] == ""
    assert heat["Cleveland"][1:] == [""] * 7  # no plan: no figure, not 0%
    assert len(board.tables["completion"].rows) == 43
    links = board.tables["completion"].links[0]
    assert links[0] == "/forces/avon-and-somerset/dashboard"
    assert links[1] == "/forces/avon-and-somerset?pillar=P1"

    rag = rows_by_first(board.tables["rag-by-pillar"])
    assert rag["P1 Suspect-focused investigations"][1:] == [2, 0, 2, 4]
    assert rag["P2 Identifying and disrupting repeat suspects"][1:] == [0, 1, 0, 1]

    assert board.tables["most-overdue"].rows == [["Avon and Somerset", 1, 7, 2]]
    disagreements = board.tables["rag-disagreements"].rows
    assert [(r[0], r[4], r[5]) for r in disagreements] == [("P1-3", "Green", "Red")]


def test_filters_by_cohort_and_country(plan):
    wales = national_board(TODAY, Filters(country="wales"))
    assert wales.headline["actions"] == 0
    assert {r[0] for r in wales.tables["completion"].rows} == {"Dyfed-Powys", "Gwent", "North Wales", "South Wales"}
    assert wales.tables["rag-disagreements"].rows == []
    pathfinders = national_board(TODAY, Filters(cohort="pathfinder"))
    assert len(pathfinders.tables["completion"].rows) == 5
    assert pathfinders.headline["actions"] == 8
    assert Filters.parse({"cohort": "nonsense", "country": "wales"}) == Filters(None, "wales")


def test_trend_comes_from_the_snapshots(plan):
    snapshots.build_live(db.session, TODAY)
    snapshots.build_live(db.session, TODAY - timedelta(weeks=1))  # the same plan, recorded a week ago
    snapshots.build_live(db.session, TODAY - timedelta(days=3))  # not on the weekly grid: left out
    db.session.commit()
    trend = national_board(TODAY, Filters()).tables["trend"]
    assert trend.column(0) == [TODAY - timedelta(weeks=1), TODAY]
    assert trend.rows[-1][1:3] == [33, 0]  # P1: 2 of 6 (Durham's too); P2: 0 of 1


def test_pillar_view_ranks_forces(plan):
    view = kept.pillar_view(db.session, TODAY, factories.pillar("P1"), Filters(), url)
    assert [row[:3] for row in view.tables["ranking"].rows] == [[1, "Durham", 100], [2, "Avon and Somerset", 20]]
    assert view.tables["ranking"].links[1][1] == "/forces/avon-and-somerset?pillar=P1"


def test_force_dashboard_figures(plan):
    board = kept.force_dashboard(db.session, TODAY, factories.force(), url)
    status = rows_by_first(board.tables["status-by-pillar"])
    # not started, in progress, awaiting, complete, blocked, closed, overdue, red, amber, green, then the
    # national and the force's own assessment from the latest reviewed return (none yet)
    assert status["P1 Suspect-focused investigations"][1:] == [1, 2, 0, 1, 1, 1, 1, 2, 0, 2, "", ""]
    assert status["P2 Identifying and disrupting repeat suspects"][1:] == [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, "", ""]
    assert board.headline["actions"] == 7

    burn = board.tables["milestone-burn-up"]
    assert burn.rows[-1][3:] == [3, 1]  # three milestones with a date; one done (yesterday)
    assert sum(burn.column(1)) == 3 and sum(burn.column(2)) == 1
    assert all(row[0].weekday() == 0 for row in burn.rows)

    overdue = board.tables["overdue-actions"].rows
    assert [(r[0], r[3], r[5]) for r in overdue] == [("P1-3", "Olive Owner", 1)]  # due today is not overdue
    assert board.tables["owners-most-overdue"].rows == [["Olive Owner", 1, 1]]
    assert [r[1] for r in board.tables["evidence-awaiting-review"].rows] == ["P1-3"]
    replanned = board.tables["replanned-actions"].rows
    assert [(r[0], r[2], r[5]) for r in replanned] == [("P1-4", 2, 30)]


def test_force_dashboard_sees_only_that_force(plan):
    board = kept.force_dashboard(db.session, TODAY, factories.force("durham"), url)
    assert board.headline["actions"] == 1
    assert board.tables["overdue-actions"].rows == []
    assert board.tables["evidence-awaiting-review"].rows == []


def test_chart_json_carries_the_table_numbers(plan, app):
    board = national_board(TODAY, Filters())
    with app.test_request_context():
        from flask import url_for
        figures = charts.national_figures(board.tables, lambda link: url_for(link[0], **link[1]))
    heat = json.loads(figures["completion"])["data"][0]
    table = board.tables["completion"]
    assert heat["y"] == table.column(0)
    assert heat["z"] == [[None if v == "" else v for v in row[1:-1]] for row in table.rows]
    row = table.column(0).index("Avon and Somerset")
    assert heat["customdata"][row][0] == "/forces/avon-and-somerset?pillar=P1"
    rag = json.loads(figures["rag-by-pillar"])["data"]
    assert [t["name"] for t in rag] == ["Red", "Amber", "Green"]
    assert [t["y"] for t in rag] == [board.tables["rag-by-pillar"].column(i) for i in (1, 2, 3)]


def test_cache_is_read_until_refreshed(plan):
    dashboards.refresh_national_cache(db.session, TODAY)
    db.session.commit()
    factories.create_action(factories.create_user("action_owner"), reference="NEW")
    cached = national_board(TODAY, Filters())
    assert cached.computed_at is not None and cached.headline["actions"] == 8  # as cached
    assert len(cached.tables["rag-disagreements"].rows) == 1  # always live
    tomorrow = national_board(TODAY + timedelta(days=1), Filters())
    assert tomorrow.computed_at is None and tomorrow.headline["actions"] == 9  # yesterday's cache is not used
    dashboards.refresh_national_cache(db.session, TODAY)
    db.session.commit()
    assert national_board(TODAY, Filters()).headline["actions"] == 9


def test_scheduler_job_refreshes_the_cache(plan, app):
    from improvement_tracker import scheduler

    scheduler.dashboard_cache(app, TODAY)
    row = db.session.get(Setting, dashboards.CACHE_KEY)
    assert row.value["payload"]["day"] == TODAY.isoformat()
    assert "dashboard_cache" in {job.id for job in scheduler.build(app).get_jobs()}


# --- exports ---------------------------------------------------------------------------

NASTY = ["=1+1", "+44 117", "-2", "@SUM(A1)", "\tTab", "\rCR", "plain", "Café – ok"]


def nasty_table() -> Table:
    table = Table("nasty", "Nasty: values", ["Text", "Number", "Day"])
    for i, text in enumerate(NASTY):
        table.add([text, -i, date(2026, 3, 1) + timedelta(days=i)])
    return table


def test_neutralise(app):
    assert [exports.neutralise(v) for v in NASTY] == [
        "'=1+1", "'+44 117", "'-2", "'@SUM(A1)", "'\tTab", "'\rCR", "plain", "Café – ok"]
    assert exports.neutralise(-3) == -3 and exports.neutralise(None) is None


def test_csv_round_trip(app):
    data = exports.to_csv(nasty_table())
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Text", "Number", "Day"]
    assert [r[0] for r in rows[1:]] == [exports.neutralise(v) for v in NASTY]
    assert [int(r[1]) for r in rows[1:]] == [-i for i in range(len(NASTY))]
    assert rows[1][2] == "2026-03-01"
    assert not any(cell.startswith(exports.FORMULA_PREFIXES) for row in rows for cell in row[:1])


def test_xlsx_round_trip(app):
    workbook = load_workbook(io.BytesIO(exports.to_xlsx(nasty_table())), read_only=True)
    sheet = workbook.active
    assert sheet.title == "Nasty values"  # the colon Excel forbids is gone, and the space it left
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Text", "Number", "Day")
    # XML stores a lone CR as a line feed; it is still behind the apostrophe
    assert [r[0] for r in rows[1:]] == [exports.neutralise(v).replace("\r", "\n") for v in NASTY]
    assert [r[1] for r in rows[1:]] == [-i for i in range(len(NASTY))]
    assert rows[1][2] == datetime(2026, 3, 1)
    for row in sheet.iter_rows():  # no cell became a formula
        assert all(cell.data_type != "f" for cell in row)


def test_dashboard_table_exports_match_the_table(plan):
    table = kept.force_dashboard(db.session, TODAY, factories.force(), url).tables["overdue-actions"]
    rows = list(csv.reader(io.StringIO(exports.to_csv(table).decode("utf-8-sig"))))
    assert rows[1][:2] == ["P1-3", "'=HYPERLINK(\"http://evil\")"]
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(table)), read_only=True).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)][1][:2] == ["P1-3", "'=HYPERLINK(\"http://evil\")"]


def test_milestones_not_in_the_force_are_not_counted(plan):
    durham_action = plan["durham"]
    db.session.add(Milestone(action_id=durham_action.id, title="Elsewhere", due_date=TODAY, position=1))
    factories.changed(durham_action)
    db.session.commit()
    burn = kept.force_dashboard(db.session, TODAY, factories.force(), url).tables["milestone-burn-up"]
    assert burn.rows[-1][3] == 3


def test_every_figure_is_valid_plotly(plan, app):
    """Figures are plain dicts (fast); plotly's own schema checks every property name and value."""
    import plotly.graph_objects as go

    from improvement_tracker.models import Force, Pillar
    from improvement_tracker.services.status import STATUS_LABELS

    snapshots.build_live(db.session, TODAY)
    national = national_board(TODAY, Filters())
    force = db.session.query(Force).filter_by(code="avon-and-somerset").one()
    pillar = db.session.query(Pillar).filter_by(code="P1").one()
    with app.test_request_context():
        from flask import url_for
        figures = {
            **charts.national_figures(national.tables, lambda link: url_for(link[0], **link[1])),
            **charts.force_figures(kept.force_dashboard(db.session, TODAY, force, url).tables,
                                   list(STATUS_LABELS.values()), TODAY),
            **charts.pillar_figures(kept.pillar_view(db.session, TODAY, pillar, Filters(), url).tables),
        }
    assert set(figures) >= {"completion", "rag-by-pillar", "most-overdue", "status-by-pillar",
                            "milestone-burn-up", "ranking"}
    for name, text in figures.items():
        assert "</" not in text, name
        go.Figure(json.loads(text))  # raises ValueError on any property plotly does not know
