"""The ``model`` step calling a remote model on a real Seldon MLServer (scripts/mlserver_env.sh),
on both backends: the model decides; behind a proxy that holds each connection for two seconds
before passing it to MLServer, a 0.2 s timeout runs out and the step falls back to the decision
table. The fixture fails, never skips, when MLServer cannot be set up."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.mlserver_local import FEATURES, LocalServer, serve_sklearn_model
from officeflow import FakeClock, Office, RunStatus
from officeflow.modelops import ModelStage
from officeflow.models import Flavour, ModelMetadata, OipEndpoint, TabularSpec, oip_artifact
from officeflow.retry import RetryPolicy

NAMES = tuple(f"x{k}" for k in range(FEATURES))
TABLE = """
name: remote-fallback
version: 1
decisions:
  - name: route
    hit_policy: FIRST
    inputs: [x0]
    outputs: [{name: route, type: string}]
    rules:
      - when: ["-"]
        then: [manual-check]
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with serve_sklearn_model(tmp_path_factory.mktemp("mlserver-step")) as running:
        yield running


class SlowProxy:
    """A TCP proxy on a free loopback port that waits ``delay`` seconds before passing each
    connection on to ``upstream``: a real server that answers too late, whatever the load."""

    def __init__(self, upstream: tuple[str, int], delay: float) -> None:
        self.upstream, self.delay = upstream, delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        time.sleep(self.delay)
        try:
            with client, socket.create_connection(self.upstream) as upstream:
                threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
                self._pipe(client, upstream)
        except OSError:
            pass  # the caller gave up waiting and closed its end

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()


def remote(server: LocalServer, version: str, timeout: float, base_url: str | None = None) -> Any:
    meta = ModelMetadata(
        name="remote-toy",
        version=version,
        flavour=Flavour.OIP,
        input_schema={"type": "object", "required": list(NAMES), "properties": {n: {"type": "number"} for n in NAMES}},
        output_schema={"type": "object"},
        labels=("0", "1"),
    )
    endpoint = OipEndpoint(
        base_url=base_url or server.base_url, model=server.model, timeout=timeout, retry=RetryPolicy(max_attempts=1)
    )
    return oip_artifact(meta, endpoint, TabularSpec(features=NAMES, labels=("0", "1")))


def test_a_model_step_scores_on_mlserver_and_falls_back_when_it_is_too_slow(
    make_office: Any, server: LocalServer, tmp_path: Path
) -> None:
    office: Office = make_office(clock=FakeClock())
    (tmp_path / "fallback.yaml").write_text(TABLE)
    office.models.register("default", remote(server, "1", timeout=10.0), actor="test", stage=ModelStage.PRODUCTION)
    flow = {
        "name": "remote",
        "version": 1,
        "steps": {
            "score": {
                "kind": "model",
                "model": "remote-toy",
                "input": "${ input }",
                "fallback": {"on": ["error", "timeout"], "table": str(tmp_path / "fallback.yaml")},
                "next": "done",
            },
            "done": {"kind": "end", "output": "${ steps.score.output }"},
        },
    }
    office.engine.apply(json.dumps(flow))
    item = dict(zip(NAMES, (float(v) for v in server.x[0]), strict=True))
    run = office.engine.start("remote", item)
    office.engine.run_until_idle()
    done = office.engine.get_run(run.id)
    assert done.status == RunStatus.COMPLETED
    assert done.output["path"] == "model"
    assert set(done.output["output"]["probabilities"]) == {"0", "1"}
    assert done.output["label"] in {"0", "1"}

    host, port = server.base_url.removeprefix("http://").split("/")[0].rsplit(":", 1)
    proxy = SlowProxy((host, int(port)), delay=2.0)
    try:
        slow = remote(server, "2", timeout=0.2, base_url=f"http://127.0.0.1:{proxy.port}")
        office.models.register("default", slow, actor="test", stage=ModelStage.PRODUCTION)
        run = office.engine.start("remote", item)
        office.engine.run_until_idle()
        done = office.engine.get_run(run.id)
    finally:
        proxy.close()
    assert (done.output["path"], done.output["version"], done.output["reason"]) == ("table", "2", "timeout")
    assert done.output["value"] == "manual-check"
