"""A national commitment's linked action in a force's plan (docs/commitments.md, "In a force's plan"):
worked like any other action, but the force cannot change what the national team set, move its due
date, close it as not needed or use a commitment's reference for an action of its own; an import
leaves out, and reports, the rows that would."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, AuditEvent, DueDateChange
from improvement_tracker.services import clock, commitments, imports, kept, plan_exports, plan_queries, plans, status
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.exports import to_csv
from improvement_tracker.services.reminders import plan as reminder_plan
from improvement_tracker.services.reminders import weekly_summaries
from improvement_tracker.services.settings import ReminderSettings
from tests import factories
from tests import import_sheets as sheets

TITLE = "No victim without a phone for more than 24 hours"


@pytest.fixture
def national(app):
    return factories.create_user("oversight", None, name="Olu National")


@pytest.fixture
def manager(app):
    return factories.create_user("programme_manager", name="Priya Manager", email="priya.pm@example.police.uk")


@pytest.fixture
def linked(national, manager) -> Action:
    """Avon and Somerset's linked action, owned by its programme manager."""
    return factories.publish_commitment(national, ["avon-and-somerset"])[0]


def _fields(action: Action, **changes) -> plans.ActionFields:
    values = {"reference": action.reference, "title": action.title, "pillar_id": action.pillar_id,
              "owner_id": action.owner_id, "priority": action.priority, "description": action.description,
              "success_measure": action.success_measure, "start_date": action.start_date}
    return plans.ActionFields(**{**values, **changes})


def _events(name: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.event == name))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("reference", "AS-P3-01-A", "This is a national commitment: its reference is set by the national team"),
    ("title", "Phones back in a week", "This is a national commitment: its title is set by the national team"),
    ("pillar_id", "P1", "This is a national commitment: its pillar is set by the national team"),
    ("description", "Something else", "its description is set by the national team"),
    ("success_measure", "Half of them", "its success measure is set by the national team"),
])
def test_what_the_national_team_set_cannot_be_changed(linked, manager, field, value, message):
    before = (linked.reference, linked.title, linked.pillar_id, linked.description, linked.success_measure)
    wanted = factories.pillar(value).id if field == "pillar_id" else value
    with pytest.raises(ServiceError, match=message) as refused:
        plans.update_action(db.session, linked, _fields(linked, **{field: wanted}), actor=manager)
    assert refused.value.field == field
    db.session.rollback()
    action = db.session.get(Action, linked.id)
    assert (action.reference, action.title, action.pillar_id, action.description, action.success_measure) == before
    assert _events("action.updated") == 0


def test_the_force_assigns_an_owner_and_sets_priority_and_start_date(linked, manager):
    owner = factories.create_user("action_owner", name="Olive Owner")
    start = clock.today()
    changes = plans.update_action(db.session, linked, _fields(linked, owner_id=owner.id, priority="medium",
                                                              start_date=start), actor=manager)
    db.session.commit()
    assert set(changes) == {"owner_id", "priority", "start_date"}
    assert (linked.owner_id, linked.priority, linked.start_date, linked.title) == (owner.id, "medium", start, TITLE)


def test_a_programme_manager_assigns_an_owner_to_an_action_that_had_none(national):
    """A force with no programme manager when the commitment was published: its action waits, owned by no one."""
    action = factories.publish_commitment(national, ["durham"])[0]
    assert action.owner_id is None
    manager = factories.create_user("programme_manager", "durham")
    plans.update_action(db.session, action, _fields(action, owner_id=manager.id), actor=manager)
    db.session.commit()
    assert db.session.get(Action, action.id).owner_id == manager.id


def test_the_due_date_cannot_be_moved_by_the_force(linked, manager):
    due = linked.current_due_date
    with pytest.raises(ServiceError, match="its due date is set by the national team. Propose a later date "
                                           "instead") as refused:
        plans.change_due_date(db.session, linked, due + timedelta(days=30), "Staff shortages", actor=manager)
    assert refused.value.field == "due_date"
    db.session.rollback()
    assert db.session.get(Action, linked.id).current_due_date == due
    assert db.session.scalar(select(func.count()).select_from(DueDateChange)) == 0


def test_the_national_team_s_decision_moves_it(linked, national):
    """Agreeing a proposal or changing the commitment moves the date, with the re-plan history as today."""
    later = linked.current_due_date + timedelta(days=30)
    plans.change_due_date(db.session, linked, later, "Agreed by the national team", actor=national, national=True)
    db.session.commit()
    assert db.session.get(Action, linked.id).current_due_date == later


def test_a_force_cannot_use_a_commitment_s_reference_for_its_own_action(linked, manager):
    owner = factories.create_user("action_owner", "durham")
    fields = plans.ActionFields(reference="nc-01", title="Our own phones", pillar_id=factories.pillar("P3").id,
                                owner_id=owner.id)
    with pytest.raises(ServiceError, match="NC-01 is the reference of a national commitment") as refused:
        plans.create_action(db.session, factories.force("durham"), fields, due_date=None, actor=manager)
    assert refused.value.field == "reference"


def test_it_cannot_be_closed_as_not_needed_but_is_otherwise_worked_as_usual(linked, manager):
    assert [t.slug for t in status.available(manager, linked, national=True)] == ["start", "block"]
    assert "close" in [t.slug for t in status.available(manager, linked)]  # the same user, a force's own action
    with pytest.raises(ServiceError, match="This is a national commitment: only the national team can decide it "
                                           "is not needed"):
        status.apply(db.session, linked, "close", "We already do this", actor=manager)
    db.session.rollback()
    assert db.session.get(Action, linked.id).status == "not_started"

    # Milestones, updates and four-eyes sign-off as for any action.
    linked = db.session.get(Action, linked.id)
    owner = factories.create_user("action_owner", name="Olive Owner")
    plans.update_action(db.session, linked, _fields(linked, owner_id=owner.id), actor=manager)
    from improvement_tracker.services import milestones
    milestones.add(db.session, linked, "Phone loan stock bought", None, actor=manager)
    status.apply(db.session, linked, "start", "", actor=owner)
    status.add_progress_update(db.session, linked, "Loan phones in every station", actor=owner)
    status.apply(db.session, linked, "request-sign-off", "", actor=owner)
    status.apply(db.session, linked, "sign-off", "", actor=manager, no_evidence_reason="Checked the log in person")
    db.session.commit()
    assert db.session.get(Action, linked.id).status == "complete"


def test_a_force_taken_off_the_commitment_may_close_it(linked, manager):
    member = commitments.linked(db.session, linked)
    member.membership, member.removed_reason = "removed", "No longer applies"
    db.session.flush()
    assert commitments.close_refusal(db.session, linked) is None


def test_a_force_s_own_action_is_untouched_by_the_rules(manager):
    owner = factories.create_user("action_owner")
    action = factories.create_action(owner, reference="AS-P1-01-A", due=clock.today() + timedelta(days=10))
    plans.update_action(db.session, action, _fields(action, title="Renamed"), actor=manager)
    plans.change_due_date(db.session, action, clock.today() + timedelta(days=20), "Later", actor=manager)
    status.apply(db.session, action, "close", "Not needed", actor=manager)
    db.session.commit()
    assert (action.title, action.status) == ("Renamed", "closed_not_needed")


# --- how it is listed -------------------------------------------------------------------------

def test_lists_and_exports_mark_the_linked_action(linked, manager):
    own = factories.create_action(manager, reference="AS-P3-01-A", pillar_code="P3")
    today = clock.today()
    plan = plan_queries.force_plan(db.session, factories.force(), {}, page=1, page_size=50, today=today)
    rows = {row.reference: row.commitment for group in plan.groups for fg in group.findings for row in fg.actions}
    assert rows == {"NC-01": "NC-01", "AS-P3-01-A": None}
    mine = plan_queries.my_actions(db.session, manager, today)
    assert {row.reference: row.commitment for row in mine.open} == {"NC-01": "NC-01", "AS-P3-01-A": None}

    table = plan_exports.force_plan(db.session, factories.force(), plan_queries.PlanFilters(), today)
    assert table.headers[-1] == "National commitment"
    assert {row[0]: row[-1] for row in table.rows} == {"NC-01": "NC-01", own.reference: ""}
    mine_table = plan_exports.my_actions(db.session, manager, today)
    assert {row[0]: row[-1] for row in mine_table.rows} == {"NC-01": "NC-01", own.reference: ""}

    page = kept.action_page(db.session, linked.id, linked.force_id, today)
    assert (page.national.reference, page.national.title, page.national.active) == ("NC-01", TITLE, True)
    assert kept.action_page(db.session, own.id, own.force_id, today).national is None


def test_an_action_with_no_owner_is_listed_exported_and_reminded_without_error(national):
    action = factories.publish_commitment(national, ["durham"])[0]
    action.current_due_date = clock.today() - timedelta(days=3)  # overdue: on every dashboard and reminder list
    factories.changed(action)
    db.session.commit()
    today = clock.today()
    durham = factories.force("durham")
    plan = plan_queries.force_plan(db.session, durham, {}, page=1, page_size=50, today=today)
    assert plan.groups[0].findings[0].actions[0].owner_name is None
    rows = list(csv.reader(io.StringIO(to_csv(plan_exports.force_plan(
        db.session, durham, plan_queries.PlanFilters(), today)).decode("utf-8-sig"))))
    assert rows[1][4:6] == ["", ""] and rows[1][-1] == "NC-01"
    assert kept.action_page(db.session, action.id, durham.id, today).action.owner is None
    reminder_plan(db.session, today, ReminderSettings())
    weekly_summaries(db.session, today)
    from improvement_tracker.services import dashboards
    board = dashboards.force_dashboard(db.session, today, durham, None)
    assert board.tables["overdue-actions"].rows[0][3:] == [
        "No owner", action.current_due_date, 3, "NC-01"]


# --- the plan import ---------------------------------------------------------------------------

def _check(data: bytes, actor):
    return imports.check(db.session, factories.force(), data, "plan.xlsx", actor=actor)


def _warnings(report) -> list[tuple[int | None, str]]:
    return [(p.row, p.message) for p in report.warnings if "national commitment" in p.message]


def test_an_import_leaves_out_and_reports_rows_that_would_change_a_linked_action(linked, manager):
    commitments.save_draft(db.session, None, commitments.CommitmentFields(
        reference="NC-02", title="Specialist learning", pillar_id=factories.pillar("P4").id,
        due_date=clock.today() + timedelta(days=200), applies_to="all"), manager)
    db.session.commit()
    pm = manager.email
    later = (linked.current_due_date + timedelta(days=30)).strftime("%d/%m/%Y")
    data = sheets.filled_template(actions=[
        sheets.action("NC-01", pm, title="Phones back in a week"),  # row 3: retitle
        sheets.action("nc-01", pm, title=TITLE, due_date=later),  # row 4: re-date (and the same row twice)
        sheets.action("NC-02", pm, title="Our own", pillar="P4"),  # row 5: create with a commitment's reference
        sheets.action("AS-P1-01-A", pm, title="Our own action", pillar="P1"),  # row 6: imported as usual
    ], milestones=[sheets.milestone("NC-01", "Loan phones bought")])
    report = _check(data, manager)
    assert _warnings(report) == [
        (3, "Not imported: NC-01 is a national commitment: its title is set by the national team"),
        (5, "Not imported: NC-02 is the reference of a national commitment: the national team adds its action "
            "to your plan. Choose another reference")]
    # Row 4 repeats NC-01: the import's own rule (each action once) reports it as an error.
    assert [p.row for p in report.errors] == [4]

    data = sheets.filled_template(actions=[
        sheets.action("NC-01", pm, title=TITLE, due_date=later, pillar="P1"),
        sheets.action("AS-P1-01-A", pm, title="Our own action", pillar="P1"),
    ], milestones=[sheets.milestone("NC-01", "Loan phones bought")])
    report = _check(data, manager)
    assert report.ok
    assert _warnings(report) == [(3, "Not imported: NC-01 is a national commitment: its pillar and due date are "
                                     "set by the national team. Propose a later date instead")]
    assert [(i.kind, i.op, i.label) for i in report.items] == [
        ("actions", "create", "AS-P1-01-A"), ("milestones", "create", "NC-01: Loan phones bought")]
    due = linked.current_due_date
    imports.apply(db.session, factories.force(), report, actor=manager, create_owners=False)
    db.session.commit()
    action = db.session.get(Action, linked.id)
    assert (action.title, action.current_due_date, action.pillar.code) == (TITLE, due, "P3")
    assert [m.title for m in action.milestones] == ["Loan phones bought"]  # its milestones are the force's


def test_an_import_may_change_what_the_force_owns_on_a_linked_action(linked, manager):
    owner = factories.create_user("action_owner", name="Olive Owner", email="olive.owner@example.police.uk")
    report = _check(sheets.filled_template(actions=[
        sheets.action("NC-01", owner.email, title=TITLE, priority="Low")]), manager)
    assert report.ok and _warnings(report) == []
    assert [(i.op, sorted(i.changes)) for i in report.items] == [("update", ["Owner", "Priority"])]
    imports.apply(db.session, factories.force(), report, actor=manager, create_owners=False)
    db.session.commit()
    assert (db.session.get(Action, linked.id).owner_id, db.session.get(Action, linked.id).priority) == (
        owner.id, "low")


def test_the_import_writer_is_refused_by_the_service_too(linked, manager):
    """Were the check to miss a row, the plan service still refuses it: the import fails, nothing is written."""
    report = _check(sheets.filled_template(actions=[sheets.action("NC-01", manager.email, title=TITLE)]), manager)
    item = report.items[0]
    item.op, item.values["title"] = "update", "Renamed behind the check's back"
    with pytest.raises(imports.ImportFailed, match="its title is set by the national team"):
        imports.apply(db.session, factories.force(), report, actor=manager, create_owners=False)
    db.session.rollback()
    assert db.session.get(Action, linked.id).title == TITLE
