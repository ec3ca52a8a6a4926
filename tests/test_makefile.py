"""`make run`: the server and the scheduler are given one BASE_URL, so the links in emails open on
the port being served. Read from `make -n` (what would run; nothing is run)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from improvement_tracker import ROOT


def _run_lines(**env: str) -> list[str]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    environment = {k: v for k, v in os.environ.items() if k != "BASE_URL"} | env
    result = subprocess.run(["make", "-n", "run", "PORT=8000"], cwd=ROOT, env=environment, capture_output=True,
                            text=True, timeout=60, check=True)
    return [line for line in result.stdout.splitlines() if " scheduler run" in line or " run --host" in line]


def test_make_run_on_another_port_links_emails_to_that_port():
    scheduler, server = _run_lines()
    assert "BASE_URL='http://127.0.0.1:8000'" in scheduler and "scheduler run" in scheduler
    assert "BASE_URL='http://127.0.0.1:8000'" in server and "--port 8000" in server


def test_a_base_url_already_set_is_kept():
    for line in _run_lines(BASE_URL="https://tracker.example.gov.uk"):
        assert "BASE_URL='https://tracker.example.gov.uk'" in line
