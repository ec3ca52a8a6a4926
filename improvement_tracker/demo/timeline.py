"""When each thing happens to one demo action: its life played out in days relative to today.

A scenario (complete, overdue, re-planned, blocked...) and the action's template give the
start and due dates, the milestones' due dates, and the dated steps the builder plays through
the services: starting, updates, milestones done, re-plans, a declared RAG, asking for sign-off,
signing off, blocking or closing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from improvement_tracker.demo.content import ActionTemplate
from improvement_tracker.demo.notes import (
    BLOCK_ESCALATIONS,
    BLOCK_REASONS,
    CLOSE_REASONS,
    DECLARED,
    EARLY,
    LATE,
    MIDDLE,
    NOT_STARTED,
    NUDGES,
    REPLAN_REASONS,
    REQUEST_NOTES,
    SIGN_OFF_NOTES,
    SLIPPING,
    START_NOTES,
)


@dataclass
class Step:
    day: int  # days from today (negative: in the past)
    kind: str
    payload: object = None


# Same-day steps of one action happen in this order.
STEP_ORDER = {"create": 0, "start": 1, "replan": 2, "milestone": 3, "update": 4, "pm_update": 5,
          "declare": 6, "request": 7, "block": 8, "sign_off": 9, "close": 10}


@dataclass
class Script:
    start: int
    due: int  # the due date the action is created with
    milestone_dues: list[int]
    steps: list[Step] = field(default_factory=list)


def _even(start: int, due: int, count: int) -> list[int]:
    return [start + round((due - start) * (i + 1) / count) for i in range(count)]


def _days(rng: random.Random, first: int, last: int, count: int) -> list[int]:
    """Up to count distinct days in [first, last], in order."""
    if last < first or count <= 0:
        return []
    return sorted(rng.sample(range(first, last + 1), min(count, last - first + 1)))


def script_for(rng: random.Random, scenario: str, created: int, template: ActionTemplate) -> Script:
    """Decide when each thing happens to one action (days relative to today)."""
    count = len(template.milestones)
    notes = list(template.notes)
    generic = [MIDDLE[i] for i in sorted(rng.sample(range(len(MIDDLE)), 3))]

    def texts(number: int, last: tuple[str, ...] | None = None) -> list[str]:
        chosen = [*notes[:1]] or [rng.choice(EARLY)]
        chosen += notes[1:] + generic
        chosen = chosen[:number]
        if last and chosen:
            chosen[-1] = rng.choice(last)
        return chosen

    if scenario == "not_started":
        start = rng.randint(7, 45)
        due = start + rng.randint(90, 180)
        script = Script(start, due, _even(start, due, count))
        script.steps.append(Step(rng.randint(-40, -2), "update", rng.choice(NOT_STARTED)))
        return script

    if scenario == "on_track":
        start = rng.randint(created + 30, -90)
        due = rng.randint(60, 200)
    elif scenario in ("complete", "awaiting", "closed"):
        start = rng.randint(created + 7, created + 45)
        due = 0  # set below
    else:
        start = rng.randint(created + 7, created + 60)
        due = 0

    replans: list[tuple[int, int]] = []  # (day, new due)
    final_steps: list[Step] = []
    done_limit: int  # milestones due before this are done, and by this day at the latest
    update_count = rng.randint(2, 4)
    last_texts: tuple[str, ...] | None = None
    keep_last_open = False

    if scenario == "complete":
        done = -rng.randint(10, 150)
        final = done + rng.randint(-5, 45)
        request = done - rng.randint(2, 10)
        due = final
        if rng.random() < 0.3:
            due = final - rng.randint(20, 60)
            if due > start + 40:
                replans.append((rng.randint(start + 10, min(due, request - 3)), final))
            else:
                due = final
        done_limit = request
        last_day = request - 1
        last_texts = LATE
        final_steps += [Step(request, "request", rng.choice(REQUEST_NOTES)),
                        Step(done, "sign_off", rng.choice(SIGN_OFF_NOTES))]
    elif scenario == "awaiting":
        request = -rng.randint(1, 12)
        final = due = rng.randint(-5, 40)
        done_limit = request
        last_day = request - 1
        last_texts = LATE
        final_steps.append(Step(request, "request", rng.choice(REQUEST_NOTES)))
    elif scenario == "overdue":
        final = due = -rng.randint(3, 60)
        last_day = -rng.randint(3, 20)
        done_limit = last_day
        keep_last_open = True
        last_texts = SLIPPING
        if rng.random() < 0.5:
            final_steps.append(Step(min(last_day + rng.randint(1, 3), -1), "pm_update", rng.choice(NUDGES)))
        if rng.random() < 0.4:
            final_steps.append(Step(-1, "declare", ("amber", DECLARED["overdue"])))
    elif scenario == "due_soon":
        final = due = rng.randint(3, 30)
        last_day = -rng.randint(1, 12)
        done_limit = last_day
    elif scenario == "stale":
        final = due = rng.randint(4, 13)
        last_day = -rng.randint(35, 70)
        done_limit = last_day
    elif scenario == "on_track":
        final = due
        last_day = -rng.randint(1, 25)
        done_limit = last_day
        if rng.random() < 0.3:
            final_steps.append(Step(-1, "declare", ("amber", DECLARED["on_track"])))
    elif scenario == "replanned":
        final = rng.randint(45, 150)
        due = rng.randint(-30, 10)
        first_move = min(due, -1) - rng.randint(10, 40)
        if rng.random() < 0.35:
            middle = due + rng.randint(15, 30)
            second_move = min(middle, -1) - rng.randint(0, 5)
            replans += [(first_move, middle), (max(second_move, first_move + 1), final)]
        else:
            replans.append((first_move + rng.randint(5, 10), final))
        last_day = -rng.randint(1, 20)
        done_limit = last_day
    elif scenario == "blocked":
        final = due = rng.randint(10, 90)
        block = -rng.randint(10, 45)
        last_day = block - 1
        done_limit = block
        final_steps.append(Step(block, "block", rng.choice(BLOCK_REASONS)))
        if rng.random() < 0.7:
            final_steps.append(Step(block + rng.randint(2, 8), "pm_update", rng.choice(BLOCK_ESCALATIONS)))
    elif scenario == "closed":
        close = -rng.randint(20, 120)
        final = due = close + rng.randint(20, 120)
        done_limit = close
        last_day = close - 1
        final_steps.append(Step(close, "close", rng.choice(CLOSE_REASONS)))
        if rng.random() < 0.5:  # closed before it ever started
            script = Script(start, due, _even(start, final, count))
            script.steps += final_steps
            return script
    else:
        raise ValueError(scenario)

    script = Script(start, due, _even(start, final, count))
    script.steps.append(Step(start, "start", rng.choice(START_NOTES)))
    for day, new_due in replans:
        script.steps.append(Step(day, "replan", (new_due, rng.choice(REPLAN_REASONS))))

    # Milestones due before the limit are done around their due date (never after the limit).
    previous = start + 1
    for index, milestone_due in enumerate(script.milestone_dues):
        last_one = index == count - 1
        if milestone_due >= done_limit and scenario not in ("complete", "awaiting"):
            break
        if keep_last_open and last_one:
            break
        day = min(max(milestone_due + rng.randint(-10, 2), previous), done_limit - 1, -1)
        previous = day
        script.steps.append(Step(day, "milestone", index))
        if rng.random() < 0.4:
            script.steps.append(Step(day, "update", f"Milestone done: {template.milestones[index]}."))

    # The newest update is on the last day of activity: recent for live actions, old for stale ones.
    update_days = [*_days(rng, start + 3, last_day - 1, update_count - 1), last_day]
    for day, text in zip(update_days, texts(len(update_days), last_texts), strict=False):
        script.steps.append(Step(day, "update", text))
    script.steps += final_steps
    return script
