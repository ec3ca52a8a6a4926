"""What an import would do, as the preview shows it and the confirmation writes it.

``check`` fills an ``ImportReport``: every row's effect on the plan (an ``Item``: create,
update or unchanged, with the changes in words), the owners it would add, and every problem
at its sheet, row and column. Nothing in a report touches the database, so a report can be
shown, compared and thrown away; ``digest`` fingerprints what confirming would do, so a plan
changed between the preview and the confirmation is noticed.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from improvement_tracker.models import Force
from improvement_tracker.services.imports.columns import SHEETS, SHEETS_BY_KIND, SheetSpec


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str  # the column letter, or "" for the sheet or the file
    heading: str
    message: str

    @property
    def place(self) -> str:
        parts = [self.sheet] if self.sheet else []
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column} ({self.heading})" if self.heading else f"column {self.column}")
        elif self.heading:
            parts.append(self.heading)
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else self.message


@dataclass
class Found:
    """Where a reference points: to a row of this file or to something already in the plan.

    An item's values hold one for the deep dive, finding or action the row names, so the
    writer can find it whether this import creates it or it is already in the plan.
    """

    source: str  # "file" or "plan"
    key: str  # the folded reference or title
    existing_id: int | None
    pillar_id: int | None
    label: str


@dataclass
class Item:
    """One row's effect on the plan."""

    kind: str  # deep_dives, findings, actions, milestones
    op: str  # create, update, unchanged
    label: str
    title: str
    sheet: str
    row: int
    pillar: str | None
    values: dict[str, Any] = field(default_factory=dict)
    existing_id: int | None = None
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class NewOwner:
    email: str
    name: str
    rows: list[str] = field(default_factory=list)


@dataclass
class SheetSummary:
    name: str
    kind: str
    rows: int

    @property
    def title(self) -> str:
        return SHEETS_BY_KIND[self.kind].title


@dataclass
class ImportReport:
    filename: str
    sha256: str
    size: int
    sheets: list[SheetSummary] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    new_owners: list[NewOwner] = field(default_factory=list)
    rows_read: int = 0
    refused: str | None = None  # the whole file was refused, and why

    @property
    def ok(self) -> bool:
        return self.refused is None and not self.errors

    def counts(self) -> list[tuple[SheetSpec, dict[str, int]]]:
        tally: dict[str, dict[str, int]] = {spec.kind: dict.fromkeys(("create", "update", "unchanged"), 0)
                                            for spec in SHEETS}
        for item in self.items:
            tally[item.kind][item.op] += 1
        return [(spec, tally[spec.kind]) for spec in SHEETS if any(tally[spec.kind].values())]

    def by_pillar(self) -> list[tuple[str, dict[str, int]]]:
        table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for item in self.items:
            if item.pillar and item.op != "unchanged" and item.kind != "deep_dives":
                table[item.pillar][f"{item.kind}_{item.op}"] += 1
        return sorted(table.items())

    @property
    def changing(self) -> list[Item]:
        return [item for item in self.items if item.op != "unchanged"]

    @property
    def digest(self) -> str:
        """Fingerprint of what confirming would do: it must not change between preview and confirm."""
        body = json.dumps({
            "sha256": self.sha256,
            "items": [(i.kind, i.op, i.label, sorted(i.changes.items())) for i in self.items],
            "owners": sorted(o.email for o in self.new_owners),
        }, sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()

    def summary(self) -> str:
        parts = []
        for spec, counts in self.counts():
            nouns = f"{spec.noun}s"
            bits = [f"{counts[op]} {word}" for op, word in (("create", "created"), ("update", "updated"))
                    if counts[op]]
            if bits:
                parts.append(f"{nouns}: {', '.join(bits)}")
        return "; ".join(parts) or "nothing to change"


# --- the report as text (the command line) ----------------------------------------------

def report_lines(report: ImportReport, force: Force) -> list[str]:
    lines = [f"Checked {report.filename} ({report.size:,} bytes, SHA-256 {report.sha256}) for {force.name}"]
    if report.sheets:
        read = ", ".join(f"{s.name} as {s.title.lower()} ({s.rows:,} row{'s' if s.rows != 1 else ''})"
                         for s in report.sheets)
        lines.append(f"Sheets read: {read}")
    if report.refused is None:
        for spec, counts in report.counts():
            lines.append(f"{spec.title}: {counts['create']} to create, {counts['update']} to update, "
                         f"{counts['unchanged']} unchanged")
        for item in report.changing:
            if item.op == "update":
                changed = "; ".join(f"{label}: {old} -> {new}" for label, (old, new) in item.changes.items())
                lines.append(f"  update {item.label} ({item.sheet} row {item.row}): {changed}")
    if report.new_owners:
        lines.append("New action owners (not users yet):")
        lines += [f"  {o.email} ({o.name}), used on {', '.join(o.rows[:5])}"
                  f"{f' and {len(o.rows) - 5} more' if len(o.rows) > 5 else ''}" for o in report.new_owners]
    if report.warnings:
        lines.append(f"Warnings ({len(report.warnings)}):")
        lines += [f"  {problem}" for problem in report.warnings]
    if report.errors:
        lines.append(f"Problems ({len(report.errors)}):")
        lines += [f"  {problem}" for problem in report.errors]
    return lines
