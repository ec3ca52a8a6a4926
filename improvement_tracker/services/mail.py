"""Email: building the message from an outbox row (templates/email/), and the two ways of sending it.

SMTP for real use; a file outbox (one .eml per message under instance/outbox/) when no SMTP
host is configured, so the embedded mode shows what would have been sent.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import smtplib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.exceptions import HTTPException

from improvement_tracker.models import Notification

SECTION_TITLES = {
    "overdue": "Overdue",
    "due_soon": "Due soon",
    "stale": "No progress update for a while",
    "assignment": "Newly assigned to you",
    # Quarterly returns (services.return_reminders): items with a "link" rather than an action.
    "return_overdue": "Your force's quarterly return is overdue",
    "return_due": "Your force's quarterly return is due soon",
    "return_question": "Questions about your force's quarterly return",
    "return_answer": "Answers to your questions about quarterly returns",
    # National commitments (services.commitment_reviews): sent at once, not by the reminder runs.
    "commitment_returned": "National commitments returned by the national team",
    "commitment_changed": "National commitments the national team has changed",
    "commitment_added": "National commitments added to your force's plan",
    "commitment_removed": "National commitments your force no longer carries",
    "commitment_date_decided": "The national team's decisions on the dates you proposed",
}
SECTION_ORDER = ("return_escalation", "return_overdue", "return_question", "return_due", "return_answer",
                 "commitment_returned", "commitment_changed", "commitment_added",
                 "commitment_removed", "commitment_date_decided", "escalation", "overdue", "due_soon", "stale",
                 "assignment")
# Escalations stored before each item carried its number of days said it only in its threshold.
_ESCALATION_THRESHOLD = re.compile(r"^(\d+)d overdue$")
log = logging.getLogger(__name__)


class Sender(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Returns once the message is accepted for delivery; raises if it may not have been."""
        ...


@dataclass
class SmtpSender:
    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 30.0

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the relay: returns once the relay has accepted it, raises otherwise.

        Accepted means 250 after DATA: from then on the message is the relay's, so nothing after
        it (what the relay answers to QUIT, or a connection that fails while closing) may make the
        outbox send it again. A connection lost after the message went but before the relay
        answered raises: the outbox tries again, with the same Message-ID (``message_id``).
        """
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)
        except BaseException:
            _hang_up(smtp, None)
            raise
        _hang_up(smtp, message["Message-ID"])


def _hang_up(smtp: smtplib.SMTP, accepted: str | None) -> None:
    """Say QUIT and close, never raising: a relay's fault here changes nothing about the message.

    Not ``with smtplib.SMTP(...)``: its exit raises when QUIT is answered with anything but 221,
    which turned a message the relay had accepted into a failure, retried and so delivered again.
    """
    try:
        code, reply = smtp.quit()  # quit() returns the reply, whatever its code
        answer = f"{code} {reply.decode(errors='replace')}"
    except (smtplib.SMTPException, OSError) as error:
        code, answer = None, f"{type(error).__name__}: {error}"
    finally:
        try:
            smtp.close()
        except OSError:
            log.debug("The connection to the relay did not close cleanly", exc_info=True)
    if accepted and code != 221:
        log.warning("The relay accepted %s, then answered QUIT with %s; it is sent", accepted, answer)


@dataclass
class FileSender:
    directory: str

    def send(self, message: EmailMessage) -> None:
        Path(self.directory).mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").split("@")[0] + ".eml"
        # Written aside and moved into place, so a reader never sees half a message.
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".part")
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
        os.replace(tmp, os.path.join(self.directory, name))


def sender_from_config(config: dict) -> Sender:
    if config.get("SMTP_HOST"):
        return SmtpSender(config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_USERNAME"],
                          config["SMTP_PASSWORD"], config["SMTP_STARTTLS"], config["SMTP_TIMEOUT"])
    return FileSender(config["OUTBOX_DIR"])


def message_id(dedupe_key: str, mail_from: str) -> str:
    """Stable: the same outbox row always makes the same Message-ID, so a retry after a connection
    lost before the relay answered is recognisable as a copy. Its domain is the sender's (MAIL_FROM):
    a valid domain whatever BASE_URL is (an IPv6 address is not one), and unchanged if BASE_URL moves
    while an email waits for a retry."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "improvement-tracker.invalid"
    return f"<{hashlib.sha256(dedupe_key.encode()).hexdigest()[:40]}@{domain}>"


def build_message(notification: Notification, *, base_url: str, mail_from: str) -> EmailMessage:
    """The email for one outbox row, in plain text and HTML, with its links under ``base_url``.

    Needs the app (for its templates and routes) but no request: call it inside an app context,
    outside any request (as the scheduler and the commands do).
    """
    recipient = notification.recipient
    with _links_under(base_url):
        if notification.kind == "weekly_summary":
            name, context = "weekly_summary", _weekly(notification)
        else:
            name, context = "digest", _digest(notification)
        context = {"name": recipient.name, "subject": notification.subject, **context}
        # The app's Jinja environment, not render_template: the page context processors (CSP nonce,
        # asset paths) have no place in an email. .html templates are autoescaped; .txt are not.
        environment = current_app.jinja_env
        text = environment.get_template(f"email/{name}.txt").render(context)
        html = environment.get_template(f"email/{name}.html").render(context)
    message = EmailMessage()
    message["Subject"] = notification.subject
    message["From"] = mail_from
    message["To"] = recipient.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(notification.dedupe_key, mail_from)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


@contextmanager
def _links_under(base_url: str) -> Iterator[None]:
    """Make ``url_for(..., _external=True)`` build links under BASE_URL: scheme, host, port and path.

    Emails are built by the scheduler, which has no request to take a host from. A fresh app
    context whose URL adapter is bound from BASE_URL is all url_for needs. Not
    ``app.test_request_context``: that brings a made-up request, session and ``g`` a template
    could come to rely on. Not SERVER_NAME, APPLICATION_ROOT and PREFERRED_URL_SCHEME: settings
    of the whole app, which the web workers' request handling reads too.
    """
    app = current_app._get_current_object()
    parts = urlsplit(base_url)
    with app.app_context() as context:
        context.url_adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                               url_scheme=parts.scheme or "https")
        yield


def _section_title(item: dict[str, Any]) -> str:
    if item["kind"] == "return_escalation":
        days = item.get("working_days")
        return "Overdue quarterly returns" + (f" ({days} working day{'s' if days != 1 else ''} or more)"
                                              if days is not None else "")
    if item["kind"] != "escalation":
        return SECTION_TITLES[item["kind"]]
    days = item.get("escalation_days")
    if days is None:
        match = _ESCALATION_THRESHOLD.match(item.get("threshold") or "")
        days = int(match.group(1)) if match else None
    return ("Overdue actions in your force" if days is None
            else f"Overdue actions in your force ({days} day{'s' if days != 1 else ''} or more)")


def _digest(notification: Notification) -> dict[str, Any]:
    """Sections in a fixed order; escalations claimed under different thresholds stay apart.

    An item about an action links to it (``action_id``); one about a quarterly return carries its
    ``link`` (a route, its arguments and an anchor). The first and last words say which it is about.
    """
    sections: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for item in notification.items:
        if item.get("kind") not in SECTION_ORDER:
            continue
        sections.setdefault((SECTION_ORDER.index(item["kind"]), _section_title(item)), []).append(item)
    returns = [item for items in sections.values() for item in items if item.get("link")]
    actions = len(returns) < sum(len(items) for items in sections.values()) or not returns
    if not returns:
        intro = "These improvement actions need your attention."
    elif actions:
        intro = "These improvement actions and quarterly returns need your attention."
    elif {item["kind"] for item in returns} == {"return_answer"}:
        intro = ("A question you asked about a quarterly return has been answered." if len(returns) == 1
                 else "Questions you asked about quarterly returns have been answered.")
    else:
        intro = "These quarterly returns need your attention."
    closing = (["Open each action to record progress, tick off milestones or ask for sign-off."] if actions else [])
    if returns:
        closing.append("Follow each link to the return, or to the question on it.")
    return {"sections": [{"title": title, "items": items} for (_, title), items in sorted(sections.items())],
            "intro": intro, "closing": closing}


def _route(link: dict[str, Any]) -> dict[str, Any] | None:
    """Where a summary line leads: a route and its arguments (older rows kept a path instead)."""
    if link.get("endpoint"):
        return {"endpoint": link["endpoint"], "args": link.get("args") or {}}
    if link.get("path"):
        try:
            endpoint, args = current_app.url_map.bind("localhost").match(link["path"])
        except HTTPException:  # a page that no longer exists: the line is shown without a link
            return None
        return {"endpoint": endpoint, "args": args}
    return None


def _weekly(notification: Notification) -> dict[str, Any]:
    summary = notification.items[0] if notification.items else {}
    rows = [{"text": row.get("text", ""), "route": _route(row)} for row in summary.get("rows", [])]
    whole = _route(summary.get("link") or {"path": summary.get("path")})
    sections = [{"title": section.get("title", ""),
                 "rows": [{"text": row.get("text", ""), "route": _route(row)} for row in section.get("rows", [])]}
                for section in summary.get("sections", [])]
    return {"intro": summary.get("intro", ""), "figures": summary.get("figures", []),
            "rows_title": summary.get("rows_title", ""), "rows": rows, "sections": sections, "whole": whole}
