"""What administrators change and look through: pillar labels, forces, and the users list.

Each write records one audit event with the fields that changed (old -> new). Rule
breaks raise ServiceError naming the form field they belong next to. Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from improvement_tracker.models import Force, Pillar, User
from improvement_tracker.models.reference import COHORTS, COUNTRIES
from improvement_tracker.models.users import ROLES
from improvement_tracker.services import audit, commitment_members
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.reference_data import slugify

MAX_NAME_LENGTH = 120
MAX_DESCRIPTION_LENGTH = 2000
MAX_CODE_LENGTH = 64


def _required_name(name: str, message: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError(message, "name")
    if len(name) > MAX_NAME_LENGTH:
        raise ServiceError(f"Name must be {MAX_NAME_LENGTH} characters or fewer", "name")
    return name


# --- pillars ----------------------------------------------------------------------------

def pillars(session: Session) -> list[Pillar]:
    return list(session.scalars(select(Pillar).order_by(Pillar.display_order)))


def pillar_by_code(session: Session, code: str) -> Pillar | None:
    return session.scalar(select(Pillar).where(Pillar.code == code))


def update_pillar(session: Session, pillar: Pillar, *, name: str, description: str, actor: User) -> dict:
    """Relabel a pillar. Its code (P1-P6) and order never change: findings and reports rely on them."""
    name = _required_name(name, "Enter the pillar's name")
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ServiceError(f"Description must be {MAX_DESCRIPTION_LENGTH} characters or fewer", "description")
    changes = audit.apply_changes(pillar, {"name": name, "description": description})
    if changes:
        audit.record(session, actor, "pillar.updated", "pillar", pillar.id, changes=changes,
                     summary=f"Changed pillar {pillar.code}")
    return changes


# --- forces -----------------------------------------------------------------------------

def forces(session: Session) -> list[Force]:
    return list(session.scalars(select(Force).order_by(Force.name)))


def force_by_code(session: Session, code: str) -> Force | None:
    return session.scalar(select(Force).where(Force.code == code))


def _check_force(session: Session, name: str, country: str, cohort: str, force: Force | None) -> str:
    name = _required_name(name, "Enter the force's name")
    if country not in COUNTRIES:
        raise ServiceError("Select England or Wales", "country")
    if cohort not in COHORTS:
        raise ServiceError("Select a cohort", "cohort")
    same_name = select(Force.id).where(func.lower(Force.name) == name.lower())
    if force is not None:
        same_name = same_name.where(Force.id != force.id)
    if session.scalar(same_name) is not None:
        raise ServiceError("A force with this name already exists", "name")
    return name


def create_force(session: Session, *, name: str, country: str, cohort: str, actor: User) -> Force:
    """Add a force. Its code, used in web addresses, is made from the name and then kept."""
    name = _check_force(session, name, country, cohort, None)
    code = slugify(name)[:MAX_CODE_LENGTH].strip("-")
    if not code:
        raise ServiceError("Force name must include letters or numbers", "name")
    if session.scalar(select(Force.id).where(Force.code == code)) is not None:
        raise ServiceError(f"A force with a name too like this one already exists (code {code})", "name")
    force = Force(code=code, name=name, country=country, cohort=cohort)
    session.add(force)
    session.flush()
    audit.record(session, actor, "force.created", "force", force.id,
                 changes=audit.snapshot(force, ("code", "name", "country", "cohort")),
                 force_id=force.id, summary=f"Added force {name}")
    commitment_members.join_by_rule(session, force, actor)
    return force


def update_force(
    session: Session, force: Force, *, name: str, country: str, cohort: str, actor: User
) -> dict:
    """Change a force's name, country or cohort. The code stays, so links and imports keep working."""
    name = _check_force(session, name, country, cohort, force)
    changes = audit.apply_changes(force, {"name": name, "country": country, "cohort": cohort})
    if changes:
        audit.record(session, actor, "force.updated", "force", force.id, changes=changes,
                     force_id=force.id, summary=f"Changed force {force.code}")
    if "cohort" in changes:
        commitment_members.join_by_rule(session, force, actor)
    return changes


def force_user_counts(session: Session) -> dict[int, int]:
    """Active users per force id."""
    rows = session.execute(
        select(User.force_id, func.count()).where(User.force_id.is_not(None), User.active.is_(True))
        .group_by(User.force_id)
    )
    return dict(rows.all())


# --- users list -------------------------------------------------------------------------

@dataclass
class UserPage:
    users: list[User]
    total: int
    page: int
    pages: int
    page_size: int

    @property
    def first(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.page_size, self.total)


def _user_filter(query: Select, role: str | None, force: Force | None) -> Select:
    if role in ROLES:
        query = query.where(User.role == role)
    if force is not None:
        query = query.where(User.force_id == force.id)
    return query


def user_page(
    session: Session, *, role: str | None, force: Force | None, page: int, page_size: int
) -> UserPage:
    total = session.scalar(_user_filter(select(func.count()).select_from(User), role, force)) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    users = session.scalars(
        _user_filter(select(User), role, force).order_by(func.lower(User.name), User.id)
        .offset((page - 1) * page_size).limit(page_size)
    )
    return UserPage(users=list(users), total=total, page=page, pages=pages, page_size=page_size)


@dataclass
class Counts:
    users: int
    active_users: int
    pillars: int
    forces: int


def counts(session: Session) -> Counts:
    return Counts(
        users=session.scalar(select(func.count()).select_from(User)) or 0,
        active_users=session.scalar(select(func.count()).select_from(User).where(User.active.is_(True))) or 0,
        pillars=session.scalar(select(func.count()).select_from(Pillar)) or 0,
        forces=session.scalar(select(func.count()).select_from(Force)) or 0,
    )
