"""Each generated force's plan: one deep dive, findings across the pillars, and actions spread
over the findings, each heading for a status weighted by whether its due date has passed.

References carry the seed (``G<seed>-P1-01-A``), so two seeds' plans sit side by side.
"""

from __future__ import annotations

from improvement_tracker.demo.national_history import SUBJECTS, EvidenceItem, PlannedAction, write_actions
from improvement_tracker.demo.national_rows import Generation, insert_rows
from improvement_tracker.models import DeepDive, Finding, Force, Pillar

FINDING_TYPES = ("cause_of_concern", "recommendation", "area_for_improvement", "promising_practice")
VERBS = ("Introduce", "Review", "Train", "Embed", "Audit", "Publish", "Agree", "Pilot", "Refresh", "Extend")
# How the plan stands by now, for actions whose due date has passed and for those still to come.
STATUS_WEIGHTS = {
    "past": {"complete": 55, "in_progress": 20, "awaiting_sign_off": 6, "blocked": 6, "not_started": 5,
             "closed_not_needed": 8},
    "future": {"complete": 12, "in_progress": 50, "awaiting_sign_off": 7, "blocked": 6, "not_started": 18,
               "closed_not_needed": 7},
}


def write_plans(gen: Generation, forces: list[Force], pillars: list[Pillar], people: dict,
                actions_per_force: int) -> list[EvidenceItem]:
    """Each force's deep dive and findings, then its actions spread over them, with their history.

    Returns the evidence to upload (the evidence phase), in the order the history decided it.
    """
    rng = gen.rng
    findings_per_force = max(1, actions_per_force // 5)
    dive_rows, finding_rows, finding_meta = [], [], []
    for force in forces:
        team = people["forces"][force.id]
        recorded = -365 + rng.randint(0, 45)
        at = gen.moment(recorded)
        dive_rows.append({"force_id": force.id, "title": "Operation Soteria deep dive",
                          "period": "2024 to 2025", "lead": "National Operating Model academic team",
                          "summary": f"Findings of the deep dive into rape investigation in {force.name}.",
                          "created_at": at, "updated_at": at, "_pm": team["pm"], "_recorded": recorded})
    dive_ids = insert_rows(gen.session, DeepDive, [_public(r) for r in dive_rows], ids=True)
    for force, dive, dive_id in zip(forces, dive_rows, dive_ids, strict=True):
        gen.event(dive["_pm"], "deep_dive.created", "deep_dive", dive_id, dive["created_at"], force_id=force.id,
                  summary=f"Recorded deep dive {dive['title']}", changes={"title": [None, dive["title"]]})
        numbers: dict[str, int] = {}
        for n in range(findings_per_force):
            pillar = pillars[n % len(pillars)] if n < len(pillars) else rng.choice(pillars)
            numbers[pillar.code] = numbers.get(pillar.code, 0) + 1
            reference = f"G{gen.seed}-{pillar.code}-{numbers[pillar.code]:02d}"
            at = gen.moment(dive["_recorded"] + rng.randint(0, 5))
            finding_rows.append({
                "deep_dive_id": dive_id, "force_id": force.id, "pillar_id": pillar.id, "reference": reference,
                "type": rng.choice(FINDING_TYPES), "title": f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)}",
                "detail": "The deep dive found practice that varied between teams. " * 3,
                "priority": rng.choice(("high", "medium", "medium", "low")), "created_at": at, "updated_at": at})
            finding_meta.append((force, dive["_recorded"], people["forces"][force.id]))
    finding_ids = insert_rows(gen.session, Finding, finding_rows, ids=True)
    for row, finding_id, (force, _, team) in zip(finding_rows, finding_ids, finding_meta, strict=True):
        gen.event(team["pm"], "finding.created", "finding", finding_id, row["created_at"], force_id=force.id,
                  summary=f"Recorded finding {row['reference']}",
                  changes={"reference": [None, row["reference"]], "title": [None, row["title"]]})

    # Spread each force's actions over its findings: five each, the remainder on the first.
    plans: list[PlannedAction] = []
    per_force: dict[int, list[int]] = {}
    for index, (force, _, _) in enumerate(finding_meta):
        per_force.setdefault(force.id, []).append(index)
    for force in forces:
        indexes = per_force[force.id]
        shares = [actions_per_force // len(indexes)] * len(indexes)
        shares[0] += actions_per_force - sum(shares)
        for index, share in zip(indexes, shares, strict=True):
            row, (_, recorded, team) = finding_rows[index], finding_meta[index]
            for letter in range(share):
                plans.append(plan_action(gen, force, row, finding_ids[index], letter, recorded, team))
    return write_actions(gen, plans)

def plan_action(gen: Generation, force: Force, finding: dict, finding_id: int, letter: int, recorded: int,
                team: dict) -> PlannedAction:
    """One action of a finding: its dates, owner, and the status it will have reached by today."""
    rng = gen.rng
    created = min(recorded + rng.randint(5, 200), -8)
    start = created + rng.randint(0, 14)
    original_due = start + rng.randint(60, 420)
    due = original_due
    replan_at = None
    if rng.random() < 0.15:
        replan_at = min(rng.randint(created + 1, max(created + 1, original_due + 10)), -2)
        due = original_due + rng.randint(14, 120)
    weights = STATUS_WEIGHTS["past" if due < 0 else "future"]
    target = rng.choices(list(weights), weights=list(weights.values()))[0]
    if created > -30 and target != "not_started" and rng.random() < 0.6:
        target = "not_started"
    suffix = chr(ord("A") + letter % 26) + ("" if letter < 26 else str(letter // 26))
    owner = rng.choice(team["owners"])
    return PlannedAction(
        row={"force_id": force.id, "finding_id": finding_id, "pillar_id": finding["pillar_id"],
             "reference": f"{finding['reference']}-{suffix}",
             "title": f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)}",
             "description": "What the force will do, who is involved and how it will be resourced. " * 2,
             "success_measure": "A dip sample shows the new practice in at least 90% of cases.",
             "owner_id": owner, "priority": rng.choice(("high", "medium", "medium", "low")),
             "status": "not_started", "status_reason": None, "start_date": gen.day(start),
             "original_due_date": gen.day(original_due), "current_due_date": gen.day(due),
             "completed_date": None, "signed_off_by_id": None, "declared_rag": None,
             "declared_rag_reason": None, "declared_rag_by_id": None, "declared_rag_at": None,
             "assigned_at": gen.moment(created, 0), "last_update_at": gen.moment(created, 0),
             "created_at": gen.moment(created, 0), "updated_at": gen.moment(created, 0)},
        target=target, created=created, start=start, due=due, original_due=original_due,
        replan_at=replan_at, owner=owner, pm=team["pm"])


def _public(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}
