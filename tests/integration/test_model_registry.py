"""The model registry on both backends: registering versions with their artifacts, built-ins on
first use, stage changes kept as history and audited, rollbacks, and what is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from officeflow import FakeClock, Office, RequestInvalid
from officeflow.modelops import ModelNotFound, ModelStage, ModelVersionExists, StageRefused
from officeflow.models import BUILTINS
from tests.integration.model_step_support import TENANT, applicants, credit_risk, failing_model


@pytest.fixture
def office(make_office: Any) -> Office:
    made: Office = make_office(clock=FakeClock())
    return made


def stages(office: Office, name: str = "credit-risk") -> dict[str, tuple[str, float]]:
    return {v.version: (v.stage.value, v.share) for v in office.models.versions(TENANT, name)}


def audit_actions(office: Office) -> list[tuple[str, str, Any]]:
    with office.store.read() as tx:
        entries = tx.list_audit(TENANT, object_type="model_version", limit=100)
    return [(e.action, e.object_id, json.loads(e.after or "null")) for e in reversed(entries)]


def test_a_registered_version_keeps_its_artifact_metadata_and_digest(office: Office) -> None:
    artifact = credit_risk("7")
    row = office.models.register(TENANT, artifact, actor="user:ann")
    assert (row.name, row.version, row.stage, row.flavour) == ("credit-risk", "7", ModelStage.CANDIDATE, "python")
    assert row.created_by == "user:ann"
    assert row.metrics["auc"] == artifact.metadata.metrics["auc"]
    assert row.input_schema == dict(artifact.metadata.input_schema)
    assert row.training_data_digest == artifact.metadata.training_data_digest
    stored = office.models.artifact(TENANT, row)
    assert stored.digest() == artifact.digest() == row.artifact_digest
    item = applicants()[0]
    (scored,) = office.models.predict(TENANT, "credit-risk", "7", [item])
    assert scored.confidence is not None
    assert 0.5 <= scored.confidence <= 1.0
    with pytest.raises(ModelVersionExists):
        office.models.register(TENANT, artifact, actor="user:ann")


def test_built_ins_are_registered_in_production_once(office: Office) -> None:
    names = ["credit-risk", "expense-anomaly", "sensor-anomaly"]
    first = office.models.register_builtins(TENANT, names=names)
    assert [r.name for r in first] == names
    assert all(r.stage is ModelStage.PRODUCTION for r in first)
    assert office.models.register_builtins(TENANT, names=names) == []
    summaries = {s.name: s for s in office.models.models(TENANT)}
    assert summaries["credit-risk"].production == "1"
    assert summaries["credit-risk"].versions == 1
    assert set(names) <= set(BUILTINS)
    route = office.models.route("other-tenant", "credit-risk", "run-1")
    assert route.decider is not None
    assert route.decider.tenant == "other-tenant"


def test_promotions_and_rollbacks_are_kept_as_history_and_audited(office: Office) -> None:
    office.models.ensure_builtin(TENANT, "credit-risk")
    office.models.register(TENANT, credit_risk("2"), actor="user:ann")
    office.models.promote(TENANT, "credit-risk", "2", ModelStage.CANARY, 0.1, actor="user:ann", reason="try")
    assert stages(office) == {"1": ("production", 0.0), "2": ("canary", 0.1)}
    changes = office.models.promote(TENANT, "credit-risk", "2", ModelStage.PRODUCTION, actor="user:bob")
    assert [(c.version, c.before.value, c.after.value) for c in changes] == [
        ("1", "production", "retired"),
        ("2", "canary", "production"),
    ]
    office.models.rollback(TENANT, "credit-risk", actor="user:carla", reason="worse")
    assert stages(office) == {"1": ("production", 0.0), "2": ("retired", 0.0)}
    history = [
        (h.action, h.version, h.from_stage, h.to_stage, h.actor) for h in office.models.history(TENANT, "credit-risk")
    ]
    assert history[:4] == [
        ("rollback", "1", "retired", "production", "user:carla"),
        ("rollback", "2", "production", "retired", "user:carla"),
        ("promote", "2", "canary", "production", "user:bob"),
        ("promote", "1", "production", "retired", "user:bob"),
    ]
    actions = audit_actions(office)
    assert ("model.promote", "credit-risk:2", {"stage": "canary", "share": 0.1, "reason": "try"}) in actions
    assert actions[-2:] == [
        ("model.rollback", "credit-risk:2", {"stage": "retired", "share": 0.0, "reason": "worse"}),
        ("model.rollback", "credit-risk:1", {"stage": "production", "share": 0.0, "reason": "worse"}),
    ]
    office.audit.seal()
    assert office.audit.verify(TENANT).ok


def test_a_rollback_withdraws_the_canary_first(office: Office) -> None:
    office.models.ensure_builtin(TENANT, "credit-risk")
    office.models.register(TENANT, credit_risk("2"), actor="t")
    office.models.register(TENANT, credit_risk("3"), actor="t", stage=ModelStage.SHADOW)
    office.models.promote(TENANT, "credit-risk", "2", ModelStage.CANARY, 0.25, actor="t")
    office.models.rollback(TENANT, "credit-risk", actor="t")
    assert stages(office) == {"1": ("production", 0.0), "2": ("candidate", 0.0), "3": ("shadow", 0.0)}
    with pytest.raises(StageRefused, match="no earlier production version"):
        office.models.rollback(TENANT, "credit-risk", actor="t")


def test_what_the_registry_refuses(office: Office) -> None:
    office.models.register(TENANT, failing_model("1"), actor="t")
    with pytest.raises(StageRefused, match="there is none"):
        office.models.promote(TENANT, "always-fails", "1", ModelStage.CANARY, 0.2, actor="t")
    office.models.promote(TENANT, "always-fails", "1", ModelStage.PRODUCTION, actor="t")
    office.models.register(TENANT, failing_model("2"), actor="t")
    with pytest.raises(RequestInvalid) as bad_share:
        office.models.promote(TENANT, "always-fails", "2", ModelStage.CANARY, 1.5, actor="t")
    assert bad_share.value.problems[0].pointer == "/share"
    with pytest.raises(RequestInvalid):
        office.models.promote(TENANT, "always-fails", "2", ModelStage.SHADOW, 0.3, actor="t")
    with pytest.raises(StageRefused, match="is the production version"):
        office.models.promote(TENANT, "always-fails", "1", ModelStage.RETIRED, actor="t")
    with pytest.raises(ModelNotFound):
        office.models.promote(TENANT, "always-fails", "9", ModelStage.SHADOW, actor="t")
    with pytest.raises(ModelNotFound):
        office.models.versions(TENANT, "no-such-model")
    with pytest.raises(RequestInvalid):
        office.models.register(TENANT, failing_model("bad version!"), actor="t")
    assert stages(office, "always-fails") == {"1": ("production", 0.0), "2": ("candidate", 0.0)}
