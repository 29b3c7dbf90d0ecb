"""The ``model`` step on both backends, with real models: the built-in credit-risk scorecard, a
Python-callable model that fails, and a real slow Open Inference Protocol server on 127.0.0.1.

Each fallback path (error, timeout, low confidence, outside the training range) ends at the
decision table, and then at a person when the table does not decide; shadows are recorded and
never used; a canary takes the runs its hash gives it; every path is counted per version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from officeflow import FakeClock, Office, RunStatus
from officeflow.modelops import ModelStage, PredictionPath, bucket
from officeflow.models import load_builtin
from tests.integration.model_step_support import (
    FALLBACK_TABLE,
    TENANT,
    applicants,
    credit_risk,
    failing_model,
    slow_oip_server,
    slow_remote,
    workflow,
)

ALL = ["error", "timeout", "low_confidence", "outside_training_range"]


@pytest.fixture
def office(make_office: Any) -> Office:
    made: Office = make_office(clock=FakeClock())
    made.directory.put_group(TENANT, "risk", ["rita"], actor="test")
    return made


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "credit-fallback.yaml"
    path.write_text(FALLBACK_TABLE)
    return path


def run(office: Office, item: dict[str, Any], workflow_name: str = "credit") -> Any:
    started = office.engine.start(workflow_name, item)
    office.engine.run_until_idle()
    return office.engine.get_run(started.id)


def score_output(office: Office, run_id: str) -> Any:
    (event,) = [e for e in office.engine.history(run_id) if e.type == "step_completed" and e.step_id == "score"]
    return event.output


def small(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "credit_amount": 1500, "duration_in_month": 12}


def middling(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "credit_amount": 5000, "duration_in_month": 36}


def test_the_model_decides_and_history_records_version_digest_output_confidence_and_latency(
    office: Office, table: Path
) -> None:
    office.engine.apply(workflow("credit-risk", table, on=ALL, min_confidence=0.5))
    item = applicants()[0]
    expected = load_builtin("credit-risk").predict([item])[0]
    assert expected.confidence is not None
    assert expected.confidence >= 0.5
    done = run(office, item)
    assert done.status == RunStatus.COMPLETED
    out = score_output(office, done.id)
    assert out["path"] == "model"
    assert (out["model"], out["version"], out["stage"]) == ("credit-risk", "1", "production")
    assert out["confidence"] == pytest.approx(expected.confidence)
    assert out["label"] == expected.label
    assert out["value"] == expected.output
    assert out["explanation"]["reasons"] == [dict(r) for r in expected.explanation["reasons"]]
    assert out["input_digest"].startswith("sha256:")
    assert out["latency_ms"] > 0
    (row,) = office.models.predictions(TENANT, "credit-risk", run_id=done.id)
    assert (row.version, row.shadow, row.path, row.input) == ("1", False, PredictionPath.MODEL, item)
    assert row.confidence == pytest.approx(expected.confidence)
    assert row.input_digest == out["input_digest"]
    assert row.id == out["prediction_id"]


def test_low_confidence_goes_to_the_table_which_decides_or_sends_the_run_to_a_person(
    office: Office, table: Path
) -> None:
    office.engine.apply(workflow("credit-risk", table, on=ALL, min_confidence=0.999))
    item = applicants()[1]
    by_table = run(office, small(item))
    out = score_output(office, by_table.id)
    assert (out["path"], out["reason"], out["value"]) == ("table", "low_confidence", "approve")
    assert out["confidence"] is not None
    assert out["confidence"] < 0.999
    assert by_table.status == RunStatus.COMPLETED

    to_person = run(office, middling(item))
    out = score_output(office, to_person.id)
    assert (out["path"], out["reason"], out["value"]) == ("person", "low_confidence", None)
    assert out["table"]["value"] is None
    assert to_person.status == RunStatus.WAITING
    (task,) = office.tasks.of_run(TENANT, to_person.id)
    assert task.step_id == "review"
    assert task.status == "active"


def test_an_input_outside_the_training_range_is_not_scored_and_goes_to_the_table(office: Office, table: Path) -> None:
    office.engine.apply(workflow("credit-risk", table, on=ALL, min_confidence=0.5))
    item = {**applicants()[2], "credit_amount": 250_000}
    done = run(office, item)
    out = score_output(office, done.id)
    assert (out["path"], out["reason"], out["value"]) == ("table", "outside_training_range", "decline")
    assert "credit_amount=250000 is outside the training range" in out["detail"]
    assert out["output"] is None
    assert out["confidence"] is None


def test_a_failing_model_goes_to_the_table_then_to_a_person(office: Office, table: Path) -> None:
    office.models.register(TENANT, failing_model(), actor="test", stage=ModelStage.PRODUCTION)
    office.engine.apply(workflow("always-fails", table, on=ALL))
    by_table = run(office, small(applicants()[0]))
    out = score_output(office, by_table.id)
    assert (out["path"], out["reason"], out["value"]) == ("table", "error", "approve")
    assert "the scoring service is down" in out["detail"]
    to_person = run(office, middling(applicants()[0]))
    assert score_output(office, to_person.id)["path"] == "person"
    assert to_person.status == RunStatus.WAITING


def test_a_failure_the_fallback_does_not_cover_fails_the_step(office: Office, table: Path) -> None:
    office.models.register(TENANT, failing_model(), actor="test", stage=ModelStage.PRODUCTION)
    office.engine.apply(workflow("always-fails", table, on=["low_confidence"]))
    failed = run(office, small(applicants()[0]))
    assert failed.status == RunStatus.FAILED
    assert failed.error is not None
    assert "the scoring service is down" in failed.error["message"]
    assert office.models.predictions(TENANT, "always-fails", run_id=failed.id) == []


def test_a_remote_model_that_answers_too_late_goes_to_the_table_then_a_person(office: Office, table: Path) -> None:
    with slow_oip_server(delay=1.0) as base_url:
        office.models.register(TENANT, slow_remote(base_url, timeout=0.3), actor="test", stage=ModelStage.PRODUCTION)
        office.engine.apply(workflow("remote-credit", table, on=ALL))
        by_table = run(office, {"credit_amount": 1200, "duration_in_month": 6})
        out = score_output(office, by_table.id)
        assert (out["path"], out["reason"], out["value"]) == ("table", "timeout", "approve")
        assert "no answer within 0.3 s" in out["detail"]
        assert 250 <= out["latency_ms"] < 1000
        to_person = run(office, {"credit_amount": 9000, "duration_in_month": 48})
        assert score_output(office, to_person.id)["path"] == "person"


def test_the_step_s_own_timeout_cuts_a_slow_remote_model_short(office: Office, table: Path) -> None:
    with slow_oip_server(delay=1.0) as base_url:
        office.models.register(TENANT, slow_remote(base_url, timeout=5.0), actor="test", stage=ModelStage.PRODUCTION)
        office.engine.apply(workflow("remote-credit", table, on=ALL, timeout="200ms"))
        done = run(office, {"credit_amount": 1200, "duration_in_month": 6})
        out = score_output(office, done.id)
        assert (out["path"], out["reason"]) == ("table", "timeout")
        assert "did not answer within 0.2 s" in out["detail"]


def test_shadow_versions_are_recorded_and_never_used(office: Office, table: Path) -> None:
    office.engine.apply(workflow("credit-risk", table, on=ALL, min_confidence=0.5))
    office.models.ensure_builtin(TENANT, "credit-risk")
    office.models.register(TENANT, credit_risk("2"), actor="test", stage=ModelStage.SHADOW)
    item = applicants()[3]
    done = run(office, item)
    out = score_output(office, done.id)
    assert out["version"] == "1"
    assert out["shadows"] == ["2"]
    rows = {r.version: r for r in office.models.predictions(TENANT, "credit-risk", run_id=done.id)}
    assert rows["2"].shadow
    assert rows["2"].path == PredictionPath.SHADOW
    assert rows["2"].confidence == pytest.approx(rows["1"].confidence)
    assert not rows["1"].shadow
    assert rows["1"].path != PredictionPath.SHADOW


def test_a_canary_takes_the_runs_its_hash_gives_it_and_paths_are_counted_per_version(
    office: Office, table: Path
) -> None:
    office.engine.apply(workflow("credit-risk", table, on=ALL, min_confidence=0.9))
    office.models.ensure_builtin(TENANT, "credit-risk")
    office.models.register(TENANT, credit_risk("2"), actor="test")
    office.models.promote(TENANT, "credit-risk", "2", ModelStage.CANARY, 0.5, actor="test")
    versions: dict[str, str] = {}
    paths: dict[tuple[str, str], int] = {}
    for item in applicants()[:16]:
        done = run(office, small(item))
        out = score_output(office, done.id)
        expected = "2" if bucket(done.id, "credit-risk") < 0.5 else "1"
        assert out["version"] == expected
        versions[done.id] = out["version"]
        key = (out["version"], out["path"])
        paths[key] = paths.get(key, 0) + 1
    assert set(versions.values()) == {"1", "2"}
    counted = {(c.version, c.path.value): c.count for c in office.models.path_counts(TENANT, "credit-risk")}
    assert counted == paths


def test_the_fallback_table_may_be_a_stored_decision_table(office: Office) -> None:
    office.decision_tables.push(FALLBACK_TABLE, tenant=TENANT, actor="test", format="yaml")
    office.engine.apply(
        workflow("credit-risk", None, on=ALL, min_confidence=0.5).replace('"on"', '"table": "credit-fallback", "on"')
    )
    done = run(office, {**applicants()[4], "credit_amount": 250_000})
    out = score_output(office, done.id)
    assert (out["path"], out["value"]) == ("table", "decline")
    assert (out["table"]["name"], out["table"]["version"]) == ("credit-fallback", 1)
