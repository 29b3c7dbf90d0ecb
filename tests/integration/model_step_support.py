"""What the model registry and model step tests share: workflows, a fallback decision table, a
Python-callable model that fails, a real slow Open Inference Protocol server, and artifacts."""

from __future__ import annotations

import json
import textwrap
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from officeflow.models import (
    Artifact,
    Flavour,
    ModelMetadata,
    OipEndpoint,
    Prediction,
    TabularSpec,
    oip_artifact,
)
from officeflow.models.builtin.credit_risk import data
from officeflow.models.builtin.registry import builtin
from officeflow.retry import RetryPolicy

TENANT = "default"

FALLBACK_TABLE = textwrap.dedent("""
    name: credit-fallback
    version: 1
    decisions:
      - name: credit_decision
        hit_policy: FIRST
        inputs: [credit_amount, duration_in_month]
        outputs:
          - {name: decision, type: string}
        rules:
          - when: ["< 2000", "<= 24"]
            then: [approve]
          - when: ["> 15000", "-"]
            then: [decline]
""")


def workflow(
    model: str,
    table: Path | None,
    *,
    on: Sequence[str],
    min_confidence: float | None = None,
    then: bool = True,
    name: str = "credit",
    timeout: str | None = None,
) -> str:
    """A workflow that scores ``input`` with ``model`` and falls back to ``table``, then ``review``."""
    fallback: dict[str, Any] = {"on": list(on)}
    if min_confidence is not None:
        fallback["min_confidence"] = min_confidence
    if table is not None:
        fallback["table"] = str(table)
    if then:
        fallback["then"] = "review"
    if timeout is not None:
        fallback["timeout"] = timeout
    return json.dumps(
        {
            "name": name,
            "version": 1,
            "steps": {
                "score": {
                    "kind": "model",
                    "model": model,
                    "input": "${ input }",
                    "fallback": fallback,
                    "retry": {"attempts": 1},
                    "next": "done",
                },
                "review": {
                    "kind": "human",
                    "assign": {"group": "risk"},
                    "outcomes": {"approve": {"next": "done"}, "decline": {"next": "done"}},
                },
                "done": {"kind": "end", "output": "${ steps.score.output }"},
            },
        }
    )


def applicants() -> list[dict[str, Any]]:
    return [dict(e.input) for e in data.load_examples()]


def credit_risk(version: str = "1") -> Artifact:
    """The committed credit-risk artifact, relabelled ``version`` (the same model, another version)."""
    artifact = builtin("credit-risk").artifact()
    return replace(artifact, metadata=replace(artifact.metadata, version=version))


def failing(items: Sequence[Mapping[str, Any]]) -> list[Prediction]:
    """A Python-callable model that always fails (the ``error`` fallback)."""
    raise RuntimeError(f"the scoring service is down ({len(items)} items)")


def failing_model(version: str = "1") -> Artifact:
    meta = ModelMetadata(
        name="always-fails",
        version=version,
        flavour=Flavour.PYTHON,
        input_schema={"type": "object"},
        output_schema={"type": "object"},
    )
    return Artifact(metadata=meta, config={"callable": f"{__name__}:failing"})


class _Slow(BaseHTTPRequestHandler):
    delay = 1.0

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        rows = body["inputs"][0]["shape"][0]
        time.sleep(self.delay)
        answer = {
            "outputs": [{"name": "predict_proba", "shape": [rows, 2], "datatype": "FP64", "data": [0.3, 0.7] * rows}]
        }
        data_ = json.dumps(answer).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data_)))
            self.end_headers()
            self.wfile.write(data_)
        except OSError:
            pass  # the client gave up waiting

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def slow_oip_server(delay: float = 1.0) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that speaks the Open Inference Protocol and answers after
    ``delay`` seconds; its base URL."""
    handler = type("Slow", (_Slow,), {"delay": delay})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def slow_remote(base_url: str, timeout: float = 0.3) -> Artifact:
    features = ("credit_amount", "duration_in_month")
    meta = ModelMetadata(
        name="remote-credit",
        version="1",
        flavour=Flavour.OIP,
        input_schema={"type": "object", "required": list(features)},
        output_schema={"type": "object"},
        labels=("good", "bad"),
    )
    endpoint = OipEndpoint(
        base_url=base_url, model="slow", timeout=timeout, retry=RetryPolicy(max_attempts=1, initial_delay=0.01)
    )
    return oip_artifact(meta, endpoint, TabularSpec(features=features, labels=("good", "bad")))


def halve(x: Any) -> Any:
    """A feature transform a skops file names by import path (a type nobody trusted by default)."""
    return x / 2.0


CALLS: list[int] = []
"""The batch sizes ``slow_echo`` was called with (per process)."""


def slow_echo(items: Sequence[Mapping[str, Any]]) -> list[Prediction]:
    """A Python-callable model whose every call costs 20 ms whatever the batch: concurrent steps
    should share calls. Each item's output names the item, so a mixed-up batch shows."""
    CALLS.append(len(items))
    time.sleep(0.02)
    return [Prediction(output={"id": item["id"], "double": 2 * item["n"]}, confidence=None) for item in items]


def slow_echo_model() -> Artifact:
    meta = ModelMetadata(
        name="slow-echo",
        version="1",
        flavour=Flavour.PYTHON,
        input_schema={"type": "object", "required": ["id", "n"]},
        output_schema={"type": "object"},
    )
    return Artifact(metadata=meta, config={"callable": f"{__name__}:slow_echo", "batch": True})
