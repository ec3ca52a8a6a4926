"""Who signs in to the demo: an administrator, an oversight user, and each pathfinder force's team.

Every demo account shares one published password, printed by ``seed-demo``; the command refuses
to run in production for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass

# Published on purpose: printed by seed-demo, and the command refuses to run in production.
DEMO_PASSWORD = "demo password 2026"  # noqa: S105  # nosec B105  # published on purpose


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    name: str
    force_code: str | None = None


ADMIN = DemoAccount("admin", "admin@demo.police.uk", "Sam Fletcher")
OVERSIGHT = DemoAccount("oversight", "oversight@demo.homeoffice.gov.uk", "Nadia Rahman")

# Programme manager, then the action owners (two in the smaller forces, three in the larger).
TEAMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "avon-and-somerset": ("Helen Marsh", ("Tom Okafor", "Rachel Hughes", "Imran Siddiqui")),
    "metropolitan-police-service": ("Grace Adeyemi", ("Liam Byrne", "Sofia Costa", "Daniel Wright")),
    "durham": ("Claire Robson", ("Mark Elliott", "Aisha Karim")),
    "west-midlands": ("Harpreet Sandhu", ("James Whitfield", "Chloe Bennett", "Yusuf Patel")),
    "south-wales": ("Rhian Evans", ("Gareth Jenkins", "Megan Price")),
}
PATHFINDERS = tuple(TEAMS)

# Which owner usually holds which pillars' actions, by the size of the team.
OWNER_AREAS = {
    2: {"P1": 0, "P2": 0, "P3": 0, "P4": 1, "P5": 1, "P6": 1},
    3: {"P1": 0, "P2": 0, "P3": 1, "P4": 1, "P5": 2, "P6": 2},
}


def accounts() -> list[DemoAccount]:
    """Every demo account, in the order of the sign-in table."""
    result = [ADMIN, OVERSIGHT]
    for code, (manager, owners) in TEAMS.items():
        result.append(DemoAccount("programme_manager", f"pm.{code}@demo.police.uk", manager, code))
        for number, owner in enumerate(owners, start=1):
            result.append(DemoAccount("action_owner", f"owner{number}.{code}@demo.police.uk", owner, code))
    return result
