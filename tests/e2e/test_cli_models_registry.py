"""``officeflow models list/show/register/register-builtins/promote/rollback/train`` through click's
runner, on both backends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
from click.testing import CliRunner, Result
from sklearn.linear_model import LogisticRegression

from officeflow.cli import main


@pytest.fixture
def cli(db_url: str) -> Any:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        env = {"OFFICEFLOW_DATABASE_URL": db_url, "OFFICEFLOW_ACTOR": "tester"}
        return runner.invoke(main, ["models", *args], env=env, catch_exceptions=False)

    return invoke


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_register_promote_show_and_roll_back(cli: Any, tmp_path: Path) -> None:
    assert "registered credit-risk 1 in production" in ok(cli("register-builtins"))
    listed = {m["name"]: m for m in json.loads(ok(cli("list", "--format", "json")))}
    assert listed["credit-risk"]["production"] == "1"
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    (tmp_path / "toy.skops").write_bytes(sio.dumps(LogisticRegression().fit(x, x[:, 0] > 0)))
    (tmp_path / "schema.json").write_text(json.dumps({"type": "object", "required": ["a", "b"]}))
    common = [
        "--flavour",
        "skops",
        "--file",
        str(tmp_path / "toy.skops"),
        "--input-schema",
        f"@{tmp_path / 'schema.json'}",
    ]
    common += ["--features", "a,b", "--labels", "no,yes"]
    assert "registered toy 1 (skops) as production" in ok(
        cli("register", "toy", "--version", "1", *common, "--stage", "production")
    )
    ok(cli("register", "toy", "--version", "2", *common))
    assert "toy 2: candidate -> canary (0.1 of runs)" in ok(
        cli("promote", "toy", "2", "--stage", "canary", "--share", "0.1")
    )
    assert "toy 2: canary -> candidate" in ok(cli("rollback", "toy", "--reason", "slow"))
    shown = json.loads(ok(cli("show", "toy", "--format", "json")))
    assert [(v["version"], v["stage"]) for v in shown["versions"]] == [("1", "production"), ("2", "candidate")]
    assert (shown["history"][0]["action"], shown["history"][0]["reason"], shown["history"][0]["actor"]) == (
        "rollback",
        "slow",
        "tester",
    )
    refused = cli("promote", "toy", "1", "--stage", "canary", "--share", "0.5")
    assert refused.exit_code == 4
    assert "1 is the production version" in refused.output


def test_train_prints_the_held_out_metrics_as_one_json_object(cli: Any) -> None:
    result = json.loads(ok(cli("train", "credit-risk", "--seed", "5", "--json")).strip().splitlines()[-1])
    assert result["model"] == "credit-risk"
    assert result["seed"] == 5
    assert 0.6 < result["metrics"]["auc"] < 0.95
    assert 0.0 < result["metrics"]["brier"] < 0.3
    assert 0.2 < result["metrics"]["ks"] < 0.8
