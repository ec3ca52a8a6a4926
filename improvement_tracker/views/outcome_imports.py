"""(being built)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("outcome_imports", __name__)
