"""The ONNX, skops and Python-callable flavours with a real scikit-learn model, and the OIP client's error handling."""

from __future__ import annotations

import pickle
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from officeflow.models import (
    Artifact,
    CallableModel,
    Flavour,
    ModelArtifactInvalid,
    ModelInputInvalid,
    ModelRejected,
    ModelTimeout,
    ModelUnavailable,
    OipClient,
    OipEndpoint,
    OipModel,
    Prediction,
    TabularSpec,
    UntrustedTypes,
    load_model,
    oip_artifact,
    skops_artifact,
)
from officeflow.retry import RetryPolicy
from tests.unit.models_support import FEATURES, LABELS, Trained, train_toy

TRUSTED = (
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._tree.Tree",
)


@pytest.fixture(scope="module")
def toy() -> Trained:
    return train_toy()


def expected(toy: Trained, n: int) -> np.ndarray:
    assert toy.spec.calibrator is not None
    return toy.spec.calibrator.apply(toy.pipeline.predict_proba(toy.x_test[:n]))


def test_onnx_flavour_gives_the_pipelines_calibrated_probabilities(toy: Trained) -> None:
    model = load_model(toy.onnx())
    predictions = model.predict(toy.items(50))
    probs = np.array([[p.output["probabilities"][label] for label in LABELS] for p in predictions])
    np.testing.assert_allclose(probs, expected(toy, 50), atol=1e-5)
    for p, row in zip(predictions, probs, strict=True):
        assert p.label == LABELS[int(row.argmax())]
        assert p.confidence == pytest.approx(row.max(), abs=1e-6)
        assert p.prediction_set is not None
        assert set(p.prediction_set) <= set(LABELS)
    assert model.metadata.flavour is Flavour.ONNX
    assert model.predict([]) == []


def test_skops_flavour_loads_only_trusted_types(toy: Trained) -> None:
    artifact = toy.skops()
    with pytest.raises(UntrustedTypes) as refused:
        load_model(artifact)
    assert refused.value.types == ["sklearn.tree._tree.Tree"]  # skops trusts scikit-learn's estimators itself
    assert "only if you trust the file's origin" in str(refused.value)
    model = load_model(artifact, trusted=TRUSTED)
    probs = np.array([[p.output["probabilities"][label] for label in LABELS] for p in model.predict(toy.items(20))])
    np.testing.assert_allclose(probs, expected(toy, 20), atol=1e-6)


class Scaler(StandardScaler):  # type: ignore[misc]  # scikit-learn ships no type information
    """A type of this test module: nothing trusts it unless told to."""


def test_a_type_outside_the_trusted_list_is_refused_by_name(toy: Trained) -> None:
    pipeline = Pipeline([("scale", Scaler()), ("forest", toy.pipeline.named_steps["forest"])]).fit(
        toy.x_test, toy.y_test
    )
    artifact = skops_artifact(toy.metadata(Flavour.SKOPS), pipeline, toy.spec)
    with pytest.raises(UntrustedTypes) as refused:
        load_model(artifact, trusted=TRUSTED)
    assert refused.value.types == ["tests.unit.test_models_flavours.Scaler"]


def test_a_pickle_is_never_loaded_as_a_skops_file(toy: Trained) -> None:
    artifact = toy.skops()
    pickled = Artifact(
        metadata=artifact.metadata, config=artifact.config, files={"model.skops": pickle.dumps(toy.pipeline)}
    )
    with pytest.raises(ModelArtifactInvalid, match="not a skops file"):
        load_model(pickled, trusted=TRUSTED)


def test_a_damaged_onnx_graph_is_an_artifact_error(toy: Trained) -> None:
    artifact = toy.onnx()
    broken = Artifact(metadata=artifact.metadata, config=artifact.config, files={"model.onnx": b"not onnx"})
    with pytest.raises(ModelArtifactInvalid, match="not a loadable ONNX graph"):
        load_model(broken)


def test_bad_items_are_refused_with_their_position(toy: Trained) -> None:
    model = load_model(toy.onnx())
    items: list[dict[str, Any]] = list(toy.items(3))
    items[1] = {**items[1], "f2": "high"}
    del items[2]["f4"]
    with pytest.raises(ModelInputInvalid) as caught:
        model.predict(items)
    assert sorted(p.pointer or "" for p in caught.value.problems) == ["/1/f2", "/2"]


def test_without_a_calibrator_there_is_no_confidence(toy: Trained) -> None:
    artifact = toy.onnx()
    bare = TabularSpec(features=FEATURES, labels=LABELS)
    model = load_model(Artifact(metadata=artifact.metadata, config={"tabular": bare.as_dict()}, files=artifact.files))
    prediction = model.predict(toy.items(1))[0]
    assert prediction.confidence is None
    assert prediction.prediction_set is None
    assert prediction.label in LABELS


def test_callable_flavour_checks_input_and_the_number_of_answers(toy: Trained) -> None:
    def double(items: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        return [Prediction(output={"value": 2 * item["f0"]}, confidence=None) for item in items]

    model = CallableModel(toy.metadata(Flavour.PYTHON), double)
    assert model.predict([dict.fromkeys(FEATURES, 1.0)])[0].output == {"value": 2.0}
    with pytest.raises(ModelInputInvalid):
        model.predict([{"f0": 1.0}])
    short = CallableModel(toy.metadata(Flavour.PYTHON), lambda items: [])
    with pytest.raises(ModelRejected, match="0 predictions for 1 items"):
        short.predict([dict.fromkeys(FEATURES, 1.0)])


def test_python_flavour_artifacts_must_name_a_builtin(toy: Trained) -> None:
    artifact = Artifact(metadata=toy.metadata(Flavour.PYTHON), config={})
    with pytest.raises(ModelArtifactInvalid, match="names no built-in model"):
        load_model(artifact)


# The OIP client against a fake transport: the remote server is outside the product. The real
# MLServer is exercised in tests/integration/test_oip.py.


def oip_answer(request: httpx.Request, n: int = 1) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "model_name": "toy",
            "outputs": [{"name": "predict_proba", "shape": [n, 2], "datatype": "FP64", "data": [0.3, 0.7] * n}],
        },
    )


def endpoint(**kw: Any) -> OipEndpoint:
    return OipEndpoint(
        base_url="http://models.test", model="toy", retry=RetryPolicy(max_attempts=3, initial_delay=0.5, jitter=0), **kw
    )


def test_oip_retries_5xx_with_backoff_then_succeeds() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, json={"error": "warming up"}) if len(calls) < 3 else oip_answer(request)

    sleeps: list[float] = []
    client = OipClient(endpoint(version="2"), transport=httpx.MockTransport(handler), sleep=sleeps.append)
    result = client.infer(np.ones((1, 5)))
    assert result.shape == (1, 2)
    assert sleeps == [0.5, 1.0]
    assert calls[0].url.path == "/v2/models/toy/versions/2/infer"
    body = httpx.Request("POST", "/", content=calls[0].content).read()
    assert b'"shape":[1,5]' in body.replace(b" ", b"")


def test_oip_gives_up_after_the_attempts_and_says_why() -> None:
    sleeps: list[float] = []
    client = OipClient(
        endpoint(), transport=httpx.MockTransport(lambda r: httpx.Response(500, text="boom")), sleep=sleeps.append
    )
    with pytest.raises(ModelUnavailable, match=r"HTTP 500: boom \(after 3 attempts\)"):
        client.infer(np.ones((1, 5)))
    assert len(sleeps) == 2


def test_oip_does_not_retry_a_4xx() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(400, json={"error": "input-0 has the wrong shape"})

    client = OipClient(endpoint(), transport=httpx.MockTransport(handler), sleep=lambda s: None)
    with pytest.raises(ModelRejected, match="HTTP 400: input-0 has the wrong shape"):
        client.infer(np.ones((1, 5)))
    assert len(calls) == 1


def test_oip_connect_errors_are_retried_and_timeouts_are_not() -> None:
    attempts = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    client = OipClient(endpoint(), transport=httpx.MockTransport(refuse), sleep=lambda s: None)
    with pytest.raises(ModelUnavailable, match="cannot connect"):
        client.infer(np.ones((1, 5)))
    assert len(attempts) == 3

    slow_calls = []

    def slow(request: httpx.Request) -> httpx.Response:
        slow_calls.append(request)
        raise httpx.ReadTimeout("too slow", request=request)

    client = OipClient(endpoint(), transport=httpx.MockTransport(slow), sleep=lambda s: None)
    with pytest.raises(ModelTimeout):
        client.infer(np.ones((1, 5)))
    assert len(slow_calls) == 1


def test_oip_answers_without_the_requested_output_are_refused() -> None:
    answer = {"outputs": [{"name": "predict", "shape": [1], "datatype": "INT64", "data": [1]}]}
    client = OipClient(endpoint(), transport=httpx.MockTransport(lambda r: httpx.Response(200, json=answer)))
    with pytest.raises(ModelRejected, match="no output named 'predict_proba' \\(it has: predict\\)"):
        client.infer(np.ones((1, 5)))
    client = OipClient(endpoint(), transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"x": 1})))
    with pytest.raises(ModelRejected, match="not an Open Inference Protocol response"):
        client.infer(np.ones((1, 5)))


def test_oip_model_from_an_artifact_maps_the_remote_probabilities(toy: Trained) -> None:
    spec = TabularSpec(features=FEATURES, labels=LABELS)
    artifact = oip_artifact(toy.metadata(Flavour.OIP), endpoint(), spec)
    assert "headers" not in artifact.config["endpoint"]
    model = load_model(artifact, oip_transport=httpx.MockTransport(lambda r: oip_answer(r, 2)))
    assert isinstance(model, OipModel)
    predictions = model.predict(toy.items(2))
    assert [p.label for p in predictions] == ["yes", "yes"]
    assert predictions[0].output["probabilities"] == {"no": 0.3, "yes": 0.7}
    assert predictions[0].confidence is None  # the remote probabilities were not calibrated here
