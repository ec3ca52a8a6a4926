"""A submitted return as tables, from its frozen content only: the board paper's and the XLSX
download's figures are the version's, whatever has happened to the plan since."""

from __future__ import annotations

from typing import Any

from improvement_tracker.services import exports, return_figures
from improvement_tracker.services.returns import ASSESSMENT_LABELS, SECTION_LABELS
from improvement_tracker.services.tables import Table

WORD_FIELDS = ("reason", "progress", "risks", "help_needed")


def about(content: dict[str, Any], sha256: str) -> Table:
    table = Table("about", "About this return", ["Item", "Value"])
    period = content["period"]
    for item, value in (
        ("Force", content["force"]["name"]),
        ("Quarter", f"{period['label']} ({period['months']})"),
        ("Plan figures as at", content["as_at"]),
        ("Version", content["version"]),
        ("Reason for the correction", content.get("reason") or ""),
        ("Submitted by", content["submitted_by"]["name"]),
        ("Submitted at (UTC)", content["submitted_at"]),
        ("SHA-256 of the content", sha256),
    ):
        table.add([item, value])
    return table


def pillars(content: dict[str, Any]) -> Table:
    figure_names = return_figures.FIGURES
    table = Table("pillars", "Pillars", [
        "Pillar", "Name", SECTION_LABELS["assessment"], *(SECTION_LABELS[n] for n in WORD_FIELDS),
        *(return_figures.FIGURE_LABELS[n] for n in figure_names)],
        numeric=frozenset(range(6, 6 + len(figure_names))))
    for pillar in content["pillars"]:
        table.add([pillar["code"], pillar["name"], ASSESSMENT_LABELS.get(pillar["assessment"], ""),
                   *(pillar[n] for n in WORD_FIELDS),
                   *("" if pillar["figures"].get(n) is None else pillar["figures"].get(n) for n in figure_names)])
    totals = content["totals"]
    table.add(["All", "All pillars", "", "", "", "", "",
               *("" if totals.get(n) is None else totals.get(n) for n in figure_names)])
    return table


def completed(content: dict[str, Any]) -> Table:
    table = Table("completed", "Actions completed in the quarter", ["Reference", "Action", "Pillar", "Completed on"])
    for line in content["completed"]:
        table.add([line["reference"], line["title"], line["pillar"], line["completed_on"]])
    return table


def replanned(content: dict[str, Any]) -> Table:
    table = Table("replanned", "Due dates moved in the quarter",
                  ["Reference", "Action", "Pillar", "Was due", "Now due", "Reason", "Moved on"])
    for line in content["replanned"]:
        table.add([line["reference"], line["title"], line["pillar"], line["old_date"], line["new_date"] or "",
                   line["reason"], line["changed_on"]])
    return table


def newly_overdue(content: dict[str, Any]) -> Table:
    table = Table("newly-overdue", "Actions that became overdue in the quarter",
                  ["Reference", "Action", "Pillar", "Due"])
    for line in content["newly_overdue"]:
        table.add([line["reference"], line["title"], line["pillar"], line["due_date"] or ""])
    return table


def workbook(content: dict[str, Any], sha256: str) -> bytes:
    tables = [about(content, sha256), pillars(content), completed(content), replanned(content),
              newly_overdue(content)]
    return exports.to_workbook(tables, ["About", "Pillars", "Completed", "Re-planned", "Newly overdue"])
