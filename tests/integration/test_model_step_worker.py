"""The ``model`` step in a real worker on both backends: concurrent steps of one version share
model calls through its micro-batcher, each run gets its own item's prediction, and a step that
runs again for the same position (a crash or a lost lease before its result was committed)
replaces its prediction rows instead of adding some."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from officeflow import Office, RunStatus, SystemClock
from officeflow.modelops import ModelStage, PredictionPath
from officeflow.modelops.scoring import Call
from tests.integration import model_step_support as support
from tests.integration.model_step_support import TENANT, credit_risk, slow_echo_model

FLOW = json.dumps(
    {
        "name": "echo",
        "version": 1,
        "steps": {
            "score": {"kind": "model", "model": "slow-echo", "input": "${ input }", "next": "done"},
            "done": {"kind": "end", "output": "${ steps.score.output.value }"},
        },
    }
)


@pytest.fixture
def office(make_office: Any) -> Office:
    made: Office = make_office(clock=SystemClock())
    return made


def test_concurrent_steps_share_model_calls_and_each_run_gets_its_own_prediction(office: Office) -> None:
    office.models.register(TENANT, slow_echo_model(), actor="test", stage=ModelStage.PRODUCTION)
    office.engine.apply(FLOW)
    support.CALLS.clear()
    runs = [office.engine.start("echo", {"id": f"item-{k}", "n": k}).id for k in range(48)]
    worker = office.engine.worker(concurrency=16, poll=0.02)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        done = [office.engine.wait_for(run_id, timeout=60) for run_id in runs]
    finally:
        worker.stop()
        thread.join(30)
    assert [d.status for d in done] == [RunStatus.COMPLETED] * 48
    assert [d.output for d in done] == [{"id": f"item-{k}", "double": 2 * k} for k in range(48)]
    assert sum(support.CALLS) == 48
    assert len(support.CALLS) < 48  # some calls scored several steps' items
    assert max(support.CALLS) > 1
    counts = office.models.path_counts(TENANT, "slow-echo")
    assert [(c.version, c.path, c.count) for c in counts] == [("1", PredictionPath.MODEL, 48)]


def test_a_step_run_again_for_the_same_position_replaces_its_rows(office: Office) -> None:
    office.models.ensure_builtin(TENANT, "credit-risk")
    office.models.register(TENANT, credit_risk("2"), actor="test", stage=ModelStage.SHADOW)
    office.engine.apply(FLOW.replace("slow-echo", "credit-risk"))
    item = support.applicants()[0]
    call = Call(tenant=TENANT, run_id="run-x", workflow="echo", step_id="score", iteration=0, deadline=None)
    kind = office.engine.registry.kind("model")
    scorer = kind.scorer  # type: ignore[union-attr]
    first = scorer.score("credit-risk", item, None, call)
    again = scorer.score("credit-risk", item, None, call)
    rows = office.models.predictions(TENANT, "credit-risk", run_id="run-x")
    assert sorted((r.version, r.shadow) for r in rows) == [("1", False), ("2", True)]
    assert first["prediction_id"] == again["prediction_id"]
    assert (first["version"], again["version"]) == ("1", "1")
