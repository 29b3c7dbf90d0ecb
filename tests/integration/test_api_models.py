"""/v1/models on both backends: listing, registering a real skops model, promoting, rolling back,
trying a version; bad input as problem documents with pointers; permissions and tenants."""

from __future__ import annotations

import base64
import pickle
from typing import Any

import numpy as np
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from tests.integration.conftest import Api
from tests.integration.model_step_support import applicants, halve

FEATURES = ["x0", "x1", "x2"]
SCHEMA = {"type": "object", "required": FEATURES, "properties": {f: {"type": "number"} for f in FEATURES}}


def fitted(pipeline: bool = False) -> Any:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    model = make_pipeline(FunctionTransformer(halve), LogisticRegression()) if pipeline else LogisticRegression()
    return model.fit(x, y)


def body(content: bytes, version: str = "1", **extra: Any) -> dict[str, Any]:
    return {
        "version": version,
        "flavour": "skops",
        "input_schema": SCHEMA,
        "features": FEATURES,
        "labels": ["no", "yes"],
        "content": base64.b64encode(content).decode(),
        **extra,
    }


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    doc: dict[str, Any] = response.json()
    assert "Traceback" not in response.text
    return doc


def test_register_promote_try_and_roll_back_a_skops_model(api: Api) -> None:
    created = api.post("/v1/models/toy/versions", json=body(sio.dumps(fitted()), owner="risk-team"))
    assert created.status_code == 201, created.text
    assert created.json()["stage"] == "candidate"
    assert created.json()["artifact_digest"].startswith("sha256:")
    api.post("/v1/models/toy/versions", json=body(sio.dumps(fitted()), version="2"))
    assert api.post("/v1/models/toy/promote", json={"version": "1", "stage": "production"}).status_code == 200
    canary = api.post("/v1/models/toy/promote", json={"version": "2", "stage": "canary", "share": 0.1})
    assert canary.json() == [{"version": "2", "before": "candidate", "after": "canary", "share": 0.1}]
    listed = {m["name"]: m for m in api.get("/v1/models").json()}
    assert (listed["toy"]["production"], listed["toy"]["canary"], listed["toy"]["canary_share"]) == ("1", "2", 0.1)
    tried = api.post("/v1/models/toy/versions/2/predict", json={"items": [{"x0": 2.0, "x1": 1.0, "x2": 0.0}]})
    (prediction,) = tried.json()["predictions"]
    assert prediction["label"] == "yes"
    assert prediction["output"]["probabilities"]["yes"] > 0.5
    rolled = api.post("/v1/models/toy/rollback", json={"reason": "latency"})
    assert rolled.json() == [{"version": "2", "before": "canary", "after": "candidate", "share": 0.0}]
    shown = api.get("/v1/models/toy").json()
    assert [h["action"] for h in shown["history"]][:2] == ["rollback", "promote"]
    assert shown["history"][0]["reason"] == "latency"
    assert api.get("/v1/models/toy/versions/1").json()["owner"] == "risk-team"


def test_built_ins_through_the_api(api: Api) -> None:
    api.post("/v1/models/credit-risk/versions/1/predict", json={"items": [applicants()[0]]})
    shown = api.get("/v1/models/credit-risk").json()
    assert [(v["version"], v["stage"]) for v in shown["versions"]] == [("1", "production")]
    assert shown["versions"][0]["metrics"]["auc"] > 0.7


def test_bad_requests_are_problem_documents_with_pointers(api: Api) -> None:
    doc = problem(api.post("/v1/models/toy/versions", json=body(pickle.dumps(fitted()))), 422)
    assert doc["errors"][0]["pointer"] == "/content"
    assert "does not load as skops" in doc["errors"][0]["detail"]
    untrusted = sio.get_untrusted_types(data=sio.dumps(fitted(pipeline=True)))
    assert untrusted
    doc = problem(api.post("/v1/models/toy/versions", json=body(sio.dumps(fitted(pipeline=True)))), 422)
    assert doc["errors"][0]["pointer"] == "/trusted_types"
    assert all(t in doc["errors"][0]["detail"] for t in untrusted)
    accepted = api.post("/v1/models/toy/versions", json=body(sio.dumps(fitted(pipeline=True)), trusted_types=untrusted))
    assert accepted.status_code == 201, accepted.text
    assert problem(api.post("/v1/models/toy/versions", json=body(sio.dumps(fitted()))), 409)["status"] == 409
    doc = problem(api.post("/v1/models/toy/versions", json={**body(b"x"), "features": []}), 422)
    assert any(e["pointer"] == "/features" for e in doc["errors"])
    doc = problem(api.post("/v1/models/toy/promote", json={"version": "1", "stage": "canary", "share": 1.5}), 422)
    assert doc["errors"][0]["pointer"] == "/share"
    problem(api.post("/v1/models/toy/promote", json={"version": "1", "stage": "canary", "share": 0.2}), 409)
    problem(api.post("/v1/models/toy/promote", json={"version": "9", "stage": "shadow"}), 404)
    problem(api.post("/v1/models/toy/rollback", json={}), 409)
    problem(api.get("/v1/models/nothing-here"), 404)
    doc = problem(api.post("/v1/models/toy/versions/1/predict", json={"items": [{"x0": "high"}]}), 422)
    assert {e["pointer"] for e in doc["errors"]} >= {"/items/0/x0", "/items/0"}
    doc = problem(
        api.post(
            "/v1/models/remote/versions",
            json={**body(b""), "flavour": "oip", "endpoint": {"base_url": "http://169.254.169.254", "model": "m"}},
        ),
        422,
    )
    assert doc["errors"][0]["pointer"] == "/endpoint/base_url"


def test_permissions_and_tenants(api: Api) -> None:
    api.post("/v1/models/toy/versions", json=body(sio.dumps(fitted())))
    assert api.get("/v1/models", who="auditor").status_code == 200
    problem(api.post("/v1/models/toy/promote", who="operator", json={"version": "1", "stage": "shadow"}), 403)
    problem(api.get("/v1/models", who="approver"), 403)
    assert (
        api.post("/v1/models/toy/promote", who="designer", json={"version": "1", "stage": "shadow"}).status_code == 200
    )
    problem(api.get("/v1/models/toy", who="other-admin"), 404)
    assert api.get("/v1/models", who="other-admin").json() == []
