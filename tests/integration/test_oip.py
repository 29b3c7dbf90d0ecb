"""The Open Inference Protocol flavour against a real Seldon MLServer on this machine.

The fixture creates ``.venv-mlserver`` when it is missing (scripts/mlserver_env.sh), trains a
scikit-learn model there, serves it with ``mlserver start`` on free ports and stops it at the end.
If MLServer cannot be set up, the tests fail: they are never skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.mlserver_local import FEATURES, LocalServer, serve_sklearn_model
from officeflow.models import (
    Flavour,
    MicroBatcher,
    ModelInputInvalid,
    ModelMetadata,
    ModelRejected,
    ModelUnavailable,
    OipClient,
    OipEndpoint,
    OipModel,
    TabularSpec,
    load_model,
    oip_artifact,
)
from officeflow.retry import RetryPolicy

NAMES = tuple(f"x{k}" for k in range(FEATURES))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with serve_sklearn_model(tmp_path_factory.mktemp("mlserver")) as running:
        yield running


def artifact(server: LocalServer, **endpoint: Any) -> Any:
    meta = ModelMetadata(
        name="remote-toy",
        version="1",
        flavour=Flavour.OIP,
        input_schema={"type": "object", "required": list(NAMES), "properties": {n: {"type": "number"} for n in NAMES}},
        output_schema={"type": "object"},
        labels=("0", "1"),
    )
    spec = TabularSpec(features=NAMES, labels=("0", "1"))
    return oip_artifact(meta, OipEndpoint(base_url=server.base_url, model=server.model, **endpoint), spec)


def items(server: LocalServer) -> list[dict[str, float]]:
    return [dict(zip(NAMES, row, strict=True)) for row in server.x]


def remote(server: LocalServer) -> OipModel:
    model = load_model(artifact(server))
    assert isinstance(model, OipModel)
    return model


def test_the_remote_model_answers_what_the_model_computes(server: LocalServer) -> None:
    with remote(server) as model:
        predictions = model.predict(items(server))
    got = np.array([[p.output["probabilities"][k] for k in ("0", "1")] for p in predictions])
    np.testing.assert_allclose(got, np.array(server.proba), atol=1e-9)
    assert [p.label for p in predictions] == [str(int(np.argmax(row))) for row in server.proba]


def test_ready_and_versioned_paths(server: LocalServer) -> None:
    with OipClient(OipEndpoint(base_url=server.base_url, model=server.model, version="v1")) as client:
        assert client.ready()
        assert client.infer(np.array(server.x[:2])).shape == (2, 2)
    with OipClient(OipEndpoint(base_url=server.base_url, model="nope")) as client:
        assert not client.ready()


def test_an_unknown_model_is_refused_not_retried(server: LocalServer) -> None:
    sleeps: list[float] = []
    endpoint = OipEndpoint(base_url=server.base_url, model="nope")
    with OipClient(endpoint, sleep=sleeps.append) as client, pytest.raises(ModelRejected, match="HTTP 404"):
        client.infer(np.array(server.x[:1]))
    assert sleeps == []


def test_a_wrong_shape_fails_with_the_servers_answer_after_the_retries(server: LocalServer) -> None:
    """MLServer answers an input of the wrong width with a 500 (the estimator raised), which is retried."""
    sleeps: list[float] = []
    endpoint = OipEndpoint(
        base_url=server.base_url, model=server.model, retry=RetryPolicy(max_attempts=2, initial_delay=0.01, jitter=0)
    )
    with OipClient(endpoint, sleep=sleeps.append) as client, pytest.raises(ModelUnavailable, match="HTTP 500"):
        client.infer(np.ones((1, FEATURES + 2)))
    assert sleeps == [0.01]


def test_bad_items_never_reach_the_server(server: LocalServer) -> None:
    with remote(server) as model, pytest.raises(ModelInputInvalid, match="/0/x3"):
        model.predict([{**items(server)[0], "x3": "abc"}])


def test_a_stopped_server_is_unavailable_after_the_retries() -> None:
    sleeps: list[float] = []
    endpoint = OipEndpoint(
        base_url="http://127.0.0.1:9", model="toy", retry=RetryPolicy(max_attempts=3, initial_delay=0.01, jitter=0)
    )
    with OipClient(endpoint, sleep=sleeps.append) as client, pytest.raises(ModelUnavailable, match="after 3 attempts"):
        client.infer(np.ones((1, FEATURES)))
    assert sleeps == [0.01, 0.02]


def test_micro_batched_remote_calls_return_each_items_answer(server: LocalServer) -> None:
    rows = items(server) * 8
    with remote(server) as model, MicroBatcher(model, max_items=16, max_wait=0.05) as batcher:
        futures = [batcher.submit(row) for row in rows]
        results = [f.result(timeout=30) for f in futures]
        stats = batcher.stats()
    expected = [str(int(np.argmax(row))) for row in server.proba] * 8
    assert [r.label for r in results] == expected
    assert stats.batches < len(rows)


def test_a_second_server_serves_its_own_model_and_stops(tmp_path: Path) -> None:
    """Two servers run side by side on their own ports; leaving the context stops the second one."""
    with (
        serve_sklearn_model(tmp_path, name="second", seed=1) as running,
        OipClient(OipEndpoint(base_url=running.base_url, model="second")) as client,
    ):
        assert client.ready()
        np.testing.assert_allclose(client.infer(np.array(running.x)), np.array(running.proba), atol=1e-9)
    with OipClient(OipEndpoint(base_url=running.base_url, model="second")) as client:
        assert not client.ready()
    assert (tmp_path / "mlserver.log").stat().st_size > 0
