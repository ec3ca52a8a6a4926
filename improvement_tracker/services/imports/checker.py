"""Checking a file against the force's plan: what it would create or update, and every problem, writing nothing.

The checks come before any writing so the preview can show every problem at once, each at
its sheet, row and column. The sheets are checked in the order deep dives, findings,
actions, milestones, so a row that points at another row of the same file (an action at a
finding on the Findings sheet) finds it, as it finds what is already in the plan.

Rules an import keeps:
- Rows are matched to the plan by reference (deep dives by title, milestones by their action
  and title), case-insensitively: a second import updates them instead of duplicating them.
- Nothing is deleted, and a blank cell leaves the current value alone.
- Status and completion of things already in the plan belong to the people doing the work
  (and to four-eyes sign-off): an import sets them only on what it creates.
- An owner email that is not a user anywhere can become a new action owner when the person
  importing confirms it; one that belongs to another force, or to a deactivated account, is
  an error.
- A row that would create, re-date or change what the national team set on a national commitment's
  linked action is left out whole and reported (imports.national).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from improvement_tracker.models import Action, DeepDive, Finding, Force, Pillar, User
from improvement_tracker.services import clock, plan_rules, users
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.imports.cells import (
    PRIORITY_CHOICES,
    STATUS_CHOICES,
    TYPE_CHOICES,
    cell_text,
    fold,
    label_key,
    show,
)
from improvement_tracker.services.imports.national import NationalRows
from improvement_tracker.services.imports.report import Found, ImportReport, Item, NewOwner, Problem, SheetSummary
from improvement_tracker.services.imports.row import Row
from improvement_tracker.services.imports.sheets import ParsedFile, read
from improvement_tracker.services.imports.workbook import FileRefused
from improvement_tracker.services.lookups import which_exist
from improvement_tracker.services.plans import FINDING_TYPE_LABELS, PRIORITY_LABELS
from improvement_tracker.services.status import STATUS_LABELS


class _Checker:
    def __init__(self, session: Session, force: Force, parsed: ParsedFile, actor: User | None):
        self.session = session
        self.force = force
        self.parsed = parsed
        self.actor = actor
        self.epoch = parsed.epoch
        self.errors: list[Problem] = list(parsed.errors)
        self.warnings: list[Problem] = list(parsed.warnings)
        self.items: list[Item] = []
        self.today = clock.today()

        self.pillars = list(session.scalars(select(Pillar).order_by(Pillar.display_order)))
        self.pillar_by_id = {p.id: p for p in self.pillars}
        self.pillar_choices = self._pillar_choices()
        self.deep_dives: dict[str, list[DeepDive]] = defaultdict(list)
        for deep_dive in session.scalars(select(DeepDive).where(DeepDive.force_id == force.id)):
            self.deep_dives[fold(deep_dive.title)].append(deep_dive)
        self.findings = self._by_reference(session.scalars(
            select(Finding).where(Finding.force_id == force.id)))
        self.actions = self._by_reference(session.scalars(
            select(Action).where(Action.force_id == force.id).options(selectinload(Action.milestones))))
        self.people = {u.email.lower(): u for u in session.scalars(select(User).where(User.force_id == force.id))}
        self.national = NationalRows(session, force.id)

        self.file_deep_dives: dict[str, Found] = {}
        self.file_findings: dict[str, Found] = {}
        self.file_actions: dict[str, Found] = {}
        self.unknown_owners: dict[str, list[tuple[Row, str | None]]] = defaultdict(list)
        self.new_owners: list[NewOwner] = []
        self.seen: dict[str, dict[str, int]] = defaultdict(dict)  # folded key -> first row, per sheet
        self.checked_emails: dict[str, str | None] = {}

    def _pillar_choices(self) -> dict[str, int]:
        mapping: dict[str, int] = {}
        for pillar in self.pillars:
            number = pillar.code.lstrip("Pp")
            for name in (pillar.code, number, pillar.name, f"{pillar.code} {pillar.name}"):
                mapping[label_key(name)] = pillar.id
        return mapping

    def _by_reference(self, rows: Iterable) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for row in rows:
            found.setdefault(fold(row.reference), row)
        return found

    # --- helpers ---

    def pillar(self, row: Row, *, required: bool) -> int | None:
        text = row.text("pillar", required=False)
        if text is None:
            if required and cell_text(row.raw("pillar")) is None:
                row.problem("pillar", "Enter the pillar, P1 to P6")
            return None
        key = label_key(text)
        pillar_id = self.pillar_choices.get(key)
        if pillar_id is None and (match := re.match(r"p?\s*(\d+)\b", key)):
            pillar_id = self.pillar_choices.get(match.group(1))
        if pillar_id is None:
            row.problem("pillar", f"'{text}' is not a pillar: use P1 to P6")
        return pillar_id

    def code(self, pillar_id: int | None) -> str | None:
        return self.pillar_by_id[pillar_id].code if pillar_id in self.pillar_by_id else None

    def duplicate(self, row: Row, key: str, seen: dict[str, int], label: str, column: str) -> bool:
        if key in seen:
            row.problem(column, f"{label} is also on row {seen[key]}: each {row.sheet.spec.noun} can be "
                        "listed only once")
            return True
        seen[key] = row.number
        return False

    def add(self, row: Row, op: str, label: str, title: str, pillar_id: int | None, values: dict,
            existing_id: int | None = None, changes: dict | None = None) -> Item:
        item = Item(row.sheet.spec.kind, op, label, title, row.sheet.name, row.number, self.code(pillar_id),
                    values, existing_id, changes or {})
        self.items.append(item)
        return item

    @staticmethod
    def diff(current: dict[str, Any], wanted: dict[str, Any], labels: dict[str, str]) -> dict[str, tuple]:
        """Fields the row would change; a blank cell (None) changes nothing."""
        return {labels[key]: (show(current[key]), show(value)) for key, value in wanted.items()
                if value is not None and value != current[key]}

    # --- sheets ---

    def check(self) -> None:
        sheets = self.parsed.sheets
        for kind, method in (("deep_dives", self.deep_dive_rows), ("findings", self.finding_rows),
                             ("actions", self.action_rows), ("milestones", self.milestone_rows)):
            if kind in sheets:
                for number, cells in sheets[kind].rows:
                    method(Row(sheets[kind], number, cells, errors=self.errors, warnings=self.warnings,
                               epoch=self.epoch))
        self.resolve_owners()

    def deep_dive_rows(self, row: Row) -> None:
        title = row.text("title")
        period, lead, summary = row.text("period"), row.text("lead"), row.text("summary")
        if title is None:
            return
        key = fold(title)
        seen = self.seen["deep_dives"]
        if self.duplicate(row, key, seen, f"The deep dive '{title}'", "title"):
            return
        existing = self.deep_dives.get(key, [])
        if len(existing) > 1:
            row.problem("title", f"Your plan has {len(existing)} deep dives called '{title}': rename one of "
                        "them on its page first")
        target = existing[0] if len(existing) == 1 else None
        self.file_deep_dives[key] = Found("file", key, target.id if target else None, None, title)
        if row.failed:
            return
        values = {"title": target.title if target else title, "period": period, "lead": lead,
                  "summary": summary}
        if target is None:
            self.add(row, "create", title, period or "", None, values)
            return
        changes = self.diff({"period": target.period, "lead": target.lead, "summary": target.summary},
                            {"period": period, "lead": lead, "summary": summary},
                            {"period": "Period", "lead": "Lead", "summary": "Summary"})
        self.add(row, "update" if changes else "unchanged", target.title, period or "", None, values,
                 target.id, changes)

    def resolve_deep_dive(self, row: Row, title: str) -> Found | None:
        key = fold(title)
        if key in self.file_deep_dives:
            return self.file_deep_dives[key]
        existing = self.deep_dives.get(key, [])
        if len(existing) == 1:
            return Found("plan", key, existing[0].id, None, existing[0].title)
        if existing:
            row.problem("deep_dive", f"Your plan has {len(existing)} deep dives called '{title}': rename one "
                        "of them on its page first")
        else:
            row.problem("deep_dive", f"There is no deep dive called '{title}' on the Deep dives sheet or in "
                        "your plan")
        return None

    def finding_rows(self, row: Row) -> None:
        reference = row.text("reference")
        deep_dive_title = row.text("deep_dive")
        pillar_id = self.pillar(row, required=True)
        kind = row.choice("type", TYPE_CHOICES, "Select the type: Cause of concern, Recommendation, Area for "
                          "improvement or Promising practice", required=True)
        title, detail = row.text("title"), row.text("detail")
        priority = row.choice("priority", PRIORITY_CHOICES, "Select a priority: High, Medium or Low")
        if reference is None:
            return
        key = fold(reference)
        seen = self.seen["findings"]
        if self.duplicate(row, key, seen, f"The reference {reference}", "reference"):
            return
        existing: Finding | None = self.findings.get(key)
        self.file_findings[key] = Found("file", key, existing.id if existing else None,
                                         pillar_id or (existing.pillar_id if existing else None),
                                         existing.reference if existing else reference)
        deep_dive = self.resolve_deep_dive(row, deep_dive_title) if deep_dive_title else None
        if existing and deep_dive and deep_dive.existing_id != existing.deep_dive_id:
            row.problem("deep_dive", f"Finding {existing.reference} belongs to the deep dive "
                        f"'{existing.deep_dive.title}': an import cannot move it to another one")
        if row.failed:
            return
        values = {"deep_dive": deep_dive, "pillar_id": pillar_id, "type": kind, "title": title,
                  "detail": detail, "priority": priority}
        if existing is None:
            self.add(row, "create", reference, title, pillar_id, {**values, "reference": reference})
            return
        changes = self.diff(
            {"pillar_id": existing.pillar_id, "type": existing.type, "title": existing.title,
             "detail": existing.detail, "priority": existing.priority},
            {"pillar_id": pillar_id, "type": kind, "title": title, "detail": detail, "priority": priority},
            {"pillar_id": "Pillar", "type": "Type", "title": "Title", "detail": "Detail", "priority": "Priority"})
        changes = self._readable(changes)
        self.add(row, "update" if changes else "unchanged", existing.reference, title, pillar_id,
                 {**values, "reference": existing.reference}, existing.id, changes)

    def _readable(self, changes: dict[str, tuple]) -> dict[str, tuple]:
        """Codes in a change list as people say them: P1 not 3, Cause of concern not cause_of_concern."""
        out = {}
        for label, (old, new) in changes.items():
            if label == "Pillar":
                old, new = (self.code(int(v)) if v.isdigit() else v for v in (old, new))
            elif label == "Type":
                old, new = (FINDING_TYPE_LABELS.get(v, v) for v in (old, new))
            elif label == "Priority":
                old, new = (PRIORITY_LABELS.get(v, v) for v in (old, new))
            out[label] = (old, new)
        return out

    def resolve_finding(self, row: Row, reference: str) -> Found | None:
        return self._resolve(row, reference, self.file_findings, self.findings, "finding", "finding", "Findings")

    @staticmethod
    def _resolve(row: Row, reference: str, in_file: dict[str, Found], in_plan: dict[str, Any], column: str,
                 noun: str, sheet: str) -> Found | None:
        """A reference to a finding or action: on its sheet in this file, else already in the plan."""
        key = fold(reference)
        if key in in_file:
            return in_file[key]
        existing = in_plan.get(key)
        if existing is not None:
            return Found("plan", key, existing.id, existing.pillar_id, existing.reference)
        row.problem(column, f"There is no {noun} {reference} on the {sheet} sheet or in your plan")
        return None

    def action_rows(self, row: Row) -> None:
        reference = row.text("reference")
        finding_ref = row.text("finding")
        title = row.text("title")
        description, success = row.text("description"), row.text("success_measure")
        email, owner_name = row.text("owner_email"), row.text("owner_name")
        priority = row.choice("priority", PRIORITY_CHOICES, "Select a priority: High, Medium or Low")
        status = row.choice("status", STATUS_CHOICES, "Select a status: Not started, In progress, Awaiting "
                            "sign-off, Complete, Blocked or Closed – not needed")
        reason = row.text("status_reason")
        start, due, completed = row.date("start_date"), row.date("due_date"), row.date("completed_date")
        if reference is None:
            return
        key = fold(reference)
        seen = self.seen["actions"]
        if self.duplicate(row, key, seen, f"The reference {reference}", "reference"):
            return
        existing: Action | None = self.actions.get(key)
        if existing is None and (refusal := self.national.create_refusal(reference)):
            row.problem("reference", refusal, warning=True)
            return

        finding = self.resolve_finding(row, finding_ref) if finding_ref else None
        pillar_id = self.pillar(row, required=finding is None and finding_ref is None and existing is None)
        if finding and finding.pillar_id and pillar_id and pillar_id != finding.pillar_id:
            row.problem("pillar", f"Finding {finding.label} is in pillar {self.code(finding.pillar_id)}: leave "
                        "the pillar blank or make it the same")
        if finding:
            pillar_id = finding.pillar_id
        elif existing and existing.finding_id and pillar_id and pillar_id != existing.finding.pillar_id:
            row.problem("pillar", f"This action's finding {existing.finding.reference} is in pillar "
                        f"{self.code(existing.finding.pillar_id)}: leave the pillar blank or make it the same")
        if existing and finding and finding.existing_id != existing.finding_id:
            linked = (f"is linked to finding {existing.finding.reference}" if existing.finding
                      else "is not linked to a finding")
            row.problem("finding", f"Action {existing.reference} {linked}: an import cannot change that")

        owner = self.owner(row, email, owner_name)
        self.file_actions[key] = Found("file", key, existing.id if existing else None,
                                        pillar_id or (existing.pillar_id if existing else None),
                                        existing.reference if existing else reference)
        cells = {"title": title, "description": description, "success": success, "priority": priority,
                 "status": status, "reason": reason, "start": start, "due": due, "completed": completed}
        if existing is not None:
            self._action_update(row, existing, pillar_id, owner, cells)
        else:
            self._action_create(row, reference, pillar_id, finding, owner, cells)

    def owner(self, row: Row, email: str | None, name: str | None) -> str | None:
        """The owner's normalised email; unknown ones are settled once every row is read."""
        if email is None:
            return None
        if email.lower().startswith("mailto:"):
            email = email[7:]
        if email not in self.checked_emails:
            try:
                self.checked_emails[email] = users.check_email(email)
            except ServiceError:
                self.checked_emails[email] = None
        if self.checked_emails[email] is None:
            row.problem("owner_email", f"'{email}' is not an email address: enter one like "
                        "name@example.police.uk")
            return None
        email = self.checked_emails[email]
        person = self.people.get(email)
        if person is None:
            self.unknown_owners[email].append((row, name))
        elif not person.active:
            row.problem("owner_email", f"The account of {email} is deactivated: choose another owner, or ask "
                        "an administrator to reactivate it")
        return email

    def _dates(self, row: Row, start: date | None, due: date | None) -> None:
        if start and due and due < start:
            row.problem("due_date", "The due date must be the same as or after the start date")

    def _action_create(self, row: Row, reference: str, pillar_id, finding, owner, v: dict) -> None:
        status, reason, completed = v["status"] or "not_started", v["reason"], v["completed"]
        if finding is None and pillar_id is None and not row.failed and cell_text(row.raw("pillar")) is None:
            row.problem("pillar", "Enter the pillar, or the finding this action comes from")
        self._dates(row, v["start"], v["due"])
        if status in ("blocked", "closed_not_needed") and not reason:
            row.problem("status_reason", f"Enter why the action is {STATUS_LABELS[status].lower()}")
        elif reason and status not in ("blocked", "closed_not_needed"):
            row.problem("status_reason", "A status reason is kept only for blocked or closed actions: this one "
                        "is ignored", warning=True)
        if status == "complete":
            if completed is None:
                row.problem("completed_date", "Enter the date the action was completed")
            elif self.actor is not None and owner == self.actor.email.lower():
                row.problem("status", "You own this action, so someone else must sign it off: import it as "
                            "Awaiting sign-off")
        elif completed is not None:
            row.problem("completed_date", "A completed date is only for actions whose status is Complete")
        if completed and completed > self.today:
            row.problem("completed_date", "The completed date cannot be in the future")
        if row.failed:
            return
        self.add(row, "create", reference, v["title"], pillar_id, {
            "reference": reference, "finding": finding, "pillar_id": pillar_id, "title": v["title"],
            "description": v["description"], "success_measure": v["success"], "owner": owner,
            "priority": v["priority"], "status": status, "status_reason": reason if status in (
                "blocked", "closed_not_needed") else None,
            "start_date": v["start"], "due_date": v["due"], "completed_date": completed,
        })

    def _action_update(self, row: Row, action: Action, pillar_id, owner, v: dict) -> None:
        start, due = v["start"], v["due"]
        if due is not None and due != action.current_due_date and plan_rules.is_closed(action.status):
            row.problem("due_date", f"This action is {STATUS_LABELS[action.status].lower()}: its due date can "
                        "no longer change")
        start_after, due_after = start or action.start_date, due or action.current_due_date
        if start_after and due_after and due_after < start_after:
            row.problem("due_date" if due else "start_date",
                        "The due date must be the same as or after the start date")
        status, completed = v["status"], v["completed"]
        if (status and status != action.status) or (completed and completed != action.completed_date):
            row.problem("status", f"Not changed: this action is {STATUS_LABELS[action.status].lower()} in your "
                        "plan. Statuses of actions already in the plan change on the action's page",
                        warning=True)
        if row.failed:
            return
        pillar_change = None if action.finding_id else pillar_id
        current = {"title": action.title, "description": action.description,
                   "success_measure": action.success_measure,
                   "owner": action.owner.email.lower() if action.owner else None, "priority": action.priority,
                   "pillar_id": action.pillar_id, "start_date": action.start_date,
                   "due_date": action.current_due_date}
        wanted = {"title": v["title"], "description": v["description"], "success_measure": v["success"],
                  "owner": owner, "priority": v["priority"], "pillar_id": pillar_change, "start_date": start,
                  "due_date": due}
        changes = self._readable(self.diff(current, wanted, {
            "title": "Title", "description": "Description", "success_measure": "Success measure",
            "owner": "Owner", "priority": "Priority", "pillar_id": "Pillar", "start_date": "Start date",
            "due_date": "Due date"}))
        if refusal := self.national.update_refusal(action, changes):
            row.problem("reference", refusal, warning=True)  # the whole row is left out: nothing of it changes
            return
        self.add(row, "update" if changes else "unchanged", action.reference, v["title"],
                 pillar_change or action.pillar_id, {**wanted, "reference": action.reference}, action.id, changes)

    def resolve_action(self, row: Row, reference: str) -> Found | None:
        return self._resolve(row, reference, self.file_actions, self.actions, "action_reference", "action",
                             "Actions")

    def milestone_rows(self, row: Row) -> None:
        reference, title = row.text("action_reference"), row.text("title")
        due, completed = row.date("due_date"), row.date("completed_date")
        if reference is None or title is None:
            return
        action = self.resolve_action(row, reference)
        seen = self.seen["milestones"]
        if self.duplicate(row, f"{fold(reference)}\n{fold(title)}", seen,
                          f"The milestone '{title}' of {reference}", "title"):
            return
        if action is None:
            return
        existing = None
        if action.existing_id is not None:
            plan_action = self.actions.get(action.key)
            existing = next((m for m in plan_action.milestones if fold(m.title) == fold(title)), None)
        if completed and completed > self.today:
            row.problem("completed_date", "The completed date cannot be in the future")
        if existing and completed and existing.completed_date != completed:
            row.problem("completed_date", "Not changed: milestones already in your plan are marked done on their "
                        "action's page", warning=True)
        if row.failed:
            return
        values = {"action": action, "title": existing.title if existing else title, "due_date": due,
                  "completed_date": completed}
        label = f"{action.label}: {title}"
        if existing is None:
            self.add(row, "create", label, title, action.pillar_id, values)
            return
        changes = self.diff({"due_date": existing.due_date}, {"due_date": due}, {"due_date": "Due date"})
        self.add(row, "update" if changes else "unchanged", label, title, action.pillar_id, values, existing.id,
                 changes)

    def resolve_owners(self) -> None:
        if not self.unknown_owners:
            return
        elsewhere = which_exist(self.session, func.lower(User.email), self.unknown_owners)
        for email, uses in self.unknown_owners.items():
            if email in elsewhere:
                for row, _ in uses:
                    row.problem("owner_email", f"{email} is not a user of {self.force.name}: choose an owner "
                                "from this force")
                continue
            names = [name for _, name in uses if name]
            if len(set(names)) > 1:
                row = next(r for r, name in uses if name and name != names[0])
                row.problem("owner_name", f"{email} is named '{names[0]}' on another row: '{names[0]}' will be "
                            "used", warning=True)
            self.new_owners.append(NewOwner(email, names[0] if names else _name_from_email(email),
                                            [f"{r.sheet.name} row {r.number}" for r, _ in uses]))


def _name_from_email(email: str) -> str:
    local = email.split("@", 1)[0]
    words = [w for w in re.split(r"[._\-+]+", local) if w]
    return " ".join(w.capitalize() for w in words)[:120] or email[:120]


def check(session: Session, force: Force, data: bytes, filename: str, *, actor: User | None) -> ImportReport:
    """Read the file and compare it with the force's plan. Writes nothing."""
    report = ImportReport(filename=filename, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    try:
        parsed = read(data, filename)
    except FileRefused as refusal:
        report.refused = refusal.message
        report.errors.append(Problem("", None, "", "", refusal.message))
        return report
    checker = _Checker(session, force, parsed, actor)
    checker.check()
    report.sheets = [SheetSummary(sheet.name, sheet.spec.kind, len(sheet.rows)) for sheet in parsed.sheets.values()]
    report.rows_read = parsed.rows_read
    report.items = checker.items
    report.new_owners = checker.new_owners
    order = {sheet.name: n for n, sheet in enumerate(parsed.sheets.values())}

    def place(problem: Problem):
        return (order.get(problem.sheet, -1), problem.row or 0, len(problem.column), problem.column)

    report.errors = sorted(checker.errors, key=place)
    report.warnings = sorted(checker.warnings, key=place)
    return report
