"""Importing a plan from a spreadsheet: what is read, what is refused, what is written.

Each error class is reported at its sheet, row and column, and a report with any error can
never be written. A second import of the same plan updates rows matched by reference and
never duplicates them.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy import func, select

from improvement_tracker.extensions import db
from improvement_tracker.models import (
    Action,
    AuditEvent,
    DeepDive,
    DueDateChange,
    Finding,
    Milestone,
    ProgressUpdate,
    User,
)
from improvement_tracker.services import clock, imports, users
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.imports import Problem, staging, workbook
from improvement_tracker.services.imports import template as import_template
from improvement_tracker.services.imports.cells import CellError, parse_date
from improvement_tracker.services.imports.workbook import MAX_ROWS, FileRefused
from tests import factories
from tests import import_sheets as sheets

OWNER = "olive.owner@example.police.uk"


@pytest.fixture
def pm(app):
    return factories.create_user("programme_manager", name="Priya Manager", email="priya.pm@example.police.uk")


@pytest.fixture
def owner(app):
    return factories.create_user("action_owner", name="Olive Owner", email=OWNER)


def check(data: bytes, actor, filename: str = "plan.xlsx", force_code: str = "avon-and-somerset"):
    return imports.check(db.session, factories.force(force_code), data, filename, actor=actor)


def run(data: bytes, actor, filename: str = "plan.xlsx", *, create_owners: bool = False):
    report = check(data, actor, filename)
    assert report.ok, [str(p) for p in report.errors]
    imports.apply(db.session, factories.force(), report, actor=actor, create_owners=create_owners)
    db.session.commit()
    return report


def row_counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return {t.name: connection.scalar(sa.select(sa.func.count()).select_from(t))
                for t in db.metadata.sorted_tables}


def errors(report) -> list[tuple]:
    return [(p.sheet, p.row, p.column, p.message) for p in report.errors]


def basic_plan(**overrides) -> dict:
    plan = {
        "deep_dives": [sheets.deep_dive()],
        "findings": [sheets.finding("AS-P1-01"), sheets.finding("AS-P4-01", "P4", "Thin learning and development")],
        "actions": [
            sheets.action("AS-P1-01-A", OWNER, finding="AS-P1-01", start_date="01/04/2026", due_date="31/03/2027"),
            sheets.action("AS-P4-01-A", OWNER, finding="AS-P4-01", title="Learning pathway", priority="High"),
            sheets.action("AS-SA-01", OWNER, pillar="P5", title="Problem profile of recorded rape"),
        ],
        "milestones": [sheets.milestone("AS-P1-01-A", "Course designed", due_date="30/06/2026"),
                       sheets.milestone("AS-P1-01-A", "First cohort trained", due_date="30/09/2026")],
    }
    plan.update(overrides)
    return plan


# --- the messy spreadsheet of a real force ----------------------------------------------

def test_a_messy_real_world_spreadsheet_imports_correctly(pm, owner):
    report = run(sheets.messy_plan(OWNER), pm, "Soteria plan v3 FINAL.xlsx")

    assert [(s.name, s.kind, s.rows) for s in report.sheets] == [
        ("Findings", "findings", 2), ("Deep dives", "deep_dives", 1), ("Action plan", "actions", 4),
        ("Milestones", "milestones", 3)]
    assert [str(w) for w in report.warnings] == [
        "Old plan 2023: This sheet is hidden, so it was ignored: unhide it in your spreadsheet if it should "
        "be imported",
        "Notes: This sheet was not read: its name and column headings are not those of a Deep dives, "
        "Findings, Actions or Milestones sheet",
        "Action plan, row 4, column J (RAG (manual)): This column is not one the import knows, so it was "
        "ignored",
    ]

    deep_dive = db.session.scalar(select(DeepDive))
    assert (deep_dive.title, deep_dive.period, deep_dive.summary) == (
        "Soteria deep dive 2022", "January to June 2022", "Case files and focus groups")
    findings = {f.reference: f for f in db.session.scalars(select(Finding))}
    assert set(findings) == {"AS-P1-01", "AS-P4-01"}  # trailing space trimmed
    p1 = findings["AS-P1-01"]
    assert (p1.pillar.code, p1.type, p1.priority, p1.title) == (
        "P1", "cause_of_concern", "high", "Investigations test the victim's credibility")
    p4 = findings["AS-P4-01"]
    assert (p4.pillar.code, p4.type, p4.title) == ("P4", "area_for_improvement",
                                                   "Investigators lack specialist training")

    actions = {a.reference: a for a in db.session.scalars(select(Action))}
    assert set(actions) == {"AS-P1-01-A", "AS-P1-01-B", "AS-P1-01-C", "AS-P4-01-A"}
    # The finding reference was merged down over the three actions that answer it.
    assert {actions[r].finding.reference for r in ("AS-P1-01-A", "AS-P1-01-B", "AS-P1-01-C")} == {"AS-P1-01"}
    assert actions["AS-P4-01-A"].finding.reference == "AS-P4-01"
    assert all(a.owner_id == owner.id for a in actions.values())  # the email matched whatever its case
    dates = {ref: (a.start_date, a.current_due_date, a.original_due_date) for ref, a in actions.items()}
    assert dates == {
        "AS-P1-01-A": (date(2026, 4, 1), date(2027, 3, 31), date(2027, 3, 31)),  # a real date; 31/03/2027
        "AS-P1-01-B": (date(2026, 4, 1), date(2027, 6, 30), date(2027, 6, 30)),  # a serial; 30-06-2027
        "AS-P1-01-C": (date(2025, 10, 1), date(2027, 3, 31), date(2027, 3, 31)),  # 1 October 2025; 31 March 2027
        "AS-P4-01-A": (date(2026, 5, 1), date(2027, 9, 1), date(2027, 9, 1)),  # 2026-05-01; 1st September 2027
    }
    assert actions["AS-P1-01-A"].title == "Suspect-focused training for every RASSO investigator"
    statuses = {ref: (a.status, a.status_reason, a.completed_date) for ref, a in actions.items()}
    assert statuses == {
        "AS-P1-01-A": ("in_progress", None, None),
        "AS-P1-01-B": ("not_started", None, None),
        "AS-P1-01-C": ("complete", None, date(2026, 1, 15)),
        "AS-P4-01-A": ("blocked", "Waiting for the College's course", None),
    }
    milestones = [(m.action.reference, m.title, m.due_date, m.completed_date, m.position)
                  for m in db.session.scalars(select(Milestone).order_by(Milestone.id))]
    assert milestones == [
        ("AS-P1-01-A", "Course designed", date(2026, 6, 30), None, 1),
        ("AS-P1-01-A", "First cohort trained", date(2026, 9, 30), None, 2),
        ("AS-P1-01-C", "Feedback survey live", date(2026, 2, 1), date(2026, 2, 1), 1),
    ]

    events = db.session.scalars(select(AuditEvent.event)).all()
    assert events.count("action.created") == 4 and events.count("finding.created") == 2
    assert events.count("milestone.created") == 3 and events.count("action.status_imported") == 3
    imported = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "plan.imported"))
    assert imported.actor_id == pm.id and imported.force_id == pm.force_id
    assert imported.changes["sha256"] == [None, report.sha256]
    assert imported.changes["file"] == [None, "Soteria plan v3 FINAL.xlsx"]
    assert imported.summary.startswith("Imported Soteria plan v3 FINAL.xlsx: deep dives: 1 created")
    # The status brought over is in the action's narrative, by the person who imported it.
    update = db.session.scalar(select(ProgressUpdate).where(ProgressUpdate.action_id == actions["AS-P4-01-A"].id))
    assert (update.status_from, update.status_to, update.author_id) == ("not_started", "blocked", pm.id)


def test_the_messy_spreadsheet_as_csv_files_imports_too(pm, owner):
    files = {
        "deep_dives": sheets.csv_file("deep_dives", [sheets.deep_dive()]),
        "findings": sheets.csv_file("findings", [sheets.finding(" AS-P1-01 ", "p1 ", "Credibility  ")]),
        "actions": sheets.csv_file("actions", [
            sheets.action("AS-P1-01-A", f" {OWNER.upper()}", finding="AS-P1-01", start_date="46113",
                          due_date="31 Mar 2027"),
        ], bom=False),
        "milestones": sheets.csv_file("milestones", [sheets.milestone("as-p1-01-a", "Course designed",
                                                                      due_date="2026-06-30")]),
    }
    for kind, data in files.items():
        report = run(data, pm, f"{kind}.csv")
        assert [s.kind for s in report.sheets] == [kind]
        assert report.warnings == []
    action = db.session.scalar(select(Action))
    assert (action.reference, action.finding.reference, action.start_date, action.current_due_date) == (
        "AS-P1-01-A", "AS-P1-01", date(2026, 4, 1), date(2027, 3, 31))
    assert db.session.scalar(select(Finding.title)) == "Credibility"
    assert db.session.scalar(select(Milestone.due_date)) == date(2026, 6, 30)


# --- the downloadable template ----------------------------------------------------------

def test_the_template_has_headed_columns_notes_and_drop_down_lists():
    book = load_workbook(io.BytesIO(import_template.build_xlsx(sheets.PILLARS)))
    assert book.sheetnames == ["Guidance", "Deep dives", "Findings", "Actions", "Milestones"]
    actions = book["Actions"]
    assert [c.value for c in actions[1]] == sheets.headings("actions")
    assert all(str(c.value).startswith(("Required", "Optional")) for c in actions[2])
    assert actions.freeze_panes == "A3"
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in actions.data_validations.dataValidation
             if dv.type == "list"}
    assert lists == {
        "C3": '"P1,P2,P3,P4,P5,P6"',
        "I3": '"High,Medium,Low"',
        "J3": '"Not started,In progress,Awaiting sign-off,Complete,Blocked,Closed – not needed"',
    }
    findings = book["Findings"]
    types = [dv.formula1 for dv in findings.data_validations.dataValidation if str(dv.sqref).startswith("D")]
    assert types == ['"Cause of concern,Recommendation,Area for improvement,Promising practice"']
    dates = [str(dv.sqref) for dv in actions.data_validations.dataValidation if dv.type == "date"]
    assert dates == ["L3:L5002", "M3:M5002", "N3:N5002"]


def test_an_empty_template_and_each_csv_template_read_as_no_rows_and_no_problems(pm):
    report = check(import_template.build_xlsx(sheets.PILLARS), pm, "template.xlsx")
    assert (report.ok, report.rows_read, report.warnings, report.items) == (True, 0, [], [])
    for slug, kind in imports.KIND_SLUGS.items():
        report = check(import_template.build_csv(kind), pm, f"{slug}.csv")
        assert (report.ok, report.rows_read, report.warnings, [s.kind for s in report.sheets]) == (
            True, 0, [], [kind])


def test_a_filled_in_template_imports_everything(pm, owner):
    report = run(sheets.filled_template(**basic_plan()), pm)
    assert report.summary() == ("deep dives: 1 created; findings: 2 created; actions: 3 created; "
                                "milestones: 2 created")
    assert report.by_pillar() == [
        ("P1", {"findings_create": 1, "actions_create": 1, "milestones_create": 2}),
        ("P4", {"findings_create": 1, "actions_create": 1}),
        ("P5", {"actions_create": 1}),
    ]
    counts = row_counts()
    assert (counts["deep_dives"], counts["findings"], counts["actions"], counts["milestones"]) == (1, 2, 3, 2)
    standalone = db.session.scalar(select(Action).where(Action.reference == "AS-SA-01"))
    assert (standalone.finding_id, standalone.pillar.code, standalone.priority) == (None, "P5", "medium")


# --- re-import --------------------------------------------------------------------------

def test_a_second_import_updates_by_reference_shows_what_changed_and_never_duplicates(pm, owner):
    run(sheets.filled_template(**basic_plan()), pm)
    counts = row_counts()
    action = db.session.scalar(select(Action).where(Action.reference == "AS-P1-01-A"))
    first_due = action.current_due_date

    colleague = factories.create_user("action_owner", email="colin.colleague@example.police.uk")
    changed = basic_plan(
        findings=[sheets.finding("as-p1-01", title="Investigations test the victim's credibility, not the suspect's"),
                  sheets.finding("AS-P4-01", "P4", "Thin learning and development")],
        actions=[
            sheets.action("as-p1-01-a", colleague.email, finding="AS-P1-01", start_date="01/04/2026",
                          due_date="30/06/2027"),
            sheets.action("AS-P4-01-A", OWNER, finding="AS-P4-01", title="Learning pathway", priority="High"),
            sheets.action("AS-SA-01", OWNER, pillar="P5", title="Problem profile of recorded rape"),
            sheets.action("AS-SA-02", OWNER, pillar="P5", title="Monthly performance pack"),
        ],
        milestones=[sheets.milestone("AS-P1-01-A", "course designed", due_date="31/07/2026"),
                    sheets.milestone("AS-P1-01-A", "First cohort trained", due_date="30/09/2026"),
                    sheets.milestone("AS-P1-01-A", "Second cohort trained")],
    )
    report = check(sheets.filled_template(**changed), pm)
    assert report.ok
    assert [(spec.kind, c) for spec, c in report.counts()] == [
        ("deep_dives", {"create": 0, "update": 0, "unchanged": 1}),
        ("findings", {"create": 0, "update": 1, "unchanged": 1}),
        ("actions", {"create": 1, "update": 1, "unchanged": 2}),
        ("milestones", {"create": 1, "update": 1, "unchanged": 1}),
    ]
    updates = {item.label: item.changes for item in report.items if item.op == "update"}
    assert updates == {
        "AS-P1-01": {"Title": ("Investigations test the victim's credibility",
                               "Investigations test the victim's credibility, not the suspect's")},
        "AS-P1-01-A": {"Owner": (OWNER, colleague.email), "Due date": ("31 March 2027", "30 June 2027")},
        "AS-P1-01-A: course designed": {"Due date": ("30 June 2026", "31 July 2026")},
    }
    imports.apply(db.session, factories.force(), report, actor=pm, create_owners=False)
    db.session.commit()

    after = row_counts()
    assert after["findings"] == counts["findings"] and after["deep_dives"] == counts["deep_dives"]
    assert after["actions"] == counts["actions"] + 1 and after["milestones"] == counts["milestones"] + 1
    db.session.expire_all()
    action = db.session.get(Action, action.id)
    assert (action.owner_id, action.current_due_date, action.original_due_date) == (
        colleague.id, date(2027, 6, 30), first_due)
    replan = db.session.scalar(select(DueDateChange).where(DueDateChange.action_id == action.id))
    assert (replan.old_date, replan.new_date, replan.changed_by_id) == (first_due, date(2027, 6, 30), pm.id)
    assert replan.reason == "Changed by the spreadsheet import of plan.xlsx"
    course = db.session.scalar(select(Milestone).where(Milestone.title == "Course designed"))
    assert course.due_date == date(2026, 7, 31)
    events = db.session.scalars(select(AuditEvent.event).where(AuditEvent.action_id == action.id)).all()
    assert {"action.updated", "action.due_date_changed", "milestone.updated"} <= set(events)

    # A third import of the same file changes nothing at all.
    again = check(sheets.filled_template(**changed), pm)
    assert again.changing == [] and again.summary() == "nothing to change"


def test_a_re_import_deletes_nothing_and_a_blank_cell_keeps_the_value(pm, owner):
    run(sheets.filled_template(**basic_plan(actions=[
        sheets.action("AS-P1-01-A", OWNER, finding="AS-P1-01", description="Two-day course",
                      start_date="01/04/2026", due_date="31/03/2027"),
        sheets.action("AS-SA-01", OWNER, pillar="P5")])), pm)
    report = run(sheets.filled_template(actions=[sheets.action("AS-P1-01-A", OWNER)]), pm)
    assert report.summary() == "nothing to change"
    action = db.session.scalar(select(Action).where(Action.reference == "AS-P1-01-A"))
    assert (action.description, action.start_date, action.current_due_date, action.finding.reference) == (
        "Two-day course", date(2026, 4, 1), date(2027, 3, 31), "AS-P1-01")
    assert db.session.scalar(select(func.count()).select_from(Action)) == 2
    assert db.session.scalar(select(func.count()).select_from(Milestone)) == 2


def test_a_re_import_does_not_move_statuses_or_tick_milestones_already_in_the_plan(pm, owner):
    run(sheets.filled_template(**basic_plan()), pm)
    report = check(sheets.filled_template(
        actions=[sheets.action("AS-P1-01-A", OWNER, status="Complete", completed_date="01/11/2026")],
        milestones=[sheets.milestone("AS-P1-01-A", "Course designed", completed_date="01/06/2026")]), pm)
    assert report.ok and report.changing == []
    assert [(w.sheet, w.row, w.column, w.message) for w in report.warnings] == [
        ("Actions", 3, "J", "Not changed: this action is not started in your plan. Statuses of actions already in "
                            "the plan change on the action's page"),
        ("Milestones", 3, "D", "Not changed: milestones already in your plan are marked done on their action's page"),
    ]


def test_a_re_import_cannot_move_a_finding_or_an_action(pm, owner):
    run(sheets.filled_template(**basic_plan()), pm)
    other_dive = factories.create_deep_dive(title="Self-assessment 2023")
    report = check(sheets.filled_template(
        findings=[sheets.finding("AS-P1-01", deep_dive=other_dive.title)],
        actions=[sheets.action("AS-P1-01-A", OWNER, finding="AS-P4-01"),
                 sheets.action("AS-SA-01", OWNER, finding="AS-P1-01")]), pm)
    assert errors(report) == [
        ("Findings", 3, "B", "Finding AS-P1-01 belongs to the deep dive 'Soteria deep dive 2022': an import cannot "
                             "move it to another one"),
        ("Actions", 3, "B", "Action AS-P1-01-A is linked to finding AS-P1-01: an import cannot change that"),
        ("Actions", 4, "B", "Action AS-SA-01 is not linked to a finding: an import cannot change that"),
    ]


# --- every problem at its row and column, and nothing written ----------------------------

ERROR_CASES = {
    "unknown pillar": (
        {"deep_dives": [sheets.deep_dive()], "findings": [sheets.finding("AS-P9-01", "P9")]},
        [("Findings", 3, "C", "'P9' is not a pillar: use P1 to P6")]),
    "missing title": (
        {"actions": [sheets.action("AS-1", OWNER, pillar="P1", title="   ")]},
        [("Actions", 3, "D", "Enter a title")]),
    "bad date": (
        {"actions": [sheets.action("AS-1", OWNER, pillar="P1", due_date="31/02/2027")]},
        [("Actions", 3, "M", "'31/02/2027' is not a real date")]),
    "date in American order": (
        {"actions": [sheets.action("AS-1", OWNER, pillar="P1", due_date="03/31/2027")]},
        [("Actions", 3, "M", "'03/31/2027' is not a real date: write dates day first, like 31/03/2027")]),
    "not a date at all": (
        {"milestones": [sheets.milestone("AS-1", "Step", due_date="next spring")]},
        [("Milestones", 3, "A", "There is no action AS-1 on the Actions sheet or in your plan"),
         ("Milestones", 3, "C", "'next spring' is not a date: use day/month/year, like 31/03/2027")]),
    "due date before start": (
        {"actions": [sheets.action("AS-1", OWNER, pillar="P1", start_date="01/04/2027", due_date="31/03/2027")]},
        [("Actions", 3, "M", "The due date must be the same as or after the start date")]),
    "duplicate reference": (
        {"actions": [sheets.action("AS-1", OWNER, pillar="P1"), sheets.action("as-1 ", OWNER, pillar="P2")]},
        [("Actions", 4, "A", "The reference as-1 is also on row 3: each action can be listed only once")]),
    "text too long": (
        {"actions": [sheets.action("AS-1", OWNER, pillar="P1", title="x" * 201)]},
        [("Actions", 3, "D", "Title must be 200 characters or fewer (this has 201)")]),
    "formula": (
        {"actions": [sheets.action("AS-1", OWNER, pillar="P1", title="=HYPERLINK(\"http://x\",\"y\")")]},
        [("Actions", 3, "D", "This cell holds a formula or starts like one (=HYPERLINK(\"http://x\",\"y\")): type "
                             "the value itself, without a leading =, +, - or @")]),
    "spreadsheet error value": (
        {"actions": [sheets.action("AS-1", OWNER, pillar="P1", description="#N/A")]},
        [("Actions", 3, "E", "This cell shows a spreadsheet error (#N/A): type the value itself")]),
    "owner of another force": (
        {"actions": [sheets.action("AS-1", "dan.durham@example.police.uk", pillar="P1")]},
        [("Actions", 3, "G", "dan.durham@example.police.uk is not a user of Avon and Somerset: choose an owner "
                             "from this force")]),
    "deactivated owner": (
        {"actions": [sheets.action("AS-1", "gone.away@example.police.uk", pillar="P1")]},
        [("Actions", 3, "G", "The account of gone.away@example.police.uk is deactivated: choose another owner, "
                             "or ask an administrator to reactivate it")]),
    "not an email": (
        {"actions": [sheets.action("AS-1", "Olive Owner", pillar="P1")]},
        [("Actions", 3, "G", "'Olive Owner' is not an email address: enter one like name@example.police.uk")]),
    "unknown finding": (
        {"actions": [sheets.action("AS-1", OWNER, finding="AS-P1-99")]},
        [("Actions", 3, "B", "There is no finding AS-P1-99 on the Findings sheet or in your plan")]),
    "pillar disagrees with finding": (
        {"findings": [sheets.finding("AS-P1-01")], "deep_dives": [sheets.deep_dive()],
         "actions": [sheets.action("AS-1", OWNER, finding="AS-P1-01", pillar="P2")]},
        [("Actions", 3, "C", "Finding AS-P1-01 is in pillar P1: leave the pillar blank or make it the same")]),
    "no pillar and no finding": (
        {"actions": [sheets.action("AS-1", OWNER)]},
        [("Actions", 3, "C", "Enter the pillar, P1 to P6")]),
    "unknown deep dive": (
        {"findings": [sheets.finding("AS-P1-01")]},
        [("Findings", 3, "B", "There is no deep dive called 'Soteria deep dive 2022' on the Deep dives sheet or in "
                              "your plan")]),
    "unknown type": (
        {"deep_dives": [sheets.deep_dive()], "findings": [sheets.finding("AS-P1-01", type="Observation")]},
        [("Findings", 3, "D", "'Observation' is not one of the choices: select the type: Cause of concern, "
                              "Recommendation, Area for improvement or Promising practice")]),
    "unknown status": (
        {"actions": [sheets.action("AS-1", OWNER, pillar="P1", status="Done-ish")]},
        [("Actions", 3, "J", "'Done-ish' is not one of the choices: select a status: Not started, In progress, "
                             "Awaiting sign-off, Complete, Blocked or Closed – not needed")]),
    "blocked without a reason": (
        {"actions": [sheets.action("AS-1", OWNER, pillar="P1", status="Blocked")]},
        [("Actions", 3, "K", "Enter why the action is blocked")]),
    "complete without a date": (
        {"actions": [sheets.action("AS-1", OWNER, pillar="P1", status="Complete")]},
        [("Actions", 3, "N", "Enter the date the action was completed")]),
    "completed date in the future": (
        {"actions": [sheets.action("AS-1", OWNER, pillar="P1", status="Complete",
                                   completed_date=(clock.today() + timedelta(days=3)).strftime("%d/%m/%Y"))]},
        [("Actions", 3, "N", "The completed date cannot be in the future")]),
    "completed date on an open action": (
        {"actions": [sheets.action("AS-1", OWNER, pillar="P1", status="In progress", completed_date="01/01/2026")]},
        [("Actions", 3, "N", "A completed date is only for actions whose status is Complete")]),
    "year out of range": (
        {"actions": [sheets.action("AS-1", OWNER, pillar="P1", due_date="31/03/0207")]},
        [("Actions", 3, "M", "31/03/207 is not in the years 2000 to 2099: check the year")]),
    "missing reference": (
        {"actions": [sheets.action(None, OWNER, pillar="P1")]},
        [("Actions", 3, "A", "Enter a reference")]),
    "milestone without a title": (
        {"milestones": [sheets.milestone("AS-1", None)], "actions": [sheets.action("AS-1", OWNER, pillar="P1")]},
        [("Milestones", 3, "B", "Enter what the milestone is")]),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_each_problem_is_reported_at_its_row_and_column_and_nothing_is_written(pm, owner, case):
    factories.create_user("action_owner", "durham", email="dan.durham@example.police.uk")
    factories.create_user("action_owner", email="gone.away@example.police.uk", active=False)
    plan, expected = ERROR_CASES[case]
    before = row_counts()
    report = check(sheets.filled_template(**plan), pm)
    assert errors(report) == expected
    assert not report.ok
    with pytest.raises(ValueError, match="cannot be applied"):
        imports.apply(db.session, factories.force(), report, actor=pm, create_owners=True)
    db.session.rollback()
    assert row_counts() == before


def test_one_bad_row_among_good_ones_stops_the_whole_import(pm, owner):
    plan = basic_plan()
    plan["actions"][1]["due_date"] = "not a date"
    report = check(sheets.filled_template(**plan), pm)
    assert errors(report) == [("Actions", 4, "M", "'not a date' is not a date: use day/month/year, like 31/03/2027")]
    assert report.items  # the good rows are still shown in the preview


def test_a_programme_manager_cannot_import_their_own_action_as_complete(pm, owner):
    report = check(sheets.filled_template(actions=[
        sheets.action("AS-1", pm.email, pillar="P1", status="Complete", completed_date="01/01/2026")]), pm)
    assert errors(report) == [("Actions", 3, "J", "You own this action, so someone else must sign it off: import "
                                                  "it as Awaiting sign-off")]


def test_a_formula_in_a_real_workbook_cell_is_refused_and_a_bullet_point_is_not(pm, owner):
    data = sheets.workbook({"Actions": [
        sheets.headings("actions"),
        ["AS-1", None, "P1", "Train investigators", "- first, design the course", None, OWNER, None, None, None,
         None, "=DATE(2026,4,1)", "=TODAY()+30"],
        ["AS-2", None, "P1", "@SUM(A1)", "+44 1234 567890", None, OWNER],
    ]})
    report = check(data, pm)
    assert [(p.row, p.column) for p in report.errors] == [(2, "L"), (2, "M"), (3, "D"), (3, "E")]
    assert "formula or starts like one (=DATE(2026,4,1))" in report.errors[0].message


def test_hidden_sheets_are_ignored_with_a_warning(pm, owner):
    data = sheets.workbook({
        "Actions": [sheets.headings("actions"), ["AS-1", None, "P1", "Visible", None, None, OWNER]],
        "Milestones": [sheets.headings("milestones"), ["AS-1", "Hidden step"]],
    }, hidden=("Milestones",))
    report = check(data, pm)
    assert report.ok
    assert [s.name for s in report.sheets] == ["Actions"]
    assert [str(w) for w in report.warnings] == [
        "Milestones: This sheet is hidden, so it was ignored: unhide it in your spreadsheet if it should be imported"]


def test_sheet_level_problems(pm, owner):
    data = sheets.workbook({
        "Actions": [["Reference", "Title"], ["AS-1", "No owner column"]],
        "Findings": [["Reference", "Deep dive", "Pillar", "Type", "Title", "Title"]],
        "Sheet1": [["Some", "random", "table"]],
    })
    report = check(data, pm)
    assert [str(p) for p in report.errors] == [
        "Actions: The column headings were not found in the first 20 rows: this sheet needs at least Reference, "
        "Title, Owner email",
        "Findings, row 1: Columns E and F are both headed like 'Title': rename or remove one of them",
    ]
    assert "Sheet1: This sheet was not read" in str(report.warnings[0])


def test_a_sheet_with_an_unknown_name_is_read_from_its_headings(pm, owner):
    data = sheets.workbook({"Plan 2024": [sheets.headings("actions"),
                                          ["AS-1", None, "P1", "Title", None, None, OWNER]]})
    report = check(data, pm)
    assert report.ok and [s.kind for s in report.sheets] == ["actions"]
    assert str(report.warnings[0]) == "Plan 2024: Read as actions, from its column headings"


def test_a_workbook_with_no_plan_sheet_says_so(pm):
    report = check(sheets.workbook({"Sheet1": [[]]}), pm)
    assert [str(p) for p in report.errors] == [
        "No sheet of deep dives, findings, actions or milestones was found: use the column headings of the template"]


# --- new owners -------------------------------------------------------------------------

def test_owners_who_are_not_users_yet_can_be_added_as_action_owners(pm, owner):
    plan = basic_plan(actions=[
        sheets.action("AS-1", "New.Person@Example.Police.UK", pillar="P1", owner_name="Nia Person"),
        sheets.action("AS-2", "new.person@example.police.uk", pillar="P1"),
        sheets.action("AS-3", "sam.smith@example.police.uk", pillar="P2"),
    ], milestones=[])
    report = check(sheets.filled_template(**plan), pm)
    assert report.ok
    assert [(o.email, o.name, o.rows) for o in report.new_owners] == [
        ("new.person@example.police.uk", "Nia Person", ["Actions row 3", "Actions row 4"]),
        ("sam.smith@example.police.uk", "Sam Smith", ["Actions row 5"]),
    ]
    with pytest.raises(ServiceError):
        imports.apply(db.session, factories.force(), report, actor=pm, create_owners=False)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 2

    imports.apply(db.session, factories.force(), report, actor=pm, create_owners=True)
    db.session.commit()
    nia = db.session.scalar(select(User).where(User.email == "new.person@example.police.uk"))
    assert (nia.name, nia.role, nia.force_id, nia.active) == ("Nia Person", "action_owner", pm.force_id, True)
    owned = db.session.scalars(select(Action.reference).where(Action.owner_id == nia.id)).all()
    assert sorted(owned) == ["AS-1", "AS-2"]
    # Nobody knows the password: an administrator must set one before they can sign in.
    assert nia.password_hash.startswith("$argon2")
    assert users.authenticate(db.session, nia.email, "", "127.0.0.1", max_attempts=5, window_minutes=15).user is None
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "user.created",
                                                         AuditEvent.object_id == nia.id))
    assert created.actor_id == pm.id


# --- reading files ----------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (datetime(2027, 3, 31, 0, 0), date(2027, 3, 31)),
    (date(2027, 3, 31), date(2027, 3, 31)),
    (46477, date(2027, 3, 31)),
    (46477.0, date(2027, 3, 31)),
    ("46477", date(2027, 3, 31)),
    ("31/03/2027", date(2027, 3, 31)),
    ("31-03-2027", date(2027, 3, 31)),
    ("31.03.2027", date(2027, 3, 31)),
    ("1/4/2027", date(2027, 4, 1)),
    ("31/03/27", date(2027, 3, 31)),
    ("31 March 2027", date(2027, 3, 31)),
    ("31 Mar 2027", date(2027, 3, 31)),
    ("31st March 2027", date(2027, 3, 31)),
    ("Wednesday 31 March 2027", date(2027, 3, 31)),
    ("31-Mar-27", date(2027, 3, 31)),
    ("2027-03-31", date(2027, 3, 31)),
    ("2027-03-31 00:00:00", date(2027, 3, 31)),
    (" 31 / 03 / 2027 ".replace(" / ", "/"), date(2027, 3, 31)),
])
def test_dates_are_read_in_every_uk_form(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("31/02/2027", "'31/02/2027' is not a real date"),
    ("13/13/2027", "'13/13/2027' is not a real date"),
    ("03/31/2027", "'03/31/2027' is not a real date: write dates day first, like 31/03/2027"),
    ("31 Marchember 2027", "'31 Marchember 2027' is not a date: use day/month/year, like 31/03/2027"),
    ("March 2027", "'March 2027' is not a date: use day/month/year, like 31/03/2027"),
    ("TBC", "'TBC' is not a date: use day/month/year, like 31/03/2027"),
    (True, "must be a date, like 31/03/2027"),
    (12, "12/01/1900 is not in the years 2000 to 2099: check the year"),
    (-5, "-5 is not a date: use day/month/year, like 31/03/2027"),
])
def test_what_is_not_a_date_says_why(value, message):
    with pytest.raises(CellError) as raised:
        parse_date(value)
    assert str(raised.value) == message


def test_a_1904_workbook_reads_serial_numbers_from_its_own_epoch():
    from openpyxl.utils.datetime import MAC_EPOCH

    assert parse_date(45015, MAC_EPOCH) == date(2027, 3, 31)


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _with_entry(workbook: bytes, name: str, data: bytes, content_types: bytes | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(workbook))
    entries = {info.filename: source.read(info.filename) for info in source.infolist()}
    entries[name] = data
    if content_types is not None:
        entries["[Content_Types].xml"] = content_types
    return _zip(entries)


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TEMPLATE = import_template.build_xlsx(sheets.PILLARS)


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"", "plan.csv", "The selected file is empty"),
    (b"x" * (5 * 1024 * 1024 + 1), "plan.csv", "The selected file must be smaller than 5 MB"),
    (TEMPLATE, "plan.xlsm", "Macro-enabled workbooks (.xlsm) cannot be imported"),
    (_with_entry(TEMPLATE, "xl/vbaProject.bin", b"\x00macro"), "plan.xlsx", "The workbook contains macros"),
    (_with_entry(TEMPLATE, "xl/other.xml", b"", b'<Types><Default ContentType="application/vnd.ms-excel.sheet.'
                                                b'macroEnabled.main+xml"/></Types>'),
     "plan.xlsx", "The workbook is macro-enabled"),
    (OLE2 + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 100, "plan.xlsx",
     "The workbook is protected with a password"),
    (OLE2 + b"\x00" * 400, "plan.xls", "The file is in the old Excel 97-2003 format (.xls)"),
    (_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "plan.ods",
     "The selected file must be an XLSX or CSV spreadsheet"),
    (_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b""}), "plan.xlsx",
     "Excel Binary Workbooks (.xlsb) cannot be imported"),
    (_zip({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<Types/>"}), "plan.xlsx",
     "The file is not an Excel workbook (.xlsx)"),
    (_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<not a workbook"}), "plan.xlsx",
     "The workbook could not be read"),
    (TEMPLATE, "plan.csv", "The selected file must be an XLSX or CSV spreadsheet, with a name ending .xlsx or .csv"),
    (b"Reference,Title\r\n", "plan.xlsx", "The file's name ends .xlsx but it is not an Excel workbook"),
    (b"%PDF-1.7", "plan.pdf", "The selected file must be an XLSX or CSV spreadsheet"),
    ("Reference,Title,Owner email\r\nAS-1,Caf\u00e9,o@x.uk\r\n".encode("cp1252"), "plan.csv",
     "The CSV file is not saved as UTF-8 text"),
    (b"Reference,Title\x00", "plan.csv", "The file is not a CSV text file"),
    (b'Reference,Title,Owner email\r\n"AS-1,unclosed\r\n', "plan.csv", "The CSV file could not be read at row 2"),
], ids=["empty", "too-large", "xlsm-name", "vba-inside", "macro-content-type", "encrypted", "old-xls", "ods",
        "xlsb", "not-a-workbook", "broken-xml", "workbook-named-csv", "text-named-xlsx", "pdf", "not-utf8",
        "nul-bytes", "broken-csv"])
def test_files_that_cannot_be_imported_are_refused_with_a_reason(pm, data, filename, message):
    report = check(data, pm, filename)
    assert report.refused is not None and report.refused.startswith(message), report.refused
    assert errors(report) == [("", None, "", report.refused)]
    assert report.items == []


def test_a_zip_bomb_is_refused_before_it_is_unpacked(pm, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_UNZIPPED_BYTES", 4 * 1024 * 1024)  # 150 MB in real life
    bomb = _with_entry(TEMPLATE, "xl/padding.bin", b"\x00" * (5 * 1024 * 1024))
    assert len(bomb) < 100 * 1024
    report = check(bomb, pm)
    assert report.refused == "The workbook is too large once unpacked: split it into smaller files"


def test_row_limit_counts_plan_rows_not_blank_ones(pm):
    rows = [sheets.milestone(f"AS-{n}", "Step") for n in range(MAX_ROWS)]
    data = sheets.csv_file("milestones", rows)
    parsed = imports.read(data.replace(b"\r\n", b"\r\n,,,\r\n", 10), "milestones.csv")
    assert parsed.rows_read == MAX_ROWS
    with pytest.raises(FileRefused, match="more than 5,000 rows of plan data"):
        imports.read(sheets.csv_file("milestones", [*rows, sheets.milestone("AS-X", "One too many")]),
                     "milestones.csv")


def test_reading_stops_after_a_long_run_of_blank_rows_and_says_so(pm, owner):
    rows = [sheets.headings("actions"), ["AS-1", None, "P1", "Title", None, None, OWNER]]
    rows += [[None, None, None, None, None, None, None, None, None, None, None, None, None, " "]] * 1000
    rows += [["AS-2", None, "P1", "Far below", None, None, OWNER]]
    report = check(sheets.workbook({"Actions": rows}), pm)
    assert [i.label for i in report.items] == ["AS-1"]
    assert str(report.warnings[0]) == ("Actions, row 1002: Reading stopped here, after 1,000 blank rows: anything "
                                       "further down was not read")


def test_a_5000_row_file_is_within_the_limits_and_imports(pm, owner):
    """The largest file accepted, written in one transaction. Time and memory are measured by
    benchmarks/import_5000.py, not asserted here."""
    actions = [sheets.action(f"AS-{n:04d}", OWNER, pillar=f"P{n % 6 + 1}", due_date="31/03/2027")
               for n in range(1000)]
    milestones = [sheets.milestone(f"AS-{n % 1000:04d}", f"Step {n // 1000}") for n in range(4000)]
    data = sheets.filled_template(actions=actions, milestones=milestones)
    assert len(data) < 5 * 1024 * 1024
    report = run(data, pm)
    assert report.rows_read == 5000
    assert db.session.scalar(select(func.count()).select_from(Milestone)) == 4000
    assert db.session.scalar(select(func.count()).select_from(Action)) == 1000


# --- keeping an upload between the preview and the confirmation --------------------------

def test_a_stored_upload_is_only_for_its_user_and_force_and_must_be_unaltered(tmp_path):
    stored = imports.store(tmp_path, b"data", "../../etc/Plan\x00.xlsx", user_id=1, force_id=2)
    assert stored.filename == "Plan.xlsx"
    assert imports.load(tmp_path, stored.key, user_id=1, force_id=2) == (stored, b"data")
    assert imports.load(tmp_path, stored.key, user_id=9, force_id=2) is None
    assert imports.load(tmp_path, stored.key, user_id=1, force_id=3) is None
    assert imports.load(tmp_path, "../" + stored.key[3:], user_id=1, force_id=2) is None
    (tmp_path / stored.key / "upload").write_bytes(b"tampered")
    assert imports.load(tmp_path, stored.key, user_id=1, force_id=2) is None


def test_a_new_upload_replaces_the_users_earlier_one_and_old_ones_expire(tmp_path, monkeypatch):
    first = imports.store(tmp_path, b"one", "a.csv", user_id=1, force_id=2)
    colleague = imports.store(tmp_path, b"two", "b.csv", user_id=5, force_id=2)
    second = imports.store(tmp_path, b"three", "c.csv", user_id=1, force_id=2)
    assert imports.load(tmp_path, first.key, user_id=1, force_id=2) is None
    assert imports.load(tmp_path, second.key, user_id=1, force_id=2) is not None
    assert imports.load(tmp_path, colleague.key, user_id=5, force_id=2) is not None
    later = staging.time.time() + staging.MAX_AGE_SECONDS + 1
    monkeypatch.setattr(staging.time, "time", lambda: later)
    assert imports.load(tmp_path, second.key, user_id=1, force_id=2) is None
    imports.purge(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_only_one_confirmation_can_claim_an_upload(tmp_path):
    stored = imports.store(tmp_path, b"data", "a.csv", user_id=1, force_id=2)
    assert imports.claim(tmp_path, stored.key) is True
    assert imports.claim(tmp_path, stored.key) is False
    assert imports.load(tmp_path, stored.key, user_id=1, force_id=2) is None
    imports.release(tmp_path, stored.key)
    assert imports.load(tmp_path, stored.key, user_id=1, force_id=2) is not None
    imports.discard(tmp_path, stored.key)
    assert list(tmp_path.iterdir()) == []


def test_problem_places_read_naturally():
    assert str(Problem("Actions", 7, "M", "Due date", "Bad")) == "Actions, row 7, column M (Due date): Bad"
    assert str(Problem("Actions", None, "", "", "Bad")) == "Actions: Bad"
    assert str(Problem("", None, "", "", "Bad")) == "Bad"


def test_a_sheet_damaged_part_way_through_is_refused(pm):
    source = zipfile.ZipFile(io.BytesIO(sheets.workbook({"Actions": [sheets.headings("actions"), ["AS-1"]]})))
    entries = {info.filename: source.read(info.filename) for info in source.infolist()}
    sheet = next(name for name in entries if name.startswith("xl/worksheets/sheet"))
    entries[sheet] = entries[sheet].replace(b"</sheetData>", b"<row r=\"3\"><c r=\"A3\" t=\"n\"><v>x")
    report = check(_zip(entries), pm)
    assert report.refused == ("The sheet 'Actions' could not be read: it may be damaged. Open the file in Excel or "
                              "LibreOffice, save it as .xlsx and upload it again")
