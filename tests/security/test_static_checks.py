"""The dependency audit that `make test` runs must fail on a known vulnerability and say plainly
what it could not check (tests the summary of scripts/audit_dependencies.py on pip-audit reports)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit_dependencies.py"


def _summarise():
    spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.summarise


FLASK = {"name": "flask", "version": "2.2.0", "vulns": [
    {"id": "PYSEC-2023-62", "fix_versions": ["2.2.5", "2.3.2"], "aliases": ["CVE-2023-30861"], "description": ""}]}
CLEAN = {"name": "werkzeug", "version": "3.1.9", "vulns": []}
SKIPPED = {"name": "wtforms", "skip_reason": "Dependency not found on PyPI and could not be audited: wtforms (3.3.2)"}
OURS = {"name": "improvement-tracker", "skip_reason": "distribution marked as editable"}


def test_a_known_vulnerability_fails_the_build_and_names_the_fix():
    code, lines = _summarise()({"dependencies": [FLASK, CLEAN, OURS]}, required=False)
    assert code == 1
    assert "VULNERABLE flask 2.2.0: PYSEC-2023-62 (CVE-2023-30861); fixed in 2.2.5, 2.3.2" in lines


def test_packages_that_could_not_be_asked_about_are_named_and_fail_only_when_required():
    report = {"dependencies": [CLEAN, SKIPPED, OURS]}
    code, lines = _summarise()(report, required=False)
    assert code == 0
    assert "pip-audit: 1 of 2 installed packages were NOT AUDITED" in lines
    assert any("wtforms (3.3.2)" in line for line in lines)
    assert _summarise()(report, required=True)[0] == 1


def test_a_complete_clean_audit_passes():
    code, lines = _summarise()({"dependencies": [CLEAN, OURS]}, required=True)
    assert code == 0 and lines == ["pip-audit: no known vulnerabilities in the 1 packages that could be audited"]
