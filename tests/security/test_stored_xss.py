"""Stored cross-site scripting: script and event-handler payloads typed into every free-text field,
then every page that shows them opened, and the reminder emails built.

Everything is entered the way a person would: through the forms (and a spreadsheet import), by
the role that may enter it. A page passes when its parsed DOM has no event-handler attribute, no
script without the response's nonce (nor any inline script but JSON chart data, which must still
parse), no ``javascript:`` link, no element from a payload, and when the raw HTML never contains a
payload's markup unescaped. Each payload must also show up, as text, on at least one page.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from email import message_from_bytes, policy

from bs4 import BeautifulSoup
from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import (
    Action,
    CommitmentDateProposal,
    Evidence,
    Milestone,
    Notification,
    Pillar,
    ReturnQuestion,
    User,
)
from improvement_tracker.services import reporting_periods
from tests import factories, files
from tests import import_sheets as sheets
from tests.security.conftest import OWN, Browser, Scope, World, browser, methods, route_url, rules

# The one inline script of the GOV.UK page template (it carries the nonce).
GOVUK_JS_ENABLED = ("document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? "
                    "' govuk-frontend-supported' : '');")
RAW_MARKUP = ("<script>alert", "<img src=x", "<svg onload", "onerror=alert(1)>", "javascript:alert")


def evil(tag: str) -> str:
    """Text that would run script if it reached the page unescaped, in an attribute or in the body."""
    return f'{tag}"><img src=x onerror=alert(1)><script>alert("{tag}")</script>\'><svg onload=alert(1)>'


def evil_filename(tag: str) -> str:
    # No "/" (refused in a file name) and no '"' (browsers send it as %22 in a multipart header).
    return f"{tag}'><img src=x onerror=alert(1)><svg onload=alert(1)>.pdf"


def shown(tag: str) -> str:
    """What a person sees on the page where that payload is rendered as text."""
    return f'{tag}"><img src=x onerror=alert(1)>'


# --- the DOM check --------------------------------------------------------------------------

def inert(response, where: str) -> list[str]:
    """What on the page could run script, or shows that a payload became markup."""
    problems = []
    body = response.get_data(as_text=True)
    for markup in RAW_MARKUP:
        if markup in body:
            problems.append(f"{where}: raw {markup!r} in the HTML")
    page = BeautifulSoup(body, "html.parser")
    nonce = re.search(r"'nonce-([^']+)'", response.headers.get("Content-Security-Policy", ""))
    for element in page.find_all(True):
        for name, value in element.attrs.items():
            if name.lower().startswith("on"):
                problems.append(f"{where}: <{element.name} {name}=...>")
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href") and \
                    str(value).strip().lower().startswith(("javascript:", "data:text", "vbscript:")):
                problems.append(f"{where}: <{element.name} {name}={value!r}>")
        if element.name in ("img", "iframe", "object", "embed") and element.get("src", element.get("data")) == "x":
            problems.append(f"{where}: a payload's <{element.name}> became an element")
    for script in page.find_all("script"):
        if nonce is None or script.get("nonce") != nonce.group(1):
            problems.append(f"{where}: <script> without this response's nonce")
        if script.get("src"):
            if not script["src"].startswith("/static/"):
                problems.append(f"{where}: script from {script['src']}")
        elif script.get("type") != "application/json":
            if (script.string or "").strip() != GOVUK_JS_ENABLED:
                problems.append(f"{where}: an inline script that is neither JSON data nor the GOV.UK template's")
        else:
            try:
                json.loads(script.string or "")
            except ValueError:
                problems.append(f"{where}: chart data that no longer parses (something broke out of it)")
            if "<" in (script.string or ""):
                # "<!--" then "<script" would stop a browser ending the element at its </script>.
                problems.append(f"{where}: a raw < in chart data")
    return problems


# --- entering the payloads, as each person would --------------------------------------------

def _date(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _as_admin(app, admin: User) -> User:
    """Pillar and force names, and a new user's name: the administrator's free text."""
    person = browser(app, admin)
    person.post("/admin/pillars/P1/edit", {"name": evil("pillar-name"), "description": evil("pillar-desc")})
    person.post(f"/admin/forces/{OWN}/edit", {"name": evil("force-name"), "country": "england",
                                             "cohort": "pathfinder"})
    person.post("/admin/users/new", {"email": "eve@example.police.uk", "name": evil("user-name"),
                                     "role": "action_owner", "force": OWN, "password": "violet harbour tram 9"})
    return db.session.scalar(select(User).where(User.email == "eve@example.police.uk"))


def _new_id(response) -> int:
    return int(response.headers["Location"].split("#")[0].rsplit("/", 1)[1])


def _as_programme_manager(pm: Browser, owner: User) -> tuple[int, int, int, int]:
    deep_dive = _new_id(pm.post(f"/forces/{OWN}/deep-dives/new", {
        "title": evil("dd-title"), "period": evil("dd-period"), "lead": evil("dd-lead"),
        "summary": evil("dd-summary")}))
    response = pm.post(f"/forces/{OWN}/deep-dives/{deep_dive}/findings/new", {
        "pillar_id": factories.pillar("P1").id, "reference": '"><b>F1', "type": "cause_of_concern",
        "title": evil("finding-title"), "detail": evil("finding-detail"), "priority": "high"})
    finding = _new_id(response)
    actions = []
    for reference in ('"><b>A1', '"><i>A2'):
        response = pm.post(f"/forces/{OWN}/actions/new?finding={finding}", {
            "reference": reference, "title": evil("action-title"), "pillar_id": factories.pillar("P1").id,
            "owner_id": owner.id, "priority": "high", "description": evil("action-desc"),
            "success_measure": evil("action-success"), "start_date": _date(date.today() - timedelta(days=60))})
        actions.append(_new_id(response))
    first, second = actions
    pm.post(f"/actions/{first}/milestones/new", {"title": evil("milestone"),
                                                 "due_date": _date(date.today() - timedelta(days=2))})
    # Overdue, so it is on the dashboards, the reminders and the summaries too.
    pm.post(f"/actions/{first}/due-date", {"due_date": _date(date.today() - timedelta(days=3)),
                                           "reason": evil("due-reason")})
    pm.post(f"/actions/{first}/rag", {"rag": "green", "reason": evil("rag-reason")})
    return deep_dive, finding, first, second


def _evidence_and_statuses(pm: Browser, owner: Browser, admin: Browser, first: int, second: int) -> list[int]:
    owner.post(f"/actions/{first}/status/start", {"note": evil("start-note")})
    owner.post(f"/actions/{first}/updates/new", {"text": evil("update")})
    for tag in ("evidence", "withdrawn"):
        owner.post(f"/actions/{first}/evidence/new", {
            "files": [(io.BytesIO(files.pdf(tag)), evil_filename(f"{tag}-file"))],
            "description": evil(f"{tag}-desc")}, content_type="multipart/form-data")
    rejected, withdrawn = db.session.scalars(select(Evidence.id).where(Evidence.action_id == first)
                                             .order_by(Evidence.id)).all()
    pm.post(f"/evidence/{rejected}/review", {"decision": "rejected", "reason": evil("reject-reason")})
    owner.post(f"/evidence/{withdrawn}/withdraw", {"reason": evil("withdraw-reason")})
    admin.post(f"/evidence/{withdrawn}/purge", {"reason": evil("purge-reason")})
    owner.post(f"/actions/{first}/status/request-sign-off", {"note": evil("request-note")})
    pm.post(f"/actions/{first}/status/return", {"note": evil("return-note")})
    owner.post(f"/actions/{first}/status/block", {"note": evil("block-note")})
    pm.post(f"/actions/{first}/status/close", {"note": evil("close-note")})
    pm.post(f"/actions/{first}/status/reopen", {"note": evil("reopen-note")})
    owner.post(f"/actions/{second}/status/start", {"note": ""})
    owner.post(f"/actions/{second}/status/request-sign-off", {"note": ""})
    pm.post(f"/actions/{second}/status/sign-off", {"note": evil("sign-off-note"),
                                                   "no_evidence_reason": evil("no-evidence-reason")})
    return [rejected, withdrawn]


def _import(pm: Browser) -> list:
    """A spreadsheet whose cells carry payloads: its preview with a problem, then without, then the plan.
    Returns the two preview pages (each upload replaces the last, and confirming spends it)."""
    rows = {
        "deep_dives": [sheets.deep_dive(evil("import-dd"))],
        "findings": [{**sheets.finding("IMP-1", title=evil("import-finding")), "deep_dive": evil("import-dd")}],
        "actions": [sheets.action("IMP-1-A", "new.owner@example.police.uk", finding="IMP-1",
                                  title=evil("import-action"), owner_name=evil("import-owner"),
                                  due_date=evil("import-bad-date"))],
        "milestones": [sheets.milestone("IMP-1-A", evil("import-milestone"))],
    }
    previews = []
    for _ in ("with a problem", "fixed"):
        response = pm.post(f"/forces/{OWN}/import", {"file": (io.BytesIO(sheets.filled_template(**rows)),
                                                              evil_filename("import-file")[:-4] + ".xlsx")},
                           content_type="multipart/form-data")
        url = response.headers["Location"]
        previews.append((url, pm.client.get(url)))
        rows["actions"][0]["due_date"] = "31/03/2030"
    url, page = previews[-1]
    digest = BeautifulSoup(page.data, "html.parser").select_one("input[name=digest]")["value"]
    pm.post(url, {"digest": digest, "owners": "new.owner@example.police.uk"})
    return previews


def _quarterly_return(pm: Browser, oversight: Browser) -> tuple[str, int, list]:
    """The force's return, written, submitted, assessed, asked about, answered and corrected through the
    forms, with a payload in each of its words. Returns its quarter's slug, the id of a question left
    unanswered, and the draft's pages as they were during the correction (the words are open only then)."""
    quarter = reporting_periods.quarter_of(date.today()).preceding
    period = reporting_periods.slug(factories.create_period(quarter.financial_year, quarter.quarter))
    url = f"/forces/{OWN}/returns/{period}"
    words = {"reason": evil("return-reason"), "progress": evil("return-progress"), "risks": evil("return-risks"),
             "help_needed": evil("return-help")}
    pm.post(f"{url}/start", {})
    for code in db.session.scalars(select(Pillar.code).order_by(Pillar.display_order)):
        pm.post(f"{url}/pillars/{code}", {"assessment": "on_track", **words})
    pm.post(f"{url}/submit", {})
    first = f"{url}/versions/1"
    oversight.post(f"{first}/pillars/P1/assess", {"rating": "at_risk", "comment": evil("assess-comment")})
    oversight.post(f"{first}/questions/new", {"pillar": "P1", "question": evil("asked-question")})
    oversight.post(f"{first}/questions/new", {"pillar": "", "question": evil("open-question")})
    asked, unanswered = db.session.scalars(select(ReturnQuestion.id).order_by(ReturnQuestion.id)).all()
    pm.post(f"{first}/questions/{asked}/answer", {"answer": evil("answer")})
    pm.post(f"{url}/correct", {})
    pm.post(f"{url}/pillars/P2", {"assessment": "off_track", **words, "progress": evil("corrected-progress")})
    drafting = [(pm, path, pm.client.get(path)) for path in (url, f"{url}/pillars/P2", f"{url}/submit")]
    pm.post(f"{url}/submit", {"reason": evil("correction-reason")})
    return period, unanswered, drafting


def _outcomes(admin: Browser, pm: Browser, oversight: Browser) -> list:
    """An outcome measure's words (the administrators'), a reason for revising a published quarter typed
    on the figures page, and a file of figures with a payload for a name, loaded with a reason. Returns
    the pages drawn on the way that no later GET can draw again: the file's preview (confirming spends
    it) and the page its confirmation leads to (the message naming the file shows once)."""
    admin.post("/outcomes/measures/charge_rate/edit", {
        "name": evil("measure-name"), "definition": evil("measure-definition"), "source": evil("measure-source"),
        "caveat": evil("measure-caveat")})
    # A quarter published long ago: changing its figures is a revision, which asks for a reason.
    old = reporting_periods.quarter_of(date.today() - timedelta(days=400))
    period = reporting_periods.slug(factories.create_period(old.financial_year, old.quarter))
    figures = {"recorded_offences": "250", "referrals": "42", "charges": "12", "outcomes_assigned": "200",
               "victim_withdrawals": "80", "median_days_to_charge": "300", "phones_taken": "50",
               "phones_returned_24h": "45"}
    url = f"/forces/{OWN}/outcomes/quarters/{period}"
    pm.post(f"/forces/{OWN}/outcomes/baseline", figures)
    pm.post(url, figures)
    pm.post(url, {**figures, "charges": "13", "reason": evil("outcome-reason")})
    rows = io.StringIO()
    csv.writer(rows).writerows([["force code", "quarter", "measure", "value"],
                                [OWN, period, "charges", "14"], [OWN, "baseline", "referrals", "21"]])
    response = oversight.post("/outcomes/import", {
        "file": (io.BytesIO(rows.getvalue().encode()), evil_filename("outcome-file")[:-4] + ".csv")},
        content_type="multipart/form-data")
    preview = response.headers["Location"]
    page = oversight.client.get(preview)
    form = BeautifulSoup(page.data, "html.parser").select_one(
        "form[action^='/outcomes/import/']:not([action$='/cancel'])")
    hidden = {f["name"]: f.get("value", "") for f in form.select("input[type=hidden]") if f["name"] != "csrf_token"}
    oversight.post(preview, {**hidden, "reason": evil("import-reason")})
    return [(oversight, preview, page), (oversight, "/outcomes", oversight.client.get("/outcomes"))]


def _commitments(oversight: Browser) -> tuple[str, str, list]:
    """Two national commitments with a payload in each of their words, drafted through the national
    team's form: NC-01 published to the home force (its plan carries the linked action, titled and
    described as the commitment), NC-02 left a draft. Returns their references and the publishing page
    of NC-01, drawn before it was published (afterwards that page sends you to the commitment's)."""
    due = _date(date.today() + timedelta(days=120))
    pages = []
    for reference, tag in (("NC-01", "commitment"), ("NC-02", "draft")):
        oversight.post("/commitments/new", {
            "reference": reference, "title": evil(f"{tag}-title"), "pillar_id": factories.pillar("P3").id,
            "description": evil(f"{tag}-desc"), "success_measure": evil(f"{tag}-success"),
            "evidence_expected": evil(f"{tag}-evidence"), "due_date": due, "applies_to": "chosen", "cohort": "",
            "force_ids": [factories.force(OWN).id]})
    url = "/commitments/NC-01/publish"
    pages.append((oversight, url, oversight.client.get(url)))
    oversight.post(url, {})
    return "NC-01", "NC-02", pages


# --- the test -------------------------------------------------------------------------------

def test_payloads_in_every_free_text_field_are_shown_as_text_and_never_run(app, import_dir):
    admin_user = factories.create_user("admin", None)
    oversight_user = factories.create_user("oversight", None, name=evil("oversight-name"))
    pm_user = factories.create_user("programme_manager", OWN, name=evil("pm-name"))
    owner_user = _as_admin(app, admin_user)
    assert owner_user is not None, "the administrator could not add the user"
    admin, pm, owner = browser(app, admin_user), browser(app, pm_user), browser(app, owner_user)
    oversight = browser(app, oversight_user)

    deep_dive, finding, first, second = _as_programme_manager(pm, owner_user)
    evidence = _evidence_and_statuses(pm, owner, admin, first, second)
    previews = _import(pm)
    period, question, drafting = _quarterly_return(pm, oversight)
    drafting += _outcomes(admin, pm, oversight)
    commitment, draft, publishing = _commitments(oversight)
    drafting += publishing
    linked = db.session.scalar(select(Action.id).where(Action.reference == commitment))
    assert linked is not None, "publishing NC-01 gave the home force no action"
    # The force proposes a later date with a payload in its reason: the national team's decision page.
    later = _date(date.today() + timedelta(days=200))
    pm.post(f"/commitments/{commitment}/forces/{OWN}/propose-date",
            {"proposed_due_date": later, "reason": evil("proposal-reason")})
    proposal = db.session.scalar(select(CommitmentDateProposal.id))
    assert proposal is not None, "the proposal of a later date was not saved"

    emails = _reminder_emails(first)
    failed = db.session.scalar(select(Notification).where(Notification.recipient_id == owner_user.id))
    failed.status = "failed"
    db.session.commit()

    milestone = db.session.scalar(select(Milestone.id).where(Milestone.action_id == first))
    scope = Scope(OWN, pm_user, owner_user, deep_dive, finding, first, milestone, milestone, evidence[0], "",
                  period, question, commitment, draft, proposal)
    world = World(scope, scope, admin_user, oversight_user, failed.id)
    pages: list[tuple[Browser, str]] = []
    for rule in rules(app):
        if "GET" in methods(rule) and "key" not in rule.arguments and rule.endpoint != "evidence.preview":
            pages.append((admin, route_url(app, rule.endpoint, world, scope,
                                           **({"code": "P1"} if rule.endpoint == "admin.pillar_edit" else {}))))
    pages += [(admin, f"/evidence/{evidence[1]}"), (admin, f"/actions/{second}"), (admin, f"/actions/{second}/history"),
              (admin, f"/actions/{second}/status/reopen"), (admin, f"/forces/{OWN}?pillar=P1&owner={owner_user.id}"),
              (admin, "/admin/users?role=action_owner"), (admin, f"/admin/users/{pm_user.id}/edit"),
              (pm, "/todo"), (pm, f"/forces/{OWN}"), (pm, f"/actions/{first}"), (pm, f"/forces/{OWN}/evidence"),
              (pm, f"/evidence/{evidence[0]}/review"), (pm, f"/forces/{OWN}/dashboard"),
              (owner, "/my-actions"), (owner, f"/actions/{first}"), (owner, f"/actions/{first}/evidence/new"),
              (oversight, "/forces"), (oversight, "/dashboards/national"), (oversight, "/dashboards/pillars/P1"),
              (oversight, "/dashboards/national/board-pack"), (oversight, f"/forces/{OWN}/dashboard/board-pack")]
    returned = f"/forces/{OWN}/returns/{period}"
    pages += [(admin, f"{returned}/versions/2"), (admin, f"{returned}/versions/2/board-paper"),
              (oversight, f"{returned}/versions/2/pillars/P2/assess"),
              (oversight, f"{returned}/versions/2/questions/new"), (oversight, f"{returned}/versions/1"),
              (oversight, "/returns"), (pm, returned), (pm, f"{returned}/versions/1"), (pm, f"/forces/{OWN}/returns")]
    pages += [(oversight, "/outcomes"), (oversight, "/outcomes?measure=charge_rate"), (oversight, "/outcomes/measures"),
              (oversight, f"/forces/{OWN}/outcomes"), (oversight, f"/forces/{OWN}/outcomes/history"),
              (pm, f"/forces/{OWN}/outcomes"), (pm, f"/forces/{OWN}/outcomes/history"),
              (pm, "/outcomes/measures/charge_rate"), (admin, "/outcomes/measures/charge_rate/edit")]
    commitment_pages = [(oversight, "/commitments"), (oversight, f"/commitments/{commitment}"),
                        (oversight, f"/commitments/{draft}"), (oversight, f"/commitments/{draft}/publish"),
                        (oversight, f"/commitments/{draft}/edit"), (pm, "/commitments"),
                        (pm, f"/commitments/{commitment}"), (pm, f"/actions/{linked}"), (pm, f"/forces/{OWN}"),
                        (admin, f"/actions/{linked}/history"), (oversight, f"/forces/{OWN}")]
    pages += commitment_pages
    # Search shows every title and text it finds, with the matched words marked: "alert" is in every payload.
    pages += [(admin, "/search?q=alert"), (oversight, "/search?q=alert&kind=updates"), (pm, "/search?q=alert+script"),
              (owner, "/search?q=alert"), (admin, "/search?q=alert&page=2")]

    problems, seen, opened = [], [], 0
    for person, url, response in [(pm, url, response) for url, response in previews] + drafting + \
            [(person, url, None) for person, url in pages]:
        response = response or person.client.get(url)
        if response.status_code == 302 or response.mimetype != "text/html" or url.endswith((".csv", ".xlsx")):
            continue  # a role's landing redirect; downloads: see test_downloads_of_stored_payloads_are_...
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        person.check_page(response)
        problems += inert(response, url)
        seen.append(BeautifulSoup(response.data, "html.parser").get_text())
        opened += 1
    for name, message in emails.items():
        problems += _inert_email(message, name)
        seen.append(message.get_body(("html",)).get_content())
    assert problems == [], "\n".join(problems)
    assert opened > 50

    # Where a commitment's words must be seen as text: its lists and pages, and, once published, the
    # home force's plan and its linked action (which carries the commitment's title and description).
    wanted = {"/commitments": ["commitment-title"], f"/commitments/{commitment}": ["commitment-title",
              "commitment-desc", "commitment-success", "commitment-evidence"],
              f"/commitments/{draft}": ["draft-title", "draft-desc"],
              f"/commitments/{draft}/publish": ["draft-title"],
              f"/actions/{linked}": ["commitment-title", "commitment-desc", "commitment-success"],
              f"/forces/{OWN}": ["commitment-title"]}
    for person, url in [*commitment_pages, (oversight, f"/commitments/{commitment}/publish")]:
        if url == f"/commitments/{commitment}/publish":
            text = BeautifulSoup(publishing[0][2].data, "html.parser").get_text()  # drawn before publishing
            tags = ["commitment-title"]
        else:
            text = BeautifulSoup(person.client.get(url).data, "html.parser").get_text()
            tags = wanted.get(url, [])
        missing = [t for t in tags if shown(t) not in text]
        assert missing == [], f"GET {url} as {person.user.role} does not show {missing} as text"

    everything = "\n".join(seen)
    tags = ["pillar-name", "pillar-desc", "force-name", "user-name", "pm-name", "dd-title", "dd-period", "dd-lead",
            "dd-summary", "finding-title", "finding-detail", "action-title", "action-desc", "action-success",
            "milestone", "due-reason", "rag-reason", "start-note", "update", "evidence-desc", "withdrawn-desc",
            "reject-reason", "withdraw-reason", "purge-reason", "request-note", "return-note", "block-note",
            "close-note", "reopen-note", "sign-off-note", "no-evidence-reason", "import-dd", "import-finding",
            "import-action", "import-owner", "import-milestone", "import-bad-date", "oversight-name",
            "return-reason", "return-progress", "return-risks", "return-help", "assess-comment", "asked-question",
            "open-question", "answer", "corrected-progress", "correction-reason", "measure-name",
            "measure-definition", "measure-source", "measure-caveat", "outcome-reason", "import-reason",
            "commitment-title", "commitment-desc", "commitment-success", "commitment-evidence",
            "draft-title", "draft-desc", "draft-success", "draft-evidence"]
    missing = [t for t in tags if shown(t) not in everything]
    missing += [t for t in ("evidence-file", "withdrawn-file", "import-file", "outcome-file")
                if f"{t}'><img src=x onerror=alert(1)><svg onload=alert(1)>" not in everything]
    assert missing == [], f"these payloads were never shown as text, so their pages were not checked: {missing}"


def _reminder_emails(action_id: int) -> dict:
    """The reminder digest of the action's owner and the weekly summaries, as the mail relay gets them."""
    from improvement_tracker.services import mail, reminders
    from improvement_tracker.services import settings as reminder_settings
    from improvement_tracker.services.working_days import first_working_day_of_week

    monday = first_working_day_of_week(date.today())
    action = db.session.get(Action, action_id)
    action.current_due_date = monday - timedelta(days=3)  # overdue on the day the reminders run
    factories.changed(action)
    db.session.commit()
    reminders.run_daily(db.session, monday, reminder_settings.load(db.session))
    built = {}
    for notification in db.session.scalars(select(Notification).order_by(Notification.id)):
        message = mail.build_message(notification, base_url="https://tracker.example", mail_from="it@example.org")
        built[f"{notification.kind} email to {notification.recipient.email}"] = message_from_bytes(
            message.as_bytes(), policy=policy.default)
    assert {"digest", "weekly_summary"} <= {n.split(" ")[0] for n in built}, built.keys()
    return built


def _inert_email(message, name: str) -> list[str]:
    html = message.get_body(("html",)).get_content()
    page = BeautifulSoup(html, "html.parser")
    problems = [f"{name}: raw {m!r}" for m in RAW_MARKUP if m in html]
    problems += [f"{name}: <{e.name}> with {a}" for e in page.find_all(True) for a in e.attrs if a.startswith("on")]
    problems += [f"{name}: <{e.name}>" for e in page.find_all(("script", "img", "svg", "iframe"))]
    problems += [f"{name}: link to {a['href']}" for a in page.find_all("a")
                 if not a["href"].startswith("https://tracker.example/")]
    return problems


def test_downloads_of_stored_payloads_are_attachments_not_pages(app, world):
    """A file named like markup, and exports of text holding markup, never render as a page of the site."""
    owner = browser(app, world.own.owner)
    owner.post(f"/actions/{world.own.action_id}/evidence/new", {
        "files": [(io.BytesIO(files.pdf()), evil_filename("file"))], "description": evil("desc")},
        content_type="multipart/form-data")
    item = db.session.scalar(select(Evidence).where(Evidence.description == evil("desc")))
    admin = browser(app, world.admin)
    for url in (f"/evidence/{item.id}/download", f"/forces/{OWN}/evidence.csv", f"/forces/{OWN}/evidence.xlsx",
                f"/forces/{OWN}/plan.csv", f"/forces/{OWN}/dashboard/export/evidence-awaiting-review.csv",
                f"/forces/{OWN}/returns/{world.own.period}/versions/1/return.xlsx", "/returns.csv", "/returns.xlsx"):
        response = admin.client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype != "text/html" and response.headers["X-Content-Type-Options"] == "nosniff", url
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;"), url
        assert "\r" not in disposition and "\n" not in disposition and disposition.count('"') == 2, disposition
    disposition = admin.client.get(f"/evidence/{item.id}/download").headers["Content-Disposition"]
    assert "<" not in disposition and ">" not in disposition, "the file name must be encoded in the header"
    assert re.search(r"default-src 'none'; sandbox", admin.client.get(f"/evidence/{item.id}/download")
                     .headers["Content-Security-Policy"])
