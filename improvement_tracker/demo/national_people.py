"""The generated accounts: an administrator, two oversight analysts, and each force's programme
manager and action owners, all with one published password.

Emails carry the seed, so two seeds' people sit side by side.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from improvement_tracker.demo.national_rows import Generation, insert_rows
from improvement_tracker.models import Force, User
from improvement_tracker.services import users

# Published on purpose: printed by the command, which refuses to run in production.
PASSWORD = "generated password 2026"  # noqa: S105  # nosec B105  # published on purpose
DOMAIN = "generated.police.uk"


def admin_email(seed: int) -> str:
    return f"admin.s{seed}@{DOMAIN}"


def write_people(gen: Generation, forces: list[Force], owners_per_force: int) -> dict[str, Any]:
    """Insert the accounts; return the admin's id and each force's {"pm": id, "owners": [ids]}."""
    password_hash = users.hash_password(PASSWORD)  # one hash for every generated account
    created = gen.moment(-400, 0)
    rows = [{"email": admin_email(gen.seed), "name": "Generated Administrator", "role": "admin",
             "force_id": None}]
    rows += [{"email": f"oversight{n}.s{gen.seed}@{DOMAIN}", "name": f"Oversight Analyst {n}",
              "role": "oversight", "force_id": None} for n in (1, 2)]
    for force in forces:
        rows.append({"email": f"pm.{force.code}.s{gen.seed}@{DOMAIN}", "name": f"{force.name} Programme Manager",
                     "role": "programme_manager", "force_id": force.id})
        rows += [{"email": f"owner{n}.{force.code}.s{gen.seed}@{DOMAIN}",
                  "name": f"{force.name} Owner {n}", "role": "action_owner", "force_id": force.id}
                 for n in range(1, owners_per_force + 1)]
    for row in rows:
        row.update(password_hash=password_hash, session_token=secrets.token_hex(16), active=True,
                   reminders_enabled=True, weekly_summary=True, created_at=created)
    ids = insert_rows(gen.session, User, rows, ids=True)
    admin_id = ids[0]
    by_force: dict[int, dict[str, Any]] = {f.id: {"pm": None, "owners": []} for f in forces}
    for row, user_id in zip(rows, ids, strict=True):
        gen.event(admin_id, "user.created", "user", user_id, created, force_id=row["force_id"],
                  summary=f"Created account {row['email']}",
                  changes={"email": [None, row["email"]], "role": [None, row["role"]]})
        if row["role"] == "programme_manager":
            by_force[row["force_id"]]["pm"] = user_id
        elif row["role"] == "action_owner":
            by_force[row["force_id"]]["owners"].append(user_id)
    return {"admin": admin_id, "forces": by_force, "rows": rows}


def sign_ins(session: Session, seed: int) -> list[tuple[str, str]]:
    """(who, email) for the command to print: admin, oversight, and the first force's manager and owner."""
    result = [("Administrator", admin_email(seed)), ("Oversight", f"oversight1.s{seed}@{DOMAIN}")]
    first = session.scalar(select(User).where(User.role == "programme_manager",
                                              User.email.like(f"pm.%.s{seed}@{DOMAIN}")).order_by(User.email))
    if first is None:
        return result
    code = first.email.split(".")[1]
    return result + [(f"Programme manager ({first.force.name})", first.email),
                     (f"Action owner ({first.force.name})", f"owner1.{code}.s{seed}@{DOMAIN}")]
