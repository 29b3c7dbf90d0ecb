"""The browser tests need Chromium: without it they fail in CI and under ``make test`` (which
installs it), and are skipped elsewhere. Runs one browser test in a pytest subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ONE_BROWSER_TEST = "tests/web/test_login.py::test_a_page_asks_for_sign_in_then_comes_back"


def run_without_chromium(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "OFFICEFLOW_REQUIRE_BROWSER")}
    clean.update(OFFICEFLOW_CHROMIUM="/nonexistent/chromium", OFFICEFLOW_TEST_BACKENDS="sqlite", **env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", ONE_BROWSER_TEST],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("env", [{"CI": "true"}, {"OFFICEFLOW_REQUIRE_BROWSER": "1"}])
def test_in_ci_and_under_make_test_a_missing_chromium_fails_the_browser_tests(env: dict[str, str]) -> None:
    result = run_without_chromium(**env)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "no Chromium at /nonexistent/chromium" in result.stdout
    assert "CI and make test run the browser tests, never skip them" in result.stdout
    assert "1 error" in result.stdout


def test_elsewhere_a_missing_chromium_skips_them() -> None:
    result = run_without_chromium()
    assert result.returncode == 0, result.stdout[-2000:]
    assert "1 skipped" in result.stdout
    assert "no Chromium at /nonexistent/chromium" in result.stdout
