"""Security headers on every response: every GET route (opened by an administrator, with real ids),
static files, redirects, downloads and every error page, over HTTPS and over plain HTTP.

A response passes when its Content-Security-Policy allows scripts from this site and the page's
nonce only (no 'unsafe-inline', no 'unsafe-eval', no other host), forbids framing, plugins and
<base>, and it carries nosniff, a referrer policy, X-Frame-Options, and no-store unless it is a
static file. Strict-Transport-Security is sent on every HTTPS response and never over HTTP, and a
forged X-Forwarded-Proto only counts behind a trusted proxy.
"""

from __future__ import annotations

import pytest
from flask import Flask

from tests import factories
from tests.conftest import make_app
from tests.security.conftest import OWN, World, browser, methods, route_url, rules

STATIC = ["/static/dist/app.css", "/static/dist/app.mjs", "/static/dist/charts.mjs", "/static/dist/plotly.min.js",
          "/static/dist/conditional-reveal.mjs",
          "/static/dist/govuk/assets/images/favicon.ico", "/static/dist/govuk/assets/manifest.json",
          "/static/no-such-file.css"]
# Downloads that are the same for every user (the import templates: headings and pillar names), which
# may be kept by a browser's cache; everything else is someone's plan and must not be stored.
SAME_FOR_EVERYONE = (f"/forces/{OWN}/import/template", "/outcomes/import/template")
REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
ONE_YEAR = 31536000


def _directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in filter(None, (p.strip() for p in csp.split(";"))):
        name, *values = part.split()
        parsed[name.lower()] = values
    return parsed


def header_problems(response, where: str, *, https: bool) -> list[str]:
    problems = []
    headers = response.headers
    csp = _directives(headers.get("Content-Security-Policy", ""))
    default = csp.get("default-src")
    if default not in (["'self'"], ["'none'"]):
        problems.append(f"default-src {default}")
    scripts = csp.get("script-src", default) or []
    for source in scripts:
        if source in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:") or "://" in source:
            problems.append(f"script-src allows {source}")
    if not all(s in ("'self'", "'none'") or s.startswith("'nonce-") for s in scripts):
        problems.append(f"script-src {scripts}")
    if csp.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors {csp.get('frame-ancestors')}")
    if csp.get("object-src", default) != ["'none'"]:
        problems.append(f"object-src {csp.get('object-src', default)}")
    if "base-uri" in csp and csp["base-uri"] not in (["'none'"], ["'self'"]) or \
            "base-uri" not in csp and default != ["'none'"]:
        problems.append(f"base-uri {csp.get('base-uri')}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    if headers.get("Referrer-Policy") not in REFERRER_POLICIES:
        problems.append(f"Referrer-Policy {headers.get('Referrer-Policy')}")
    if headers.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options {headers.get('X-Frame-Options')}")
    hsts = headers.get("Strict-Transport-Security", "")
    if https and not (hsts.startswith(f"max-age={ONE_YEAR}") or
                      hsts.startswith("max-age=") and int(hsts[8:].split(";")[0]) >= ONE_YEAR):
        problems.append(f"HSTS over HTTPS: {hsts!r}")
    if not https and hsts:
        problems.append("HSTS over plain HTTP")
    if not where.startswith(("/static/", *SAME_FOR_EVERYONE)) and "no-store" not in headers.get("Cache-Control", ""):
        problems.append(f"Cache-Control {headers.get('Cache-Control')!r}")
    return [f"{where} ({response.status_code}, {'https' if https else 'http'}): {p}" for p in problems]


@pytest.fixture
def hsts_app(app) -> Flask:
    """The app as production runs it (HSTS on), over the test database and files."""
    other = make_app(app.instance_path + "-hsts", app.config["SQLALCHEMY_DATABASE_URI"], HSTS_ENABLED=True,
                     UPLOAD_DIR=app.config["UPLOAD_DIR"], IMPORT_DIR=app.config["IMPORT_DIR"])

    @other.get("/__boom")
    def boom():
        raise RuntimeError("an unexpected error, for its error page")

    return other


def _every_response(hsts_app: Flask, app: Flask, world: World, base_url: str):
    """(where, response) for every GET route, static file, redirect, download and error page."""
    admin = browser(hsts_app, world.admin)
    for rule in rules(app):
        if "GET" in methods(rule):
            url = route_url(app, rule.endpoint, world, world.own,
                            **({"code": "P1"} if rule.endpoint == "admin.pillar_edit" else {}))
            yield url, admin.client.get(url, base_url=base_url)
    for url in STATIC:
        yield url, admin.client.get(url, base_url=base_url)
    yield f"/evidence/{world.own.evidence_id}/preview", admin.client.get(
        f"/evidence/{world.own.evidence_id}/preview", base_url=base_url)
    yield "404", admin.client.get("/no-such-page", base_url=base_url)
    yield "405", admin.client.put("/healthz", base_url=base_url)
    yield "500", admin.client.get("/__boom", base_url=base_url)
    oversight = browser(hsts_app, world.oversight)
    yield "403", oversight.client.get(f"/actions/{world.own.action_id}/edit", base_url=base_url)
    yield "400 (CSRF)", oversight.client.post("/sign-out", data={}, base_url=base_url)
    limit = hsts_app.config["MAX_CONTENT_LENGTH"]
    yield "413", admin.client.post(f"/forces/{OWN}/deep-dives/new", data={"summary": "x" * (limit + 1)},
                                   base_url=base_url)
    visitor = hsts_app.test_client()
    yield "/sign-in (signed out)", visitor.get("/sign-in", base_url=base_url)
    yield "/my-actions (signed out)", visitor.get("/my-actions", base_url=base_url)
    yield "/static/dist/app.css (signed out)", visitor.get("/static/dist/app.css", base_url=base_url)


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_every_response_carries_the_security_headers(app, hsts_app, world, scheme):
    """HTTPS: everything, with HSTS. Plain HTTP (a browser on http://127.0.0.1): the same, without HSTS."""
    problems, statuses = [], set()
    for where, response in _every_response(hsts_app, app, world, f"{scheme}://localhost"):
        statuses.add(response.status_code)
        problems += header_problems(response, where, https=scheme == "https")
    assert problems == [], "\n".join(problems)
    assert {200, 302, 400, 403, 404, 405, 413, 500} <= statuses


def test_throttled_sign_in_carries_them_too(app, hsts_app, quick_passwords):
    user = quick_passwords(factories.create_user("action_owner", OWN))
    person = browser(hsts_app)
    for _ in range(6):
        response = person.client.post("/sign-in", base_url="https://localhost", data={
            "email": user.email, "password": "wrong password!", "csrf_token": person.csrf_token()},
            headers={"Referer": "https://localhost/sign-in"})  # over HTTPS the CSRF check wants it
    assert response.status_code == 429
    assert header_problems(response, "429", https=True) == []


def test_hsts_follows_the_proxy_only_when_the_proxy_is_trusted(app, tmp_path):
    """Behind a load balancer the app sees plain HTTP; X-Forwarded-Proto says what the browser used.
    Only a trusted proxy's word counts: otherwise any client could claim HTTPS (or deny it)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    trusted = make_app(str(tmp_path / "trusted"), url, HSTS_ENABLED=True, TRUST_PROXY=True).test_client()
    untrusted = make_app(str(tmp_path / "untrusted"), url, HSTS_ENABLED=True).test_client()
    https = {"X-Forwarded-Proto": "https"}
    assert "max-age=31536000" in trusted.get("/sign-in", headers=https).headers["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in trusted.get("/sign-in").headers
    assert "Strict-Transport-Security" not in untrusted.get("/sign-in", headers=https).headers
    assert "Strict-Transport-Security" in untrusted.get("/sign-in", base_url="https://localhost").headers


def test_hsts_is_on_in_production_and_off_in_the_embedded_mode(tmp_path):
    from improvement_tracker.config import load_config

    production = {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "postgresql://db/x"}
    assert load_config(tmp_path, production)["HSTS_ENABLED"] is True
    assert load_config(tmp_path, {"SECRET_KEY": "x" * 40})["HSTS_ENABLED"] is False


def test_evidence_is_served_sandboxed_so_no_file_could_run_as_a_page(app, world):
    """Belt and braces: even a file that got past the type checks could not run script as this site."""
    from improvement_tracker.extensions import db
    from improvement_tracker.models import Evidence

    item = db.session.get(Evidence, world.own.evidence_id)
    admin = browser(app, world.admin)
    for url in (f"/evidence/{item.id}/download", f"/evidence/{item.id}/preview"):
        response = admin.client.get(url)
        csp = _directives(response.headers["Content-Security-Policy"])
        assert csp["default-src"] == ["'none'"] and "sandbox" in csp, url
        assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
        assert response.mimetype == "image/png"  # the type found in the bytes, never the browser's word
