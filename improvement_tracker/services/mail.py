"""Email: building the message from an outbox row, and the two ways of sending it.

SMTP for real use; a file outbox (one .eml per message under instance/outbox/) when no SMTP
host is configured, so the embedded mode shows what would have been sent.
"""

from __future__ import annotations

import hashlib
import os
import smtplib
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from html import escape
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from improvement_tracker.models import Notification

SECTION_TITLES = {
    "escalation": "Overdue actions in your force (14 days or more)",
    "overdue": "Overdue",
    "due_soon": "Due soon",
    "stale": "No progress update for a while",
    "assignment": "Newly assigned to you",
}
SECTION_ORDER = ("escalation", "overdue", "due_soon", "stale", "assignment")


class Sender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass
class SmtpSender:
    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 30.0

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


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


def message_id(dedupe_key: str, base_url: str) -> str:
    """Stable: the same outbox row always makes the same Message-ID, so a resend is recognisable."""
    domain = urlsplit(base_url).hostname or "improvement-tracker.invalid"
    return f"<{hashlib.sha256(dedupe_key.encode()).hexdigest()[:40]}@{domain}>"


def build_message(notification: Notification, *, base_url: str, mail_from: str) -> EmailMessage:
    recipient = notification.recipient
    settings_url = f"{base_url}/notifications"
    if notification.kind == "weekly_summary":
        text, html = _weekly(notification, base_url, settings_url)
    else:
        text, html = _digest(notification, base_url, settings_url)
    message = EmailMessage()
    message["Subject"] = notification.subject
    message["From"] = mail_from
    message["To"] = recipient.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(notification.dedupe_key, base_url)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _digest(notification: Notification, base_url: str, settings_url: str) -> tuple[str, str]:
    name = notification.recipient.name
    sections: dict[str, list[dict]] = {}
    for item in notification.items:
        sections.setdefault(item["kind"], []).append(item)
    lines = [f"Dear {name},", "", "These improvement actions need your attention.", ""]
    html = [f"<p>Dear {escape(name)},</p>", "<p>These improvement actions need your attention.</p>"]
    for kind in SECTION_ORDER:
        items = sections.get(kind)
        if not items:
            continue
        lines += [SECTION_TITLES[kind], "-" * len(SECTION_TITLES[kind])]
        html.append(f"<h2>{escape(SECTION_TITLES[kind])}</h2><ul>")
        for item in items:
            url = f"{base_url}/actions/{item['action_id']}"
            what = f"{item['reference']}: {item['title']}"
            if item.get("milestone"):
                what += f" – milestone “{item['milestone']}”"
            lines += [f"* {what}", f"  {item['label']}", f"  {url}", ""]
            html.append(f'<li><a href="{escape(url)}">{escape(what)}</a><br>{escape(item["label"])}</li>')
        html.append("</ul>")
    lines += ["Open each action to record progress, tick off milestones or ask for sign-off.", "",
              f"Change or pause these emails: {settings_url}"]
    html += ["<p>Open each action to record progress, tick off milestones or ask for sign-off.</p>",
             f'<p><a href="{escape(settings_url)}">Change or pause these emails</a></p>']
    return "\n".join(lines), "\n".join(html)


def _weekly(notification: Notification, base_url: str, settings_url: str) -> tuple[str, str]:
    name = notification.recipient.name
    summary = notification.items[0] if notification.items else {}
    lines = [f"Dear {name},", "", summary.get("intro", ""), ""]
    html = [f"<p>Dear {escape(name)},</p>", f"<p>{escape(summary.get('intro', ''))}</p>"]
    figures = summary.get("figures", [])
    if figures:
        lines += [f"{label}: {value}" for label, value in figures] + [""]
        html.append("<table><tbody>" + "".join(
            f"<tr><th scope=\"row\">{escape(label)}</th><td>{value}</td></tr>" for label, value in figures)
            + "</tbody></table>")
    rows = summary.get("rows", [])
    if rows:
        lines += [summary.get("rows_title", ""), ""]
        html.append(f"<h2>{escape(summary.get('rows_title', ''))}</h2><ul>")
        for row in rows:
            url = f"{base_url}{row['path']}"
            lines += [f"* {row['text']}", f"  {url}"]
            html.append(f'<li><a href="{escape(url)}">{escape(row["text"])}</a></li>')
        html.append("</ul>")
        lines.append("")
    link = f"{base_url}{summary.get('path', '/')}"
    lines += [f"See the whole picture: {link}", "", f"Change or stop these emails: {settings_url}"]
    html += [f'<p><a href="{escape(link)}">See the whole picture</a></p>',
             f'<p><a href="{escape(settings_url)}">Change or stop these emails</a></p>']
    return "\n".join(lines), "\n".join(html)
