"""Search: one box for everything a person may open — forces, deep dives, findings, actions,
milestones and progress updates — found by their words, scoped exactly as their pages are.

The database keeps the index itself (migration 0015, docs/search.md): on PostgreSQL a GIN index on
each table's words as a tsvector (English stemming), on SQLite an FTS5 table per searched table
(Porter stemming) kept by triggers. The queries here are built on the same expressions and tables.

What is searched for is read here, once, for both databases: the words of letters and digits in
what was typed, less PostgreSQL's English stop words ("the", "and"...), every one of them required.
Nothing typed reaches either database as query syntax: PostgreSQL gets the words as plain text
(``plainto_tsquery``), FTS5 each word as a quoted string, so ``NEAR``, ``*``, ``"`` or ``-`` search
for nothing special. Visibility comes from improvement_tracker.security, the pages' own rules.

Results are grouped by kind, in KINDS' order; within a kind, a reference typed exactly comes first,
then those whose title has every word, then the newest (forces by name). Matched words come back
between two control characters (which no stored text can hold: services.inputs refuses them), as
pieces of the original text the page escapes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Select,
    Text,
    case,
    cast,
    column,
    func,
    literal_column,
    null,
    select,
    table,
    union_all,
)
from sqlalchemy.orm import Session

from improvement_tracker import security
from improvement_tracker.models import Action, DeepDive, Finding, Force, Milestone, ProgressUpdate, User
from improvement_tracker.services.inputs import has_control_characters

MAX_LENGTH = 200
PAGE_SIZE = 20
SNIPPET_WIDTH = 240  # characters of a long text shown around its first matched word
# On PostgreSQL each character here is read as a space, as migration 0015's index reads it: SQLite's
# tokenizer splits words there, PostgreSQL's parser would not (paths, host names, tags).
SPLIT = "/.@<>&"
START, END = "\x02", "\x03"  # around each matched word, as the databases return the text

# PostgreSQL's English stop words (share/tsearch_data/english.stop): never searched for, so that
# both databases ask for the same words (FTS5 has no stop words).
_ENGLISH_STOP = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her
hers herself it its itself they them their theirs themselves what which who whom this that these
those am is are was were be been being have has had having do does did doing a an the and but if or
because as until while of at by for with about against between into through during before after
above below to from up down in out on off over under again further then once here there when where
why how all any both each few more most other some such no nor not only own same so than too very s
t can will just don should now"""
STOP_WORDS = frozenset(_ENGLISH_STOP.split())
_WORD = re.compile(r"[^\W_]+")  # letters and digits: what both tokenizers keep as a word
_MARKED = re.compile(f"({START}[^{START}{END}]*{END})")

MESSAGES = {
    "empty": "Enter what you are looking for",
    "long": f"Search for {MAX_LENGTH} characters or fewer",
    "control": "Remove the hidden control characters from what you are looking for",
    "no_words": "Enter words made of letters or numbers",
    "common": "Enter a less common word: words like ‘the’, ‘and’ or ‘of’ are not searched for",
}


@dataclass(frozen=True)
class Kind:
    slug: str  # in the page's address: ?kind=actions
    label: str
    table: str
    columns: tuple[str, ...]  # the searched columns, as migration 0015 indexes them, the title first
    title: str | None  # the column shown as each result's heading
    body: str | None  # the column a snippet is taken from


KINDS = (
    Kind("forces", "Forces", "forces", ("name",), "name", None),
    Kind("deep-dives", "Deep dives", "deep_dives", ("title", "summary"), "title", "summary"),
    Kind("findings", "Findings", "findings", ("title", "reference", "detail"), "title", "detail"),
    Kind("actions", "Actions", "actions", ("title", "reference", "description"), "title", "description"),
    Kind("milestones", "Milestones", "milestones", ("title",), "title", None),
    Kind("updates", "Progress updates", "progress_updates", ("text",), None, "text"),
)
BY_SLUG = {kind.slug: kind for kind in KINDS}
_MODELS = {"forces": Force, "deep-dives": DeepDive, "findings": Finding, "actions": Action,
           "milestones": Milestone, "updates": ProgressUpdate}
_THROUGH_ACTION = ("milestones", "updates")  # seen exactly when their action is

Segments = tuple[tuple[str, bool], ...]  # (text, matched), for the page to escape and mark


@dataclass(frozen=True)
class Query:
    text: str  # as typed, without the spaces around it
    words: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Hit:
    kind: str
    id: int
    force_code: str
    force_name: str
    title: Segments
    snippet: Segments = ()
    reference: str | None = None
    action_id: int | None = None
    action_reference: str | None = None
    action_title: str | None = None
    created_at: datetime | None = None
    author: str | None = None


@dataclass(frozen=True)
class Group:
    kind: Kind
    count: int  # of this kind in all, not only on this page
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class Results:
    query: Query
    kind: Kind | None  # results of one kind only, when asked
    counts: tuple[tuple[Kind, int], ...] = ()
    total: int = 0  # what the pages go through: every kind's, or the one asked for
    page: int = 1
    pages: int = 1
    groups: tuple[Group, ...] = ()

    @property
    def everything(self) -> int:
        return sum(n for _, n in self.counts)


def read_query(text: str | None) -> Query:
    """The words to search for, or why there are none."""
    text = (text or "").strip()
    if not text:
        return Query(text, error=MESSAGES["empty"])
    if len(text) > MAX_LENGTH:
        return Query(text, error=MESSAGES["long"])
    if has_control_characters(text):
        return Query(text, error=MESSAGES["control"])
    words = _WORD.findall(text.lower())
    if not words:
        return Query(text, error=MESSAGES["no_words"])
    kept = tuple(dict.fromkeys(w for w in words if w not in STOP_WORDS))
    if not kept:
        return Query(text, error=MESSAGES["common"])
    return Query(text, kept)


def search(session: Session, user: User, text: str | None, *, kind: str | None = None, page: int = 1,
           page_size: int = PAGE_SIZE) -> Results:
    """One page of what the user may open that has every word, in two queries whatever the page holds:
    how many of each kind, then the page's rows of every kind on it."""
    query = read_query(text)
    only = BY_SLUG.get(kind or "")
    if query.error:
        return Results(query, only)
    words = _Words(session.get_bind().dialect.name, query.words)
    counts = _counts(session, user, words)
    total = counts[only] if only else sum(counts.values())
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    shown = [(k, counts[k]) for k in KINDS if counts[k] and (only is None or k is only)]
    arms = [_page_rows(user, words, query.text, k, offset, limit)
            for k, offset, limit in _slices(shown, (page - 1) * page_size, page_size)]
    hits: dict[str, list[Hit]] = {}
    if arms:
        rows = session.execute(union_all(*arms).order_by(literal_column("kind_order"), literal_column("row_in_kind")))
        for row in rows:
            kind_of = KINDS[row.kind_order]
            hits.setdefault(kind_of.slug, []).append(Hit(
                kind_of.slug, row.id, row.force_code, row.force_name, marks(row.title, row.title_marked),
                excerpt(marks(row.body, row.body_marked)), row.reference, row.action_id, row.action_reference,
                row.action_title, row.created_at, row.author))
    groups = tuple(Group(k, counts[k], tuple(hits[k.slug])) for k in KINDS if k.slug in hits)
    return Results(query, only, tuple((k, counts[k]) for k in KINDS), total, page, pages, groups)


def _slices(counts: list[tuple[Kind, int]], start: int, size: int) -> list[tuple[Kind, int, int]]:
    """(kind, offset, limit) of each kind on the page that begins at result ``start``."""
    slices, first = [], 0
    for kind, count in counts:
        low, high = max(start, first), min(start + size, first + count)
        if low < high:
            slices.append((kind, low - first, high - low))
        first += count
    return slices


# --- the two databases' words ------------------------------------------------------------------

class _Words:
    """The search's words as each database matches and marks them."""

    def __init__(self, dialect: str, words: tuple[str, ...]) -> None:
        self.postgresql = dialect == "postgresql"
        self.words = words
        # FTS5: each word a quoted string (a word of letters and digits holds no quote; doubled anyway).
        self.phrase = " ".join('"' + w.replace('"', '""') + '"' for w in words)

    def _tsquery(self):
        return func.plainto_tsquery(literal_column("'english'"), " ".join(self.words))

    @staticmethod
    def _document(kind: Kind, columns: tuple[str, ...]):
        """Exactly migration 0015's expression, so PostgreSQL uses its index."""
        words = " || ' ' || ".join(f'{kind.table}."{c}"' for c in columns)
        return literal_column(f"to_tsvector('english', {_split(words)})")

    @staticmethod
    def _fts(kind: Kind):
        return table(f"search_fts_{kind.table}", column("rowid"))

    def _fts_match(self, kind: Kind, expression: str) -> ColumnElement[bool]:
        return literal_column(f"search_fts_{kind.table}").bool_op("MATCH")(expression)

    def matches(self, kind: Kind, row_id) -> ColumnElement[bool]:
        if self.postgresql:
            return self._document(kind, kind.columns).bool_op("@@")(self._tsquery())
        fts = self._fts(kind)
        return row_id.in_(select(fts.c.rowid).where(self._fts_match(kind, self.phrase)))

    def rank(self, kind: Kind, model, typed: str) -> ColumnElement[int] | None:
        """Which come first within a kind: the reference typed exactly (2), then those with every word in
        their title (1), then the rest (0). None for a kind whose only words are its title: all alike."""
        ranks = []
        if kind.slug in ("findings", "actions"):
            ranks.append((func.lower(model.reference) == typed.lower(), 2))
        if kind.title is not None and kind.columns != (kind.title,):
            if self.postgresql:
                ranks.append((self._document(kind, (kind.title,)).bool_op("@@")(self._tsquery()), 1))
            else:
                fts = self._fts(kind)
                title = f"{kind.title} : ({self.phrase})"
                ranks.append((model.id.in_(select(fts.c.rowid).where(self._fts_match(kind, title))), 1))
        return case(*ranks, else_=0) if ranks else None

    def marked(self, kind: Kind, model, name: str):
        """The column's whole text with every matched word between START and END (on PostgreSQL, of the
        text as it was indexed: the same length, so the marks fall on the same words of the original)."""
        if self.postgresql:
            indexed = literal_column(_split(f'{kind.table}."{name}"'))
            return func.ts_headline(literal_column("'english'"), indexed, self._tsquery(),
                                    f"HighlightAll=true, StartSel={START}, StopSel={END}")
        return func.highlight(literal_column(f"search_fts_{kind.table}"), kind.columns.index(name), START, END)

    def restrict(self, query: Select, kind: Kind, row_id) -> Select:
        """FTS5 marks words only in a query that matches its table: join it, matched, to each row."""
        if self.postgresql:
            return query
        fts = self._fts(kind)
        return query.join(fts, fts.c.rowid == row_id).where(self._fts_match(kind, self.phrase))


def _split(words: str) -> str:
    return f"translate({words}, '{SPLIT}', '{' ' * len(SPLIT)}')"


# --- in scope, as the pages are ---------------------------------------------------------------

def _scoped(kind: Kind, user: User, *columns) -> Select:
    """``columns`` from the kind's rows the user may open, by the pages' own rules (security)."""
    model = _MODELS[kind.slug]
    query = select(*columns).select_from(model)
    if kind.slug in _THROUGH_ACTION:
        return query.join(Action, Action.id == model.action_id).where(security.action_condition(user))
    if kind.slug == "actions":
        return query.where(security.action_condition(user))
    if kind.slug == "forces":
        return query.where(security.force_condition(user))
    return query.where(security.plan_condition(user, model.force_id))


def _counts(session: Session, user: User, words: _Words) -> dict[Kind, int]:
    """How many of each kind, in one query."""
    selects = [_scoped(k, user, literal_column(f"'{k.slug}'").label("kind"), func.count().label("n"))
               .where(words.matches(k, _MODELS[k.slug].id)) for k in KINDS]
    found = dict(session.execute(selects[0].union_all(*selects[1:])).all())
    return {k: int(found.get(k.slug) or 0) for k in KINDS}


def _page_rows(user: User, words: _Words, typed: str, kind: Kind, offset: int, limit: int) -> Select:
    """One kind's rows of the page, from ``offset``: chosen first, then only their words marked. Every
    kind's select has the same columns, so the page is one UNION ALL."""
    model = _MODELS[kind.slug]
    rank = words.rank(kind, model, typed)
    order = [Force.name, Force.id] if kind.slug == "forces" else [model.id.desc()]  # the newest first
    order = order if rank is None else [rank.desc(), *order]
    page = (_scoped(kind, user, model.id.label("id"), func.row_number().over(order_by=order).label("row_in_kind"))
            .where(words.matches(kind, model.id)).order_by(*order).limit(limit).offset(offset).subquery())
    through_action = kind.slug in _THROUGH_ACTION
    text, number = cast(null(), Text), cast(null(), Integer)  # typed: PostgreSQL unions NULL with NULL as text
    query = select(
        literal_column(str(KINDS.index(kind))).label("kind_order"), page.c.row_in_kind, model.id.label("id"),
        Force.code.label("force_code"), Force.name.label("force_name"),
        *_labelled(("title", "title_marked"), (getattr(model, kind.title), words.marked(kind, model, kind.title))
                   if kind.title else (text, text)),
        *_labelled(("body", "body_marked"), (getattr(model, kind.body), words.marked(kind, model, kind.body))
                   if kind.body else (text, text)),
        (model.reference if kind.slug in ("findings", "actions") else text).label("reference"),
        *_labelled(("action_id", "action_reference", "action_title"),
                   (Action.id, Action.reference, Action.title) if through_action else (number, text, text)),
        *_labelled(("created_at", "author"), (model.created_at, User.name) if kind.slug == "updates" else
                   (cast(null(), DateTime), text)),
    ).select_from(page).join(model, model.id == page.c.id)
    if through_action:
        query = query.join(Action, Action.id == model.action_id)
    if kind.slug != "forces":
        query = query.join(Force, Force.id == (Action.force_id if through_action else model.force_id))
    if kind.slug == "updates":
        query = query.outerjoin(User, User.id == model.author_id)
    return words.restrict(query, kind, page.c.id)


def _labelled(names: tuple[str, ...], columns: tuple) -> list:
    return [c.label(name) for name, c in zip(names, columns, strict=True)]


def marks(original: str | None, marked: str | None) -> Segments:
    """The original text as (text, matched) pieces, matched where the database marked words. Text the
    database returned changed (it never should) is shown unmarked rather than wrong."""
    if not original:
        return ()
    pieces: list[tuple[str, bool]] = []
    at = 0
    for piece in _MARKED.split(marked or ""):
        matched = piece.startswith(START) and piece.endswith(END)
        length = len(piece) - (2 if matched else 0)
        if length > 0:
            pieces.append((original[at:at + length], matched))
        at += length
    if at != len(original) or any(START in text or END in text for text, _ in pieces):
        return ((original, False),)
    return tuple(pieces)


def excerpt(pieces: Segments, width: int = SNIPPET_WIDTH) -> Segments:
    """About ``width`` characters around the first matched word, cut at spaces, with "…" where cut."""
    text = "".join(t for t, _ in pieces)
    if len(text) <= width:
        return pieces
    first, at = 0, 0
    for piece, matched in pieces:
        if matched:
            first = at
            break
        at += len(piece)
    start = max(0, min(first - width // 3, len(text) - width))
    if start:
        start = text.find(" ", start, first) + 1 or start
    end = min(len(text), start + width)
    space = text.rfind(" ", first, end)
    if end < len(text) and space > first:
        end = space
    cut: list[tuple[str, bool]] = [("… ", False)] if start else []
    at = 0
    for piece, matched in pieces:
        low, high = max(start, at), min(end, at + len(piece))
        if low < high:
            cut.append((piece[low - at:high - at], matched))
        at += len(piece)
    return tuple(cut) + (((" …", False),) if end < len(text) else ())
