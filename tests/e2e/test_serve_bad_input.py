"""``officeflow serve`` with bad input: a clear error on standard error and an exit code, before
anything starts (real processes; the database is never touched for these)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def serve(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OFFICEFLOW_API_")}
    environment.update(OFFICEFLOW_DATABASE_URL="sqlite:///does-not-matter.db", **env)
    return subprocess.run(
        [sys.executable, "-m", "officeflow", "serve", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["--workers", "0"],
            {},
            "Invalid value for '--workers' (env var: 'OFFICEFLOW_API_WORKERS'): 0 is not in the range 1<=x<=64",
        ),
        (["--workers", "65"], {}, "65 is not in the range 1<=x<=64"),
        (["--workers", "two"], {}, "'two' is not a valid integer"),
        (
            ["--port", "0"],
            {},
            "Invalid value for '--port' (env var: 'OFFICEFLOW_API_PORT'): 0 is not in the range 1<=x<=65535",
        ),
        (["--port", "70000"], {}, "70000 is not in the range 1<=x<=65535"),
        (["--port", "http"], {}, "'http' is not a valid integer"),
    ],
)
def test_a_bad_number_of_workers_or_port_is_a_usage_error(args: list[str], env: dict[str, str], message: str) -> None:
    result = serve(*args, **env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "serving the API" not in result.stdout


def test_an_unknown_host_is_a_configuration_error() -> None:
    result = serve("--host", "no-such-host.invalid", "--port", "18080")
    assert result.returncode == 7
    assert "error: cannot listen on 'no-such-host.invalid'" in result.stderr
    assert "(--host, OFFICEFLOW_API_HOST; --port, OFFICEFLOW_API_PORT)" in result.stderr
    assert "serving the API" not in result.stdout


def test_a_bad_number_of_workers_in_the_environment_is_a_configuration_error() -> None:
    result = serve(OFFICEFLOW_API_WORKERS="-3")
    assert result.returncode == 7
    assert "error: bad configuration: OFFICEFLOW_API_WORKERS='-3': Input should be greater than or equal to 1" in (
        result.stderr
    )


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


@pytest.mark.parametrize("workers", ["1", "3"])
def test_a_port_in_use_is_a_configuration_error_named_as_such(taken_port: int, workers: str) -> None:
    result = serve("--port", str(taken_port), "--workers", workers)
    assert result.returncode == 7
    assert f"error: port {taken_port} on 127.0.0.1 is in use (another officeflow serve?)" in result.stderr
    assert "Traceback" not in result.stderr
    assert "serving the API" not in result.stdout
