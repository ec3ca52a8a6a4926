"""What the demo's people write as an action's life goes on, and which ways the lives go.

The progress notes, reasons and nudges are picked by ``timeline``; the scenarios and each
force's profile decide how many of a force's actions finish, slip, stall or are re-planned.
"""

from __future__ import annotations

# Demo sign-offs predate evidence uploads: each records why it was signed off without any.
DEMO_NO_EVIDENCE_REASON = "Evidence was checked against the force's own records before it was kept in the tracker."

EARLY = (
    "Kick-off meeting held with the working group; terms of reference agreed.",
    "Pulled together current practice and the deep dive evidence to set a baseline.",
    "Met the CPS area RASSO lead to agree how we will measure success.",
    "Scoping done: named leads in each investigation hub.",
)
MIDDLE = (  # in the order they would happen
    "Draft shared with the working group; comments due by the end of the month.",
    "Talked it through with the Federation and staff association representatives; no objections.",
    "Costs agreed with finance; funding confirmed at the chief officer group.",
    "Trying it out with one team first; early feedback is positive.",
    "Rolling out to the other teams, using the lessons from the first.",
    "Update given to the RASSO board; no concerns raised.",
)
LATE = (
    "Dip-sample of 20 cases shows the new approach in most investigations; a few gaps remain in one team.",
    "All teams briefed. Checking the results against the success measure.",
    "Results are in and meet the success measure; writing up for sign-off.",
)
SLIPPING = (
    "Behind plan: two members of the working group are on long-term sick leave. Asked for cover.",
    "Slipping: the IT change is waiting for the next release window. Chasing weekly.",
    "Behind plan: the supplier has not confirmed dates. Escalated to the head of crime.",
    "Slipping because the teams are stretched by a rise in reports; will catch up next month.",
)
NOT_STARTED = (
    "Not started yet: this follows on from the training actions. Scoping booked for next month.",
    "Holding until the new financial year's budget is confirmed.",
)
START_NOTES = ("Starting with a baseline of current practice.", "Working group set up.", "")
REQUEST_NOTES = (
    "All milestones done and the success measure met: the figures are in the last update.",
    "Done. Results summarised in the last update.",
)
SIGN_OFF_NOTES = (
    "Checked against the success measure: the dip-sample results meet the target. Signed off.",
    "Evidence reviewed with the RASSO lead; success measure met.",
)
REPLAN_REASONS = (
    "Moved to line up with the force's new operating model going live in the new financial year.",
    "The training provider cannot run the course until next quarter.",
    "IT change freeze during the records system upgrade.",
    "Waiting for the national guidance so the work is not done twice.",
)
BLOCK_REASONS = (
    "Waiting for the regional procurement: the contract award is paused until the budget is agreed.",
    "Cannot go ahead until the local authority signs the information-sharing agreement.",
    "The records system supplier cannot make the change until the upgrade is finished.",
)
BLOCK_ESCALATIONS = (
    "Escalated to the chief officer lead, who is raising it at the regional board.",
    "Raised at the RASSO board; the deputy chief constable is writing to the partner.",
)
CLOSE_REASONS = (
    "Not needed: the national learning programme now covers this, so a local version would duplicate it.",
    "Merged into another action in this plan, which covers the same work.",
)
NUDGES = (
    "Programme manager: please bring a recovery plan and a realistic date to the next RASSO board.",
    "Programme manager: discussed at the one-to-one; new dates to follow this week.",
)
DECLARED = {
    "overdue": "Recovery plan agreed at the RASSO board; the remaining work is small.",
    "on_track": "Depends on recruitment that has not yet been approved.",
}

# How each force's actions are spread across the ways an action's life can go: every force
# has the core set; the rest of its actions follow the force's profile, so forces differ
# (one further ahead, one slipping) and the national comparisons have something to show.
CORE_SCENARIOS = (
    "blocked", "closed", "complete", "complete", "awaiting", "overdue", "overdue", "due_soon", "due_soon",
    "replanned", "stale", "not_started",
)
PROFILES: dict[str, dict[str, int]] = {
    "avon-and-somerset": {"complete": 5, "awaiting": 2, "on_track": 2, "due_soon": 1, "overdue": 1},
    "metropolitan-police-service": {"overdue": 4, "replanned": 2, "on_track": 2, "complete": 1, "due_soon": 1},
    "durham": {"complete": 3, "on_track": 3, "due_soon": 2, "overdue": 1, "awaiting": 1},
    "west-midlands": {"complete": 2, "on_track": 3, "overdue": 2, "replanned": 2, "awaiting": 1},
    "south-wales": {"complete": 4, "awaiting": 2, "due_soon": 2, "on_track": 1, "stale": 1},
}

