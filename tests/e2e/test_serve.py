"""``officeflow serve`` as real processes: two API processes on one PostgreSQL database take the
same events concurrently and start each workflow once."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from officeflow import Office

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 60, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the API process exited" + (f":\n{log.read_text()}" if log else "")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("the API did not come up")


def start_serving(args: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """``officeflow serve`` on a free port, ready; another port when a concurrent test took the
    one chosen (the port is free when chosen, not necessarily when the server binds it)."""
    for _ in range(5):
        port = free_port()
        with log.open("ab") as out:  # the child keeps its own copy
            proc = subprocess.Popen(
                [sys.executable, "-m", "officeflow", "serve", "--port", str(port), *args],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_up(port, proc, log=log)
            return proc, port
        except AssertionError:
            proc.kill()
            proc.wait(timeout=30)
            if "address already in use" not in log.read_text():
                raise
    raise AssertionError("no free port found for the API")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_api_processes_take_duplicate_events_and_start_each_run_once(db_url: str, tmp_path: Path) -> None:
    office = Office.open(db_url)
    office.engine.apply("name: book\nversion: 1\nsteps:\n  done: {kind: end, output: input}\n")
    office.events.register_type("default", "invoice", {"type": "object"}, actor="test")
    office.events.save_trigger("default", {"name": "t", "event_type": "invoice", "workflow": "book"}, actor="test")
    token = office.accounts.create_api_key("default", "load", grants=["submitter"], actor="test").token
    env = {
        **os.environ,
        "OFFICEFLOW_DATABASE_URL": db_url,
        "OFFICEFLOW_LOG_LEVEL": "warning",
        "OFFICEFLOW_RATE_LIMIT_KEY": "off",
        "PYTHONPATH": str(ROOT),
    }
    procs: list[subprocess.Popen[bytes]] = []
    ports: list[int] = []
    try:
        for n in range(2):
            proc, port = start_serving([], env, tmp_path / f"api-{n}.log")
            procs.append(proc)
            ports.append(port)
        statuses: list[int] = []

        def deliver(port: int) -> None:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
            ) as client:
                for i in range(100):
                    response = client.post(
                        "/v1/events/invoice",
                        content=json.dumps({"n": i}),
                        headers={"Event-Id": f"inv-{i}", "content-type": "application/json"},
                    )
                    statuses.append(response.status_code)

        threads = [threading.Thread(target=deliver, args=(port,)) for port in ports for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(set(statuses)) == [200, 202]
        assert statuses.count(202) == 100
        with office.store.read() as tx:
            assert tx.count_runs_by_status("default") == {"completed": 100}
        problem = httpx.get(f"http://127.0.0.1:{ports[0]}/v1/runs")
        assert problem.status_code == 401
        assert problem.headers["content-type"] == "application/problem+json"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        office.close()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_serve_with_two_processes_seals_the_audit_log_once_in_its_supervisor(db_url: str, tmp_path: Path) -> None:
    office = Office.open(db_url)
    office.engine.apply("name: book\nversion: 1\nsteps:\n  done: {kind: end, output: input}\n")
    office.events.register_type("default", "invoice", {"type": "object"}, actor="test")
    office.events.save_trigger("default", {"name": "t", "event_type": "invoice", "workflow": "book"}, actor="test")
    token = office.accounts.create_api_key("default", "load", grants=["submitter"], actor="test").token
    env = {**os.environ, "OFFICEFLOW_DATABASE_URL": db_url, "OFFICEFLOW_LOG_LEVEL": "warning", "PYTHONPATH": str(ROOT)}
    proc, port = start_serving(["--workers", "2"], env, tmp_path / "serve.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}) as c:
            for i in range(30):
                assert c.post("/v1/events/invoice", json={"n": i}, headers={"Event-Id": f"e-{i}"}).status_code == 202
        deadline = time.monotonic() + 15
        while True:
            with office.store.read() as tx:
                unsealed = tx.unsealed_audit("default", 1000, 0)
            if not unsealed or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert unsealed == [], "the supervisor should seal what the API processes audit"
        report = office.audit.verify("default")
        assert report.ok
        assert report.entries >= 30
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0, (tmp_path / "serve.log").read_text()
        office.close()
