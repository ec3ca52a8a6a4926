"""The six NOM pillars and the 43 territorial forces of England and Wales.

Written with SQLAlchemy Core against plain table descriptions (not the ORM models) so a
data migration can call it safely whatever the models look like later. Idempotent: it
inserts what is missing and never overwrites labels an admin has edited.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

PILLARS: tuple[tuple[str, str, str], ...] = (
    ("P1", "Suspect-focused investigations",
     "Investigations that focus on the suspect's behaviour and offending, not on testing the "
     "victim's credibility."),
    ("P2", "Identifying and disrupting repeat suspects",
     "Finding people who offend repeatedly and using every tool to disrupt them."),
    ("P3", "Procedural justice and victim engagement",
     "Treating victims fairly and keeping them informed, so they stay engaged with the case."),
    ("P4", "Officer learning, development and wellbeing",
     "Specialist knowledge of sexual offending, manageable workloads and support for investigators."),
    ("P5", "Data-driven strategic analysis and performance",
     "Strategic analysis of recorded rape offences and the analytical capability to monitor performance."),
    ("P6", "Digital forensics",
     "Proportionate, timely digital forensic work that does not intrude on victims more than needed."),
)

PATHFINDER = {"Avon and Somerset", "Metropolitan Police Service", "Durham", "West Midlands", "South Wales"}
EXPANSION_2022 = {
    "Dorset", "Dyfed-Powys", "Greater Manchester", "Gwent", "Hampshire and Isle of Wight",
    "North Wales", "Northumbria", "Wiltshire",
}
ENGLAND = (
    "Avon and Somerset", "Bedfordshire", "Cambridgeshire", "Cheshire", "City of London", "Cleveland",
    "Cumbria", "Derbyshire", "Devon and Cornwall", "Dorset", "Durham", "Essex", "Gloucestershire",
    "Greater Manchester", "Hampshire and Isle of Wight", "Hertfordshire", "Humberside", "Kent",
    "Lancashire", "Leicestershire", "Lincolnshire", "Merseyside", "Metropolitan Police Service",
    "Norfolk", "North Yorkshire", "Northamptonshire", "Northumbria", "Nottinghamshire",
    "South Yorkshire", "Staffordshire", "Suffolk", "Surrey", "Sussex", "Thames Valley",
    "Warwickshire", "West Mercia", "West Midlands", "West Yorkshire", "Wiltshire",
)
WALES = ("Dyfed-Powys", "Gwent", "North Wales", "South Wales")

# How every page, form, filter and export names a cohort or a country.
COHORT_LABELS = {"pathfinder": "Pathfinder (2021)", "expansion_2022": "Expansion (2022)",
                 "national_2023": "National roll-out (2023)"}
COUNTRY_LABELS = {"england": "England", "wales": "Wales"}


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _cohort(name: str) -> str:
    if name in PATHFINDER:
        return "pathfinder"
    if name in EXPANSION_2022:
        return "expansion_2022"
    return "national_2023"


FORCES: tuple[tuple[str, str, str, str], ...] = tuple(
    (slugify(name), name, country, _cohort(name))
    for country, names in (("england", ENGLAND), ("wales", WALES))
    for name in names
)

_forces = sa.table(
    "forces",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("country", sa.String),
    sa.column("cohort", sa.String),
    sa.column("created_at", sa.DateTime),
)
_pillars = sa.table(
    "pillars",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("description", sa.String),
    sa.column("display_order", sa.Integer),
)


def ensure_reference_data(connection: sa.Connection) -> int:
    """Insert any missing pillar or force; return how many rows were added."""
    from improvement_tracker.models._types import utcnow

    added = 0
    have_pillars = set(connection.scalars(sa.select(_pillars.c.code)))
    for order, (code, name, description) in enumerate(PILLARS, start=1):
        if code not in have_pillars:
            connection.execute(
                _pillars.insert().values(code=code, name=name, description=description, display_order=order)
            )
            added += 1
    have_forces = set(connection.scalars(sa.select(_forces.c.code)))
    for code, name, country, cohort in FORCES:
        if code not in have_forces:
            connection.execute(
                _forces.insert().values(
                    code=code, name=name, country=country, cohort=cohort, created_at=utcnow()
                )
            )
            added += 1
    return added
