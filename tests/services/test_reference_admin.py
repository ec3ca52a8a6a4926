"""Pillar labels and forces as administrators change them, and the users list they page through."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent
from improvement_tracker.services import reference_admin
from improvement_tracker.services.audit import ServiceError
from tests import factories

pytestmark = pytest.mark.usefixtures("app")


def test_a_pillar_relabel_is_tidied_and_audited_but_its_code_stays():
    admin = factories.create_user("admin")
    pillar = factories.pillar("P3")
    changes = reference_admin.update_pillar(db.session, pillar, name="  Victim   engagement ",
                                            description=pillar.description, actor=admin)
    db.session.commit()
    assert changes == {"name": ["Procedural justice and victim engagement", "Victim engagement"]}
    assert (pillar.code, pillar.display_order) == ("P3", 3)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "pillar.updated"))
    assert (event.actor_id, event.object_type, event.object_id, event.changes) == (
        admin.id, "pillar", pillar.id, changes)


def test_an_unchanged_pillar_records_nothing():
    pillar = factories.pillar("P1")
    assert reference_admin.update_pillar(db.session, pillar, name=pillar.name, description=pillar.description,
                                         actor=factories.create_user("admin")) == {}
    assert db.session.scalar(select(AuditEvent)) is None


@pytest.mark.parametrize(("name", "description", "field"), [("", "", "name"), ("N" * 121, "", "name"),
                                                            ("Name", "d" * 2001, "description")])
def test_a_bad_pillar_label_is_refused(name, description, field):
    with pytest.raises(ServiceError) as refused:
        reference_admin.update_pillar(db.session, factories.pillar("P1"), name=name, description=description,
                                      actor=factories.create_user("admin"))
    assert refused.value.field == field


def test_a_new_force_gets_a_code_from_its_name_and_is_audited():
    admin = factories.create_user("admin")
    force = reference_admin.create_force(db.session, name="British Transport Police (BTP)", country="england",
                                         cohort="national_2023", actor=admin)
    db.session.commit()
    assert force.code == "british-transport-police-btp"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "force.created"))
    assert event.force_id == force.id
    assert event.changes == {"code": [None, "british-transport-police-btp"],
                             "name": [None, "British Transport Police (BTP)"],
                             "country": [None, "england"], "cohort": [None, "national_2023"]}


@pytest.mark.parametrize(
    ("name", "country", "cohort", "field", "message"),
    [
        ("Durham", "england", "pathfinder", "name", "A force with this name already exists"),
        ("  DURHAM ", "england", "pathfinder", "name", "A force with this name already exists"),
        ("Avon & Somerset", "england", "pathfinder", "name",
         "A force with a name too like this one already exists (code avon-somerset)"),
        ("!!!", "england", "pathfinder", "name", "Force name must include letters or numbers"),
        ("", "england", "pathfinder", "name", "Enter the force's name"),
        ("Isle of Man", "scotland", "pathfinder", "country", "Select England or Wales"),
        ("Isle of Man", "england", "2024", "cohort", "Select a cohort"),
    ],
)
def test_a_bad_force_is_refused(name, country, cohort, field, message):
    if "&" in name:
        reference_admin.create_force(db.session, name="Avon Somerset", country="england", cohort="pathfinder",
                                     actor=None)
    with pytest.raises(ServiceError) as refused:
        reference_admin.create_force(db.session, name=name, country=country, cohort=cohort, actor=None)
    assert (refused.value.field, refused.value.message) == (field, message)


def test_renaming_a_force_keeps_its_code_and_may_keep_its_own_name():
    admin = factories.create_user("admin")
    force = factories.force("durham")
    assert reference_admin.update_force(db.session, force, name="Durham", country="england",
                                        cohort="pathfinder", actor=admin) == {}
    changes = reference_admin.update_force(db.session, force, name="Durham Constabulary", country="england",
                                           cohort="pathfinder", actor=admin)
    assert changes == {"name": ["Durham", "Durham Constabulary"]}
    assert force.code == "durham"
    with pytest.raises(ServiceError):
        reference_admin.update_force(db.session, force, name="Kent", country="england", cohort="pathfinder",
                                     actor=admin)


def test_the_users_list_pages_and_filters():
    for n in range(5):
        factories.create_user(name=f"Owner {n}")
    factories.create_user("programme_manager", "durham", name="Manager")
    page = reference_admin.user_page(db.session, role="action_owner", force=None, page=2, page_size=2)
    assert ([u.name for u in page.users], page.total, page.pages, page.first, page.last) == (
        ["Owner 2", "Owner 3"], 5, 3, 3, 4)
    page = reference_admin.user_page(db.session, role=None, force=factories.force("durham"), page=9,
                                     page_size=2)
    assert ([u.name for u in page.users], page.page) == (["Manager"], 1)
    empty = reference_admin.user_page(db.session, role="oversight", force=None, page=1, page_size=2)
    assert (empty.users, empty.total, empty.pages, empty.first, empty.last) == ([], 0, 1, 0, 0)
