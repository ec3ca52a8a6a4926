"""Plain functions that build rows for tests, through the same services the app uses."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, DeepDive, Finding, Force, Milestone, Pillar, User
from improvement_tracker.services import clock, plan_version, plans
from improvement_tracker.services.users import hash_password

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashing once keeps the suite fast


def changed(*objects) -> None:
    """A test that sets plan rows directly (to arrange a state no service would make quickly) marks
    their forces' plans as changed, as every service does: what pages keep is worked out again."""
    for obj in objects:
        force_id = getattr(obj, "force_id", None)
        if force_id is None and getattr(obj, "action", None) is not None:
            force_id = obj.action.force_id
        plan_version.changed(db.session, force_id)


def force(code: str = "avon-and-somerset") -> Force:
    return db.session.scalar(select(Force).where(Force.code == code))


def pillar(code: str = "P1") -> Pillar:
    return db.session.scalar(select(Pillar).where(Pillar.code == code))


def create_user(
    role: str = "action_owner",
    force_code: str | None = "avon-and-somerset",
    *,
    email: str | None = None,
    name: str | None = None,
    active: bool = True,
) -> User:
    if role in ("admin", "oversight") and force_code == "avon-and-somerset":
        force_code = None
    user = User(
        email=email or f"{role.replace('_', '-')}-{secrets.token_hex(4)}@example.police.uk",
        name=name or f"Test {role.replace('_', ' ').title()}",
        role=role,
        force_id=force(force_code).id if force_code else None,
        active=active,
        password_hash=_PASSWORD_HASH,
        session_token=secrets.token_hex(16),
    )
    db.session.add(user)
    db.session.commit()
    return user


def create_deep_dive(force_code: str = "avon-and-somerset", title: str = "Operation Soteria deep dive") -> DeepDive:
    deep_dive = plans.save_deep_dive(
        db.session, force(force_code),
        plans.DeepDiveFields(title=title, period="January to June 2022", lead="Academic team"),
        actor=None,
    )
    db.session.commit()
    return deep_dive


def create_finding(
    deep_dive: DeepDive | None = None,
    *,
    pillar_code: str = "P1",
    reference: str | None = None,
    title: str = "Investigators focus on victim credibility",
) -> Finding:
    deep_dive = deep_dive or create_deep_dive()
    finding = plans.save_finding(
        db.session, deep_dive,
        plans.FindingFields(pillar_id=pillar(pillar_code).id,
                            reference=reference or f"F-{secrets.token_hex(3)}",
                            type="cause_of_concern", title=title, priority="high"),
        actor=None,
    )
    db.session.commit()
    return finding


def create_action(
    owner: User,
    *,
    finding: Finding | None = None,
    pillar_code: str = "P1",
    reference: str | None = None,
    title: str = "Train investigators in suspect-focused investigation",
    due: date | None = None,
    status: str = "not_started",
    status_reason: str | None = None,
    start: date | None = None,
) -> Action:
    owner_force = db.session.get(Force, owner.force_id)
    action = plans.create_action(
        db.session, owner_force,
        plans.ActionFields(reference=reference or f"A-{secrets.token_hex(3)}", title=title,
                           pillar_id=pillar(pillar_code).id, owner_id=owner.id, start_date=start),
        due_date=due, actor=None, finding=finding,
    )
    if status != "not_started":
        action.status = status
        action.status_reason = status_reason or ("Reason" if status in ("blocked", "closed_not_needed") else None)
        if status == "complete":
            action.completed_date = clock.today()
        changed(action)
    db.session.commit()
    return action


def create_milestone(action: Action, title: str = "Course designed", due: date | None = None,
                     done: bool = False) -> Milestone:
    position = len(action.milestones) + 1
    milestone = Milestone(action_id=action.id, title=title, due_date=due, position=position,
                          completed_date=clock.today() - timedelta(days=1) if done else None)
    db.session.add(milestone)
    changed(action)
    db.session.commit()
    return milestone


def create_evidence(action: Action, uploader: User, data: bytes | None = None, name: str = "register.pdf",
                    description: str = "Training attendance register", milestone: Milestone | None = None):
    """Evidence uploaded through the real service (checks, storage, audit); PDF unless told."""
    import io

    from improvement_tracker.services import evidence
    from improvement_tracker.services.scanning import NoScanner
    from improvement_tracker.services.storage import get_storage
    from tests import files

    created = evidence.upload(
        db.session, action, [evidence.IncomingFile(name, io.BytesIO(files.pdf() if data is None else data))],
        description, actor=uploader, storage=get_storage(), scanner=NoScanner(), max_mb=20, max_files=10,
        milestone_id=milestone.id if milestone else None,
    )
    db.session.commit()
    return created[0]


# --- quarterly returns ------------------------------------------------------------------------

SECTION_WORDS = {"reason": "Most actions are on time", "progress": "Training rolled out to two teams",
                 "risks": "Staffing in the rape unit", "help_needed": "Guidance on digital forensics"}


def create_period(financial_year: int = 2026, quarter: int = 2):
    from improvement_tracker.services import reporting_periods

    period = reporting_periods.make(db.session, financial_year, quarter)
    db.session.commit()
    return period


def create_return(manager: User, period, *, filled: bool = True, assessment: str = "on_track",
                  today: date | None = None, **words: str):
    """A force's draft return (for the manager's force), every pillar filled in unless told."""
    from improvement_tracker.services import returns

    today = today or period.ends_on + timedelta(days=1)
    quarterly_return = returns.start(db.session, db.session.get(Force, manager.force_id), period, manager, today)
    if filled:
        for each in db.session.scalars(select(Pillar).order_by(Pillar.display_order)):
            returns.save_section(db.session, quarterly_return, each, returns.SectionFields(
                assessment=assessment, **{**SECTION_WORDS, **words}), manager)
    db.session.commit()
    return quarterly_return


def submit_return(manager: User, quarterly_return, *, today: date | None = None, reason: str | None = None):
    from improvement_tracker.services import returns

    version = returns.submit(db.session, quarterly_return, manager,
                             today or quarterly_return.period.ends_on + timedelta(days=1), reason)
    db.session.commit()
    return version


def assess_return(actor: User, quarterly_return, version, ratings: dict[str, str] | None = None, *,
                  review: bool = True) -> None:
    """The national team rates every pillar (on track unless told), then marks the version reviewed."""
    from improvement_tracker.services import return_reviews

    for each in db.session.scalars(select(Pillar).order_by(Pillar.display_order)):
        return_reviews.assess(db.session, quarterly_return, version, each, (ratings or {}).get(each.code, "on_track"),
                              f"Comment on {each.code}", actor)
    db.session.commit()
    if review:
        return_reviews.mark_reviewed(db.session, quarterly_return, version, actor)
        db.session.commit()


# --- national commitments ---------------------------------------------------------------------

def publish_commitment(actor: User, force_codes: list[str], *, reference: str = "NC-01",
                       title: str = "No victim without a phone for more than 24 hours", pillar_code: str = "P3",
                       due: date | None = None) -> list[Action]:
    """A commitment published to the chosen forces through the real service: their linked actions."""
    from improvement_tracker.services import commitments

    commitment = commitments.save_draft(db.session, None, commitments.CommitmentFields(
        reference=reference, title=title, pillar_id=pillar(pillar_code).id,
        due_date=due or clock.today() + timedelta(days=120), applies_to="chosen",
        force_ids=[force(code).id for code in force_codes],
        description="Return every victim's phone within 24 hours, or lend one.",
        success_measure="Phones returned within 24 hours: 100 %"), actor)
    members = commitments.publish(db.session, commitment, actor, clock.today())
    db.session.commit()
    return [db.session.get(Action, m.action_id) for m in members]
