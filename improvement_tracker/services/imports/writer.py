"""Writing a checked import: every row through the same services the pages use, all or nothing.

Going through the plan services means imported rows obey the same rules and leave the same
audit events as rows typed in by hand; one ``plan.imported`` event then records the file,
its SHA-256 and what it did. If a service still refuses a row, ``ImportFailed`` names the
row and the caller rolls back: nothing is written unless everything is. The caller commits.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker.models import Action, DeepDive, Finding, Force, ProgressUpdate, User
from improvement_tracker.models._types import utcnow
from improvement_tracker.services import audit, milestones, plans, users
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.imports.cells import fold
from improvement_tracker.services.imports.columns import SHEETS_BY_KIND
from improvement_tracker.services.imports.report import Found, ImportReport, Item, Problem
from improvement_tracker.services.status import STATUS_LABELS


class ImportFailed(ValueError):
    """A rule refused a row while writing: the caller rolls back."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class _CommandLine:
    """The actor of a command-line import run without --as: recorded as "System" (no user)."""

    id = None


def apply(session: Session, force: Force, report: ImportReport, *, actor: User | None,
          create_owners: bool) -> dict[str, int]:
    """Write a clean report through the plan services. The caller commits, or rolls back on error."""
    if not report.ok:
        raise ValueError("an import with problems cannot be applied")
    if report.new_owners and not create_owners:
        raise ServiceError("Some owners are not users yet: confirm that they should be created")
    writer = _Writer(session, force, actor, report)
    # Every service flushes what it creates, so its own checks see earlier rows; turning off the
    # flush before each query only lets the audit events ride along with those flushes.
    with session.no_autoflush:
        writer.owners()
        for item in report.items:
            try:
                writer.write(item)
            except ServiceError as error:
                heading = ""
                if error.field:
                    spec = SHEETS_BY_KIND[item.kind]
                    heading = next((c.heading for c in spec.columns if c.key == error.field), "")
                raise ImportFailed(Problem(item.sheet, item.row, "", heading, error.message)) from None
    counts = {f"{item.kind}_{item.op}": 0 for item in report.items}
    for item in report.items:
        counts[f"{item.kind}_{item.op}"] += 1
    audit.record(
        session, actor, "plan.imported", "force", force.id, force_id=force.id,
        changes={"file": [None, report.filename], "sha256": [None, report.sha256],
                 "rows": [None, report.rows_read], "result": [None, report.summary()],
                 "owners_created": [None, ", ".join(o.email for o in report.new_owners) or None]},
        summary=f"Imported {report.filename}: {report.summary()}",
    )
    session.flush()
    return counts


class _Writer:
    """Writes each item through the plan services, in the order deep dives, findings, actions, milestones."""

    def __init__(self, session: Session, force: Force, actor: User | None, report: ImportReport):
        self.session = session
        self.force = force
        self.actor = actor
        self.report = report
        # Everything this import touched, by folded reference or title, for the rows that point at it.
        self.deep_dive_by_key: dict[str, DeepDive] = {}
        self.finding_by_key: dict[str, Finding] = {}
        self.action_by_key: dict[str, Action] = {}
        self.owner_ids = {u.email.lower(): u.id for u in session.scalars(
            select(User).where(User.force_id == force.id))}
        self.reason = f"Changed by the spreadsheet import of {report.filename}"[:2000]

    def owners(self) -> None:
        if not self.report.new_owners:
            return
        # Nobody is told this password, so the account cannot be used until an administrator sets one.
        password = secrets.token_urlsafe(32)
        password_hash = users.hash_password(password)
        for owner in self.report.new_owners:
            user = users.create_user(self.session, email=owner.email, name=owner.name, role="action_owner",
                                     force_code=self.force.code, password=password, actor=self.actor,
                                     password_hash=password_hash)
            self.owner_ids[user.email.lower()] = user.id

    def write(self, item: Item) -> None:
        {"deep_dives": self.deep_dive, "findings": self.finding, "actions": self.action,
         "milestones": self.milestone}[item.kind](item)

    def _get(self, model, found: Found, written: dict[str, Any]):
        if found.key in written:
            return written[found.key]
        return self.session.get(model, found.existing_id)

    def deep_dive(self, item: Item) -> None:
        v = item.values
        existing = self.session.get(DeepDive, item.existing_id) if item.existing_id else None
        if item.op == "unchanged":
            self.deep_dive_by_key[fold(v["title"])] = existing
            return
        fields = plans.DeepDiveFields(
            title=v["title"],
            period=_keep(existing.period if existing else None, v["period"]),
            lead=_keep(existing.lead if existing else None, v["lead"]),
            summary=_keep(existing.summary if existing else "", v["summary"]),
        )
        deep_dive = plans.save_deep_dive(self.session, self.force, fields, actor=self.actor, deep_dive=existing)
        self.deep_dive_by_key[fold(v["title"])] = deep_dive

    def finding(self, item: Item) -> None:
        v = item.values
        existing = self.session.get(Finding, item.existing_id) if item.existing_id else None
        key = fold(v["reference"])
        if item.op == "unchanged":
            self.finding_by_key[key] = existing
            return
        deep_dive = existing.deep_dive if existing else self._get(DeepDive, v["deep_dive"], self.deep_dive_by_key)
        fields = plans.FindingFields(
            pillar_id=v["pillar_id"], reference=v["reference"], type=v["type"], title=v["title"],
            detail=_keep(existing.detail if existing else "", v["detail"]),
            priority=_keep(existing.priority if existing else "medium", v["priority"]),
        )
        self.finding_by_key[key] = plans.save_finding(self.session, deep_dive, fields, actor=self.actor,
                                                      finding=existing)

    def action(self, item: Item) -> None:
        v = item.values
        key = fold(v["reference"])
        if item.op == "create":
            self.action_by_key[key] = self._create_action(v)
            return
        action = self.session.get(Action, item.existing_id)
        self.action_by_key[key] = action
        if item.op == "unchanged":
            return
        fields = plans.ActionFields(
            reference=action.reference,
            title=v["title"],
            pillar_id=_keep(action.pillar_id, v["pillar_id"]),
            owner_id=self.owner_ids[v["owner"]],
            priority=_keep(action.priority, v["priority"]),
            description=_keep(action.description, v["description"]),
            success_measure=_keep(action.success_measure, v["success_measure"]),
            start_date=_keep(action.start_date, v["start_date"]),
        )
        new_due = v["due_date"]
        due_first = (new_due is not None and new_due != action.current_due_date and fields.start_date is not None
                     and action.current_due_date is not None and fields.start_date > action.current_due_date)
        if due_first:
            self._move_due_date(action, new_due)
        plans.update_action(self.session, action, fields, actor=self.actor)
        if not due_first and new_due is not None and new_due != action.current_due_date:
            self._move_due_date(action, new_due)

    def _move_due_date(self, action: Action, new_due: date) -> None:
        # change_due_date records who moved the date; from the command line without --as that is nobody.
        actor = self.actor if self.actor is not None else _CommandLine()
        plans.change_due_date(self.session, action, new_due, self.reason, actor=actor)  # type: ignore[arg-type]

    def _create_action(self, v: dict[str, Any]) -> Action:
        finding = self._get(Finding, v["finding"], self.finding_by_key) if v["finding"] else None
        fields = plans.ActionFields(
            reference=v["reference"], title=v["title"], pillar_id=v["pillar_id"],
            owner_id=self.owner_ids[v["owner"]], priority=v["priority"] or "medium",
            description=v["description"] or "", success_measure=v["success_measure"] or "",
            start_date=v["start_date"],
        )
        action = plans.create_action(self.session, self.force, fields, due_date=v["due_date"], actor=self.actor,
                                     finding=finding)
        status = v["status"]
        if status != "not_started":
            # Where the work already stands, brought over from the spreadsheet, with its own audit event.
            old = action.status
            action.status = status
            action.status_reason = v["status_reason"]
            action.completed_date = v["completed_date"] if status == "complete" else None
            now = utcnow()
            text = f"Imported from {self.report.filename} as {STATUS_LABELS[status].lower()}."
            if v["status_reason"]:
                text += f" {v['status_reason']}"
            self.session.add(ProgressUpdate(action_id=action.id, author_id=self.actor.id if self.actor else None,
                                            text=text, status_from=old, status_to=status, created_at=now))
            action.last_update_at = now
            changes = {"status": [old, status]}
            if v["status_reason"]:
                changes["status_reason"] = [None, v["status_reason"]]
            if action.completed_date:
                changes["completed_date"] = [None, action.completed_date.isoformat()]
            audit.record(self.session, self.actor, "action.status_imported", "action", action.id, changes=changes,
                         force_id=action.force_id, action_id=action.id,
                         summary=f"Imported as {STATUS_LABELS[status].lower()}: {action.reference}")
        return action

    def milestone(self, item: Item) -> None:
        v = item.values
        action = self._get(Action, v["action"], self.action_by_key)
        if item.op == "update":
            milestone = next(m for m in action.milestones if m.id == item.existing_id)
            milestones.update(self.session, milestone, milestone.title, v["due_date"], actor=self.actor)
            return
        if item.op == "unchanged":
            return
        milestone = milestones.add(self.session, action, v["title"], v["due_date"], actor=self.actor)
        if v["completed_date"]:
            milestone.completed_date = v["completed_date"]
            audit.record(self.session, self.actor, "milestone.completed", "milestone", milestone.id,
                         changes={"completed_date": [None, v["completed_date"].isoformat()]},
                         force_id=action.force_id, action_id=action.id,
                         summary=f"Imported as done: milestone on {action.reference}")


def _keep(current: Any, value: Any) -> Any:
    """A blank cell keeps what is there."""
    return current if value is None else value
