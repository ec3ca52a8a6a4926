"""Search (services/search.py, migration 0015): the words read once for both databases, each kind found
by its words and reference, scoped by role as the pages are, the index kept by the database through
every write, hostile queries harmless, pages cut across kinds, matched words marked in the original text.

Every expectation here is exact, and the suite runs on SQLite and on PostgreSQL (TEST_DATABASE_URL):
the two databases must return the same results.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, DeepDive, Finding, Force, Milestone, ProgressUpdate
from improvement_tracker.services import milestones, plans, reference_admin, search, status
from tests import factories
from tests.conftest import create_postgres_database, make_app

OWN, OTHER = "avon-and-somerset", "durham"


@pytest.fixture
def world(app):
    """Two forces' plans that use the same words: Avon and Somerset's and Durham's. In each, an owner's
    action (with a milestone and a progress update) and a colleague's action."""
    people = {"admin": factories.create_user("admin", None), "oversight": factories.create_user("oversight", None),
              "pm": factories.create_user("programme_manager", OWN),
              "owner": factories.create_user("action_owner", OWN),
              "colleague": factories.create_user("action_owner", OWN),
              "durham owner": factories.create_user("action_owner", OTHER)}
    found = {"people": people}
    for code, owner, colleague, prefix in ((OWN, people["owner"], people["colleague"], "AS"),
                                           (OTHER, people["durham owner"], people["durham owner"], "DU")):
        deep_dive = factories.create_deep_dive(code, title=f"Bluestone deep dive into victim care {prefix}")
        finding = factories.create_finding(deep_dive, reference=f"{prefix}-F1",
                                           title="Investigators doubt the victim's account")
        action = factories.create_action(owner, finding=finding, reference=f"{prefix}-P1-01-A", status="in_progress",
                                         title="Train investigators in suspect-focused work")
        milestone = milestones.add(db.session, action, "Training course designed", None, actor=owner)
        update = status.add_progress_update(db.session, action, "Two training days held for 40 investigators",
                                            actor=owner)
        other = factories.create_action(colleague, reference=f"{prefix}-P2-01-A",
                                        title="Refer victims to independent advisers")
        db.session.commit()
        found[code] = SimpleNamespace(deep_dive=deep_dive.id, finding=finding.id, action=action.id,
                                      milestone=milestone.id, update=update.id, other=other.id)
    return found


def hits(user, text: str, **kwargs) -> list[tuple[str, int]]:
    """(kind, id) of every result on the page, in order."""
    results = search.search(db.session, user, text, **kwargs)
    assert results.query.error is None, results.query.error
    return [(hit.kind, hit.id) for group in results.groups for hit in group.hits]


# --- the words ----------------------------------------------------------------------------------

def test_the_words_searched_for_are_letters_and_digits_less_common_words():
    assert search.read_query("  Investigators' training, the VICTIM & (rape/sexual)  ") == search.Query(
        "Investigators' training, the VICTIM & (rape/sexual)",
        ("investigators", "training", "victim", "rape", "sexual"))
    assert search.read_query("AS-P1-01-A").words == ("p1", "01")  # "as" and "a" are common words
    assert search.read_query("victim victim Victim").words == ("victim",)
    assert search.read_query('NEAR("x" y) * -z OR ^w').words == ("near", "x", "y", "z", "w")


@pytest.mark.parametrize(("text", "message"), [
    (None, "Enter what you are looking for"), ("   ", "Enter what you are looking for"),
    ("x" * 201, "Search for 200 characters or fewer"),
    ("victim\x00", "Remove the hidden control characters from what you are looking for"),
    ("%", "Enter words made of letters or numbers"), ('"*"-', "Enter words made of letters or numbers"),
    ("the and of", "Enter a less common word: words like ‘the’, ‘and’ or ‘of’ are not searched for"),
])
def test_what_cannot_be_searched_for_says_why(text, message):
    assert search.read_query(text).error == message


# --- what is found, and in what order -----------------------------------------------------------

def test_each_kind_is_found_by_its_words_grouped_in_order(world):
    oversight, own, other = world["people"]["oversight"], world[OWN], world[OTHER]
    # Stemmed alike on both databases: "investigator" finds "Investigators"; the titles that have the
    # word come first, then the newest.
    assert hits(oversight, "investigator") == [
        ("findings", other.finding), ("findings", own.finding), ("actions", other.action), ("actions", own.action),
        ("updates", other.update), ("updates", own.update)]
    assert hits(oversight, "trained") == [("actions", other.action), ("actions", own.action),
                                          ("milestones", other.milestone), ("milestones", own.milestone),
                                          ("updates", other.update), ("updates", own.update)]
    assert hits(oversight, "victims") == [("deep-dives", other.deep_dive), ("deep-dives", own.deep_dive),
                                          ("findings", other.finding), ("findings", own.finding),
                                          ("actions", other.other), ("actions", own.other)]
    assert hits(oversight, "Somerset") == [("forces", factories.force(OWN).id)]
    # Every word is needed; words in different columns count.
    assert hits(oversight, "investigators AS-P1-01-A") == [("actions", other.action), ("actions", own.action)]
    assert hits(oversight, "victim bluestone DU") == [("deep-dives", other.deep_dive)]


def test_a_reference_typed_exactly_comes_first(world):
    oversight = world["people"]["oversight"]
    assert hits(oversight, "as-p1-01-a")[0] == ("actions", world[OWN].action)
    assert hits(oversight, "DU-P1-01-A")[0] == ("actions", world[OTHER].action)
    assert hits(oversight, "AS-F1")[0] == ("findings", world[OWN].finding)


def test_results_of_one_kind_when_asked_and_the_counts_of_every_kind(world):
    oversight = world["people"]["oversight"]
    results = search.search(db.session, oversight, "training", kind="milestones")
    assert [(k.slug, n) for k, n in results.counts] == [("forces", 0), ("deep-dives", 0), ("findings", 0),
                                                        ("actions", 2), ("milestones", 2), ("updates", 2)]
    assert (results.total, results.everything) == (2, 6)
    assert [(g.kind.slug, g.count, len(g.hits)) for g in results.groups] == [("milestones", 2, 2)]
    assert search.search(db.session, oversight, "training", kind="nonsense").kind is None


# --- in scope, as the pages are --------------------------------------------------------------------

def test_each_role_finds_only_what_its_pages_show(world):
    people, own, other = world["people"], world[OWN], world[OTHER]
    everything_own = [("deep-dives", own.deep_dive), ("findings", own.finding), ("actions", own.action),
                      ("milestones", own.milestone), ("updates", own.update), ("actions", own.other)]
    words = "investigators training victim bluestone"
    # The programme manager: their own force's whole plan; never Durham's.
    assert set(hits(people["pm"], "training")) == {("actions", own.action), ("milestones", own.milestone),
                                                   ("updates", own.update)}
    assert set(hits(people["pm"], "victim")) == {("deep-dives", own.deep_dive), ("findings", own.finding),
                                                 ("actions", own.other)}
    assert set(hits(people["pm"], "Somerset")) == {("forces", factories.force(OWN).id)}
    assert hits(people["pm"], "Durham") == []
    # The owner: their action, its milestones and updates; not the plan, the finding, the force, a colleague's.
    assert set(hits(people["owner"], "training")) == {("actions", own.action), ("milestones", own.milestone),
                                                      ("updates", own.update)}
    assert hits(people["owner"], "victim") == []
    assert hits(people["owner"], "Somerset") == []
    # Oversight and administrators: everything, every force.
    for role in ("oversight", "admin"):
        every = set()
        for word in words.split():
            every |= set(hits(people[role], word))
        assert every == set(everything_own) | {("deep-dives", other.deep_dive), ("findings", other.finding),
                                               ("actions", other.action), ("milestones", other.milestone),
                                               ("updates", other.update), ("actions", other.other)}
    # A force role without a force sees nothing at all.
    orphan = SimpleNamespace(id=people["pm"].id, role="programme_manager", force_id=None)
    assert [search.search(db.session, orphan, word).everything for word in words.split()] == [0, 0, 0, 0]


# --- the index follows every write ----------------------------------------------------------------

def test_the_index_follows_every_insert_update_and_delete(world):
    oversight, pm, own = world["people"]["oversight"], world["people"]["pm"], world[OWN]
    action = db.session.get(Action, own.action)
    plans.update_action(db.session, action, plans.ActionFields(
        reference=action.reference, title="Coach detectives on suspect-focused work", pillar_id=action.pillar_id,
        owner_id=action.owner_id, description="Workshops with the zebra team"), actor=pm)
    milestone = db.session.get(Milestone, own.milestone)
    milestones.update(db.session, milestone, "Workshop venue booked", None, actor=pm)
    update = status.add_progress_update(db.session, action, "Quokka unit joined the workshops", actor=pm)
    deep_dive = db.session.get(DeepDive, own.deep_dive)
    plans.save_deep_dive(db.session, factories.force(OWN), plans.DeepDiveFields(
        title=deep_dive.title, period=deep_dive.period, lead=deep_dive.lead, summary="Heard from the wombat group"),
        actor=pm, deep_dive=deep_dive)
    force = factories.force(OWN)
    reference_admin.update_force(db.session, force, name="Avon and Somerset Platypus", country=force.country,
                                 cohort=force.cohort, actor=world["people"]["admin"])
    db.session.commit()
    assert hits(oversight, "detectives zebra") == [("actions", own.action)]
    assert hits(oversight, "workshop") == [("actions", own.action), ("milestones", own.milestone),
                                           ("updates", update.id)]
    assert ("milestones", own.milestone) not in hits(oversight, "course")
    assert hits(oversight, "quokka") == [("updates", update.id)]
    assert hits(oversight, "wombat") == [("deep-dives", own.deep_dive)]
    assert hits(oversight, "platypus") == [("forces", force.id)]
    # Deleted rows leave the index with them (nothing in the app deletes plan rows yet; the database would).
    db.session.delete(db.session.get(ProgressUpdate, update.id))
    db.session.delete(milestone)
    factories.changed(action)
    db.session.commit()
    assert hits(oversight, "quokka") == []
    assert hits(oversight, "workshop") == [("actions", own.action)]
    _index_is_sound()


def _index_is_sound() -> None:
    """SQLite: each FTS5 table agrees with its table, and every trigger keeping it is there (a migration
    that rebuilds a searched table drops its triggers: 0015's docstring). PostgreSQL: every kind's match
    is answered from its GIN index, so the service's expressions are exactly the migration's."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            triggers = set(connection.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
            for kind in search.KINDS:
                fts = f"search_fts_{kind.table}"
                assert {f"{fts}_insert", f"{fts}_delete", f"{fts}_update"} <= triggers
                connection.execute(sa.text(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')"))  # noqa: S608
        else:
            connection.execute(sa.text("SET LOCAL enable_seqscan = off"))
            for kind in search.KINDS:
                model = search._MODELS[kind.slug]
                matches = search._Words("postgresql", ("victim",)).matches(kind, model.id)
                query = sa.select(sa.func.count()).select_from(model).where(matches)
                sql = str(query.compile(connection, compile_kwargs={"literal_binds": True}))
                plan = "\n".join(connection.scalars(sa.text(f"EXPLAIN {sql}")))
                assert f"ix_search_{kind.table}" in plan, plan


def test_the_database_keeps_the_index(world):
    _index_is_sound()


# --- hostile queries --------------------------------------------------------------------------------

HOSTILE = ["%", "_", "%victim%", "'", "''", '"', '"victim', "victim'", "victim's", "NEAR", "NEAR(victim training)",
           "victim NEAR/2 training", "AND", "OR victim", "NOT", "victim NOT training", "*", "victim*", "train*",
           "-victim", "victim -training", "^victim", "title:victim", "{title}: victim", "title : (victim)", "(",
           ")", "victim)", ":", "\\", "--", "'; DROP TABLE actions; --", "<script>alert(1)</script>", "&", "|",
           "!victim", "victim <-> training", "victim:*", "victim:A", "x" * 200, "victim " * 28, "é", "🙂",
           "ＶＩＣＴＩＭ", "İstanbul", "ß", "1.5", "rape/sexual", "jane@example.police.uk", "0x00", "%00"]


def test_hostile_queries_find_plain_words_or_nothing_and_never_fail(world):
    """Operators of either database's query language, SQL, markup and odd letters: searched for as plain
    words (or refused with a reason), never run, never an error, never another force's."""
    pm = world["people"]["pm"]
    found = {}
    for text in HOSTILE:
        results = search.search(db.session, pm, text)
        assert {hit.force_code for group in results.groups for hit in group.hits} <= {OWN}, text
        found[text] = results.query.error or results.everything
    assert found["NEAR(victim training)"] == found["victim NOT training"] == found["victim <-> training"] == 0
    assert found["victim*"] == found["-victim"] == found["%victim%"] == found["^victim"] == found['"victim'] == 3
    assert found["title:victim"] == found["'; DROP TABLE actions; --"] == 0  # no such words
    assert found["train*"] == 3  # "train", as a word: the owner's action, its milestone and its update
    assert found["%"] == "Enter words made of letters or numbers"


# --- pages -----------------------------------------------------------------------------------------

def test_pages_run_on_from_one_kind_to_the_next(world):
    oversight, own, other = world["people"]["oversight"], world[OWN], world[OTHER]
    every = hits(oversight, "training investigators", page_size=100)
    assert every == [("actions", other.action), ("actions", own.action), ("updates", other.update),
                     ("updates", own.update)]
    pages = [search.search(db.session, oversight, "training investigators", page=n, page_size=3) for n in (1, 2)]
    assert [(p.page, p.pages, p.total) for p in pages] == [(1, 2, 4), (2, 2, 4)]
    assert [[(g.kind.slug, g.count, [h.id for h in g.hits]) for g in p.groups] for p in pages] == [
        [("actions", 2, [other.action, own.action]), ("updates", 2, [other.update])],
        [("updates", 2, [own.update])]]
    # Past the last page is the last page; before the first is the first.
    assert search.search(db.session, oversight, "training investigators", page=99, page_size=3).page == 2
    assert search.search(db.session, oversight, "training investigators", page=-1, page_size=3).page == 1


# --- marked words -----------------------------------------------------------------------------------

def test_matched_words_are_marked_in_the_original_text(world):
    oversight, pm, own = world["people"]["oversight"], world["people"]["pm"], world[OWN]
    finding = db.session.get(Finding, own.finding)
    plans.save_finding(db.session, db.session.get(DeepDive, own.deep_dive), plans.FindingFields(
        pillar_id=finding.pillar_id, reference=finding.reference, type=finding.type, priority=finding.priority,
        title='<b>Victims</b> & "rape/sexual" offences: victim-led', detail="Heard from victims. " * 30),
        actor=pm, finding=finding)
    db.session.commit()
    results = search.search(db.session, oversight, "victim sexual", kind="findings")
    (hit,) = results.groups[0].hits
    assert hit.title == (("<b>", False), ("Victims", True), ("</b> & \"rape/", False), ("sexual", True),
                         ('" offences: ', False), ("victim", True), ("-led", False))
    assert hit.reference == "AS-F1" and hit.force_name == "Avon and Somerset"
    text = "".join(piece for piece, _ in hit.snippet)
    assert text.startswith("Heard from victims.") and text.endswith(" …") and len(text) <= 243
    assert [piece for piece, matched in hit.snippet if matched] == ["victims"] * text.count("victims")


def test_marks_fall_on_the_original_text_or_not_at_all():
    start, end = search.START, search.END
    assert search.marks("Train rape/sexual", f"{start}Train{end} rape {start}sexual{end}") == (
        ("Train", True), (" rape/", False), ("sexual", True))
    assert search.marks("Changed", f"{start}Different{end}") == (("Changed", False),)
    assert search.marks("", None) == ()
    assert search.marks("No marks", None) == (("No marks", False),)


def test_an_excerpt_is_cut_at_spaces_around_the_first_match():
    words = [(f"word{n} ", False) for n in range(60)]
    pieces = (*words[:40], ("victim", True), (" ", False), *words[40:])
    cut = search.excerpt(tuple(pieces), width=60)
    text = "".join(piece for piece, _ in cut)
    assert text.startswith("… word") and text.endswith(" …") and "victim" in text
    assert ("victim", True) in cut
    assert search.excerpt((("short", False),), width=60) == (("short", False),)


# --- the migration ------------------------------------------------------------------------------------

def test_the_migration_downgrades_and_upgrades_and_indexes_what_is_already_there(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = (create_postgres_database(base, f"search_migration_{worker}") if base
           else f"sqlite:///{tmp_path / 'search.sqlite3'}")
    app = make_app(str(tmp_path / "instance"), url)
    oversight = SimpleNamespace(id=0, role="oversight", force_id=None)
    with app.app_context():
        upgrade()
        assert [h.force_code for g in search.search(db.session, oversight, "Somerset").groups for h in g.hits] == [
            OWN]
        db.session.remove()
        downgrade(revision="0014")
        with db.engine.begin() as connection:
            leftovers = connection.scalar(sa.text(
                "SELECT count(*) FROM sqlite_master WHERE name LIKE 'search_fts%'" if connection.dialect.name ==
                "sqlite" else "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'ix_search_%'"))
            assert leftovers == 0
            # Written while there is no index: the upgrade indexes it.
            connection.execute(sa.update(Force).where(Force.code == OTHER).values(name="Durham Kestrel"))
        upgrade()
        assert [h.force_code for g in search.search(db.session, oversight, "kestrel").groups for h in g.hits] == [
            OTHER]
        db.session.remove()
        db.engine.dispose()
