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

from officeflow import Engine

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the API process exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("the API did not come up")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_api_processes_take_duplicate_events_and_start_each_run_once(db_url: str, tmp_path: Path) -> None:
    engine = Engine.open(db_url)
    engine.apply("name: book\nversion: 1\nsteps:\n  done: {kind: end, output: input}\n")
    engine.events.register_type("default", "invoice", {"type": "object"}, actor="test")
    engine.events.save_trigger("default", {"name": "t", "event_type": "invoice", "workflow": "book"}, actor="test")
    token = engine.accounts.create_api_key("default", "load", grants=["submitter"], actor="test").token
    ports = [free_port(), free_port()]
    env = {
        **os.environ,
        "OFFICEFLOW_DATABASE_URL": db_url,
        "OFFICEFLOW_LOG_LEVEL": "warning",
        "OFFICEFLOW_RATE_LIMIT_KEY": "off",
        "PYTHONPATH": str(ROOT),
    }
    procs = []
    for port in ports:
        with (tmp_path / f"api-{port}.log").open("wb") as log:  # the child keeps its own copy
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "officeflow", "serve", "--port", str(port)],
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        for port, proc in zip(ports, procs, strict=True):
            wait_up(port, proc)
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
        with engine.store.read() as tx:
            assert tx.count_runs_by_status("default") == {"completed": 100}
        problem = httpx.get(f"http://127.0.0.1:{ports[0]}/v1/runs")
        assert problem.status_code == 401
        assert problem.headers["content-type"] == "application/problem+json"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        engine.close()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_serve_with_two_processes_seals_the_audit_log_once_in_its_supervisor(db_url: str, tmp_path: Path) -> None:
    engine = Engine.open(db_url)
    engine.apply("name: book\nversion: 1\nsteps:\n  done: {kind: end, output: input}\n")
    engine.events.register_type("default", "invoice", {"type": "object"}, actor="test")
    engine.events.save_trigger("default", {"name": "t", "event_type": "invoice", "workflow": "book"}, actor="test")
    token = engine.accounts.create_api_key("default", "load", grants=["submitter"], actor="test").token
    port = free_port()
    env = {**os.environ, "OFFICEFLOW_DATABASE_URL": db_url, "OFFICEFLOW_LOG_LEVEL": "warning", "PYTHONPATH": str(ROOT)}
    with (tmp_path / "serve.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "officeflow", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_up(port, proc)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}) as c:
            for i in range(30):
                assert c.post("/v1/events/invoice", json={"n": i}, headers={"Event-Id": f"e-{i}"}).status_code == 202
        deadline = time.monotonic() + 15
        while True:
            with engine.store.read() as tx:
                unsealed = tx.unsealed_audit("default", 1000, 0)
            if not unsealed or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert unsealed == [], "the supervisor should seal what the API processes audit"
        report = engine.audit.verify("default")
        assert report.ok
        assert report.entries >= 30
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0, (tmp_path / "serve.log").read_text()
        engine.close()
