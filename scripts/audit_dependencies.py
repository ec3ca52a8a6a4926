"""Known vulnerabilities in the installed Python packages, checked by pip-audit (`make test` runs this).

pip-audit asks PyPI's JSON API about each installed release. Any known vulnerability fails the
build, with the package, the advisory and the fixed versions. A package pip-audit could not ask
about (no network, or an index that does not serve PyPI's per-release JSON) is skipped by
pip-audit: this prints every such package as NOT AUDITED, and fails when AUDIT_REQUIRED=1, so a
machine that can reach PyPI can insist on a complete audit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def summarise(report: dict, *, required: bool) -> tuple[int, list[str]]:
    """The exit code and what to print, from pip-audit's JSON report."""
    # This project itself, installed editable, is not on PyPI: nothing to ask about it.
    dependencies = [d for d in report.get("dependencies", []) if "editable" not in d.get("skip_reason", "")]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    lines = []
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            aliases = ", ".join(vuln.get("aliases") or [])
            lines.append(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']}"
                         f"{f' ({aliases})' if aliases else ''}; fixed in {fixes}")
    if skipped:
        reasons: dict[str, list[str]] = {}
        for d in skipped:  # "Dependency not found on PyPI and could not be audited: flask (3.1.3)"
            reason, _, which = d["skip_reason"].rpartition(": ")
            reasons.setdefault(reason or d["skip_reason"], []).append(which or d["name"])
        lines.append(f"pip-audit: {len(skipped)} of {len(dependencies)} installed packages were NOT AUDITED")
        lines += [f"  NOT AUDITED ({reason}): {', '.join(names)}" for reason, names in reasons.items()]
    if vulnerable:
        lines.append(f"pip-audit: {len(vulnerable)} installed packages have known vulnerabilities: upgrade them")
        return 1, lines
    lines.append(f"pip-audit: no known vulnerabilities in the {audited} packages that could be audited")
    if skipped and required:
        lines.append("pip-audit: AUDIT_REQUIRED=1 and the audit is incomplete")
        return 1, lines
    return 0, lines


def main() -> int:
    run = subprocess.run(  # noqa: S603 - a fixed command: this interpreter's pip-audit
        [sys.executable, "-m", "pip_audit", "--local", "--skip-editable", "--progress-spinner", "off",
         "--format", "json"],
        capture_output=True, text=True, check=False)
    required = os.environ.get("AUDIT_REQUIRED") == "1"
    try:
        report = json.loads(run.stdout)
    except ValueError:  # pip-audit stopped before its report: most often, PyPI could not be reached
        print(run.stderr.strip() or run.stdout.strip(), file=sys.stderr)
        print("pip-audit: NOTHING WAS AUDITED (see its error above)", file=sys.stderr)
        return 1 if required or "No module named pip_audit" in run.stderr else 0
    code, lines = summarise(report, required=required)
    print("\n".join(lines), file=sys.stderr if code else sys.stdout)
    return code


if __name__ == "__main__":
    sys.exit(main())
