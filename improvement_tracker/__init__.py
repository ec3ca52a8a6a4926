"""Improvement Tracker: force improvement plans for Operation Soteria and the NOM."""

from improvement_tracker.factory import ROOT, create_app

__all__ = ["ROOT", "create_app"]
