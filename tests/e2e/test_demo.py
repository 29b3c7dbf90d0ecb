"""`make demo`'s program: one process serving the API and console with a worker, demo users and
claims waiting in inboxes; Ctrl-C stops it cleanly; running it again keeps the data."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.e2e.test_serve import free_port

ROOT = Path(__file__).resolve().parents[2]


def run_demo(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "examples.demo", "--database-url", url, "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the demo did not come up:\n" + log.read_text())


def start_demo(url: str, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """The demo on a free port, ready (another port when a concurrent test took the chosen one)."""
    for _ in range(5):
        port = free_port()
        proc = run_demo(url, port, log)
        try:
            wait_ready(port, proc, log)
            return proc, port
        except AssertionError:
            proc.kill()
            proc.wait(timeout=30)
            if "address already in use" not in log.read_text():
                raise
    raise AssertionError("no free port found for the demo")


def tasks_of(port: int, username: str, view: str = "mine") -> dict[str, int]:
    base = f"http://127.0.0.1:{port}"
    login = httpx.post(
        f"{base}/v1/auth/login", json={"tenant": "default", "username": username, "password": "officeflow-demo"}
    )
    assert login.status_code == 200, login.text
    page = httpx.get(f"{base}/v1/tasks?view={view}", headers={"Authorization": f"Bearer {login.json()['token']}"})
    assert page.status_code == 200, page.text
    counts: dict[str, int] = page.json()["counts"]
    return counts


def test_the_demo_serves_inboxes_stops_on_ctrl_c_and_keeps_its_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/demo.db"
    log = tmp_path / "demo.log"
    for attempt in (1, 2):
        proc, port = start_demo(url, log)
        try:
            deadline = time.monotonic() + 120  # the worker reads five receipts (OCR) first
            while tasks_of(port, "fiona", "groups")["groups"] < 1 and time.monotonic() < deadline:
                time.sleep(0.3)  # Mark approves the hotel claim once its invoice is read
            assert tasks_of(port, "fiona", "groups")["groups"] == 1
            while tasks_of(port, "mark")["mine"] < 4 and time.monotonic() < deadline:
                time.sleep(0.3)  # the worker takes the other claims to the manager
            assert tasks_of(port, "mark")["mine"] == 4
            assert httpx.get(f"http://127.0.0.1:{port}/inbox", follow_redirects=False).status_code == 303
        finally:
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=30) == 0, log.read_text()
        text = log.read_text()
        assert "sign in as" in text
        assert ("claims kept from the last run" in text) == (attempt == 2)
