"""The sheets an import reads, and their columns: the one list the checks, the reading and the template share.

Each column names its key, the heading the template writes, the note under the heading, and
the other headings people give it in their own spreadsheets (``aliases``), so a plan kept in
a force's own layout is still read. The template is made from this list, so the two never
drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

# Columns whose text keeps its line breaks; in every other column runs of spaces and breaks
# become one space.
NEWLINE_FIELDS = {"summary", "detail", "description", "success_measure", "status_reason"}


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    note: str
    required: bool = False  # the column must be present and every row must fill it
    kind: str = "text"  # text, date, email, pillar, type, priority, status
    max_length: int | None = None
    aliases: tuple[str, ...] = ()
    width: int = 18
    missing: str = ""  # the message for an empty required cell, when "Enter a <heading>" reads badly


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    title: str
    noun: str
    columns: tuple[Column, ...]
    sheet_names: tuple[str, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def required_keys(self) -> set[str]:
        return {c.key for c in self.columns if c.required}


def _date_column(key: str, heading: str, note: str, aliases: tuple[str, ...] = ()) -> Column:
    return Column(key, heading, note, kind="date", aliases=aliases, width=14)


DEEP_DIVES = SheetSpec("deep_dives", "Deep dives", "deep dive", (
    Column("title", "Title", "Required. The deep dive's name, like Operation Soteria deep dive. "
           "Findings name it in their Deep dive column.", required=True, max_length=200,
           aliases=("deep dive", "deep dive title", "name"), width=40),
    Column("period", "Period", "Required. When it ran, like January to June 2022.", required=True,
           max_length=100, aliases=("dates", "when"), width=24),
    Column("lead", "Lead", "Required. The academic team or person who led it.", required=True,
           max_length=200, aliases=("led by", "deep dive lead"), width=30),
    Column("summary", "Summary", "Optional.", max_length=10000, aliases=("description",), width=60),
), ("deep dives", "deep dive", "deepdives"))

FINDINGS = SheetSpec("findings", "Findings", "finding", (
    Column("reference", "Reference", "Required. Unique in your force, like AS-P1-03. A finding with this "
           "reference already in your plan is updated.", required=True, max_length=40,
           aliases=("ref", "finding reference", "finding ref", "id"), width=14),
    Column("deep_dive", "Deep dive", "Required. The title of a deep dive on the Deep dives sheet or "
           "already in your plan.", required=True, max_length=200, aliases=("deep dive title", "source"),
           width=30),
    Column("pillar", "Pillar", "Required. P1 to P6.", required=True, kind="pillar",
           aliases=("nom pillar", "pillar code"), width=10),
    Column("type", "Type", "Required. Cause of concern, Recommendation, Area for improvement or "
           "Promising practice.", required=True, kind="type", aliases=("finding type", "category"), width=24),
    Column("title", "Title", "Required. 200 characters or fewer.", required=True, max_length=200,
           aliases=("finding", "finding title"), width=50),
    Column("detail", "Detail", "Optional.", max_length=10000, aliases=("details", "description"), width=60),
    Column("priority", "Priority", "Optional. High, Medium or Low (Medium if blank).", kind="priority",
           width=10),
), ("findings", "finding"))

ACTIONS = SheetSpec("actions", "Actions", "action", (
    Column("reference", "Reference", "Required. Unique in your force, like AS-P1-03-A. An action with this "
           "reference already in your plan is updated.", required=True, max_length=40,
           aliases=("ref", "action reference", "action ref", "action id", "id"), width=14),
    Column("finding", "Finding", "Optional. The reference of the finding this action answers, on the "
           "Findings sheet or already in your plan.", max_length=40,
           aliases=("finding reference", "finding ref"), width=14),
    Column("pillar", "Pillar", "Required unless the action has a finding (it then takes the finding's "
           "pillar). P1 to P6.", kind="pillar", aliases=("nom pillar", "pillar code"), width=10),
    Column("title", "Title", "Required. 200 characters or fewer.", required=True, max_length=200,
           aliases=("action", "action title"), width=50),
    Column("description", "Description", "Optional. What will be done.", max_length=10000,
           aliases=("what will be done", "detail", "details"), width=50),
    Column("success_measure", "Success measure", "Optional. What done looks like.", max_length=5000,
           aliases=("what done looks like", "measure of success", "success criteria"), width=40),
    Column("owner_email", "Owner email", "Required. The owner's email address. Someone who is not yet a "
           "user can be added as an action owner when you confirm the import.", required=True,
           kind="email", max_length=254,
           aliases=("owner", "owner e mail", "action owner", "action owner email", "email"), width=32),
    Column("owner_name", "Owner name", "Optional. Used only to name an owner who is added as a new user.",
           max_length=120, aliases=("action owner name",), width=24),
    Column("priority", "Priority", "Optional. High, Medium or Low (Medium if blank).", kind="priority",
           width=10),
    Column("status", "Status", "Optional. Not started if blank. Used for new actions only: an action "
           "already in your plan changes status on its own page.", kind="status", width=20),
    Column("status_reason", "Status reason", "Required if the status is Blocked or Closed – not needed.",
           max_length=2000, aliases=("reason", "blocked reason"), width=30),
    _date_column("start_date", "Start date", "Optional. A date, like 01/04/2026.", ("start",)),
    _date_column("due_date", "Due date", "Optional. On or after the start date. A later change keeps the "
                 "old date in the action's re-plan history.", ("due", "target date", "deadline")),
    _date_column("completed_date", "Completed date", "Required if the status is Complete (new actions "
                 "only).", ("completed", "date completed", "completion date")),
), ("actions", "action", "action plan", "improvement actions"))

MILESTONES = SheetSpec("milestones", "Milestones", "milestone", (
    Column("action_reference", "Action reference", "Required. The reference of the action, on the Actions "
           "sheet or already in your plan.", required=True, max_length=40,
           aliases=("action", "action ref"), width=16),
    Column("title", "Milestone", "Required. 200 characters or fewer. A milestone with this title on the "
           "same action is updated.", required=True, max_length=200,
           aliases=("title", "milestone title"), width=50, missing="Enter what the milestone is"),
    _date_column("due_date", "Due date", "Optional. A date, like 30/06/2026.", ("due", "target date")),
    _date_column("completed_date", "Completed date", "Optional. For new milestones that are already done.",
                 ("completed", "date completed", "done")),
), ("milestones", "milestone"))

SHEETS: tuple[SheetSpec, ...] = (DEEP_DIVES, FINDINGS, ACTIONS, MILESTONES)
SHEETS_BY_KIND = {spec.kind: spec for spec in SHEETS}
# Sheets of the template that hold no plan rows: skipped without a warning.
GUIDANCE_SHEETS = ("guidance", "read me", "readme", "instructions", "lists")
# The sheet names in the addresses of the CSV templates, and the sheet each one is.
KIND_SLUGS = {"deep-dives": "deep_dives", "findings": "findings", "actions": "actions",
              "milestones": "milestones"}
