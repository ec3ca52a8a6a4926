"""The plan workbook the import benchmarks upload: one deep dive, its findings across the six
pillars, five actions for each finding and milestones spread over the actions, in the import
template's four sheets (written by openpyxl, as a user's spreadsheet would be)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta

ACTIONS_PER_FINDING = 5


def plan_workbook(owner_emails: list[str], *, deep_dive: str, period: str, prefix: str, findings: int,
                  milestones: int, start: date, due: Callable[[int], date | str],
                  finding_title: str = "Finding {}", first_milestone_day: int = 0) -> bytes:
    """XLSX bytes; ``due(n)`` is the due date of each finding's n-th action (a date, or text as typed)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    dives = book.create_sheet("Deep dives")
    dives.append(["Title", "Period", "Lead", "Summary"])
    dives.append([deep_dive, period, "Academic team", "A large plan"])
    finding_sheet = book.create_sheet("Findings")
    finding_sheet.append(["Reference", "Deep dive", "Pillar", "Type", "Title", "Detail", "Priority"])
    action_sheet = book.create_sheet("Actions")
    action_sheet.append(["Reference", "Finding", "Pillar", "Title", "Description", "Success measure", "Owner email",
                         "Owner name", "Priority", "Status", "Status reason", "Start date", "Due date",
                         "Completed date"])
    milestone_sheet = book.create_sheet("Milestones")
    milestone_sheet.append(["Action reference", "Milestone", "Due date", "Completed date"])
    action_refs = []
    for f in range(findings):
        pillar = f"P{f % 6 + 1}"
        ref = f"{prefix}-{pillar}-{f:03d}"
        finding_sheet.append([ref, deep_dive, pillar, "Cause of concern", finding_title.format(f), "Detail " * 20,
                              "High"])
        for a in range(ACTIONS_PER_FINDING):
            action_ref = f"{ref}-{chr(65 + a)}"
            action_refs.append(action_ref)
            action_sheet.append([action_ref, ref, None, f"Action {action_ref}", "What will be done " * 10,
                                 "What done looks like", owner_emails[(f + a) % len(owner_emails)], None, "Medium",
                                 "In progress", None, start, due(a), None])
    for m in range(milestones):
        milestone_sheet.append([action_refs[m % len(action_refs)], f"Milestone {m}",
                                start + timedelta(days=m % 300 + first_milestone_day), None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
