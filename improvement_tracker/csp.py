"""The Content-Security-Policy nonce: one per request, made on first use."""

from __future__ import annotations

import secrets

from flask import g


def csp_nonce() -> str:
    """Made on first use: a CSRF refusal can come before any view runs."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce
