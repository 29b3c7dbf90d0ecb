"""Routing runs to model versions and planning stage changes: pure functions, no store."""

from __future__ import annotations

import pytest

from officeflow.errors import RequestInvalid
from officeflow.modelops import ModelStage, ModelVersionRow, StageRefused, bucket, route
from officeflow.modelops.stages import plan_promotion, plan_rollback
from officeflow.store.tx_models import ModelStageChange


def version(name: str, stage: ModelStage, share: float = 0.0) -> ModelVersionRow:
    return ModelVersionRow(
        tenant="t",
        name="m",
        version=name,
        flavour="python",
        description="",
        owner="",
        input_schema={},
        output_schema={},
        metrics={},
        training_data_digest="",
        metadata={},
        config={},
        artifact_digest="sha256:0",
        stage=stage,
        share=share,
        created_at=0.0,
        created_by=None,
        changed_at=0.0,
        changed_by=None,
    )


def test_the_same_run_always_goes_to_the_same_version() -> None:
    versions = [version("1", ModelStage.PRODUCTION), version("2", ModelStage.CANARY, 0.3)]
    for n in range(200):
        first = route(versions, f"run-{n}", "m").decider
        again = route(list(reversed(versions)), f"run-{n}", "m").decider
        assert first is not None
        assert again is not None
        assert first.version == again.version


@pytest.mark.parametrize("share", [0.05, 0.1, 0.5, 0.9])
def test_a_canary_takes_its_share_of_runs(share: float) -> None:
    versions = [version("1", ModelStage.PRODUCTION), version("2", ModelStage.CANARY, share)]
    runs = 20_000
    deciders = [route(versions, f"run-{n}", "m").decider for n in range(runs)]
    taken = sum(1 for decider in deciders if decider is not None and decider.version == "2")
    assert abs(taken / runs - share) < 4 * (share * (1 - share) / runs) ** 0.5 + 0.002


def test_buckets_differ_between_models_and_lie_in_the_unit_interval() -> None:
    places = [bucket(f"run-{n}", "a") for n in range(1000)]
    assert all(0.0 <= p < 1.0 for p in places)
    same = sum(1 for n in range(1000) if (bucket(f"run-{n}", "a") < 0.5) == (bucket(f"run-{n}", "b") < 0.5))
    assert 400 < same < 600


def test_shadows_never_decide_and_no_live_version_means_no_decider() -> None:
    decided = route([version("1", ModelStage.SHADOW), version("2", ModelStage.CANDIDATE)], "r", "m")
    assert decided.decider is None
    assert [v.version for v in decided.shadows] == ["1"]


def test_promotion_plans() -> None:
    live = [
        version("1", ModelStage.PRODUCTION),
        version("2", ModelStage.CANARY, 0.2),
        version("3", ModelStage.CANDIDATE),
    ]
    to_canary = plan_promotion(live, "m", "3", ModelStage.CANARY, 0.1)
    assert [(c.version, c.after.value, c.share) for c in to_canary] == [("2", "candidate", 0.0), ("3", "canary", 0.1)]
    to_production = plan_promotion(live, "m", "2", ModelStage.PRODUCTION, None)
    assert [(c.version, c.after.value) for c in to_production] == [("1", "retired"), ("2", "production")]
    assert plan_promotion(live, "m", "1", ModelStage.PRODUCTION, None) == []
    with pytest.raises(RequestInvalid):
        plan_promotion(live, "m", "3", ModelStage.CANARY, 0.0)
    with pytest.raises(StageRefused):
        plan_promotion(live, "m", "1", ModelStage.SHADOW, None)


def test_rollback_plans() -> None:
    def change(v: str, before: str, after: str, id_: int) -> ModelStageChange:
        return ModelStageChange(
            id=id_,
            tenant="t",
            name="m",
            version=v,
            action="promote",
            from_stage=before,
            to_stage=after,
            share=0.0,
            reason=None,
            at=0.0,
            actor=None,
        )

    versions = [version("1", ModelStage.RETIRED), version("2", ModelStage.RETIRED), version("3", ModelStage.PRODUCTION)]
    history = [change("2", "production", "retired", 3), change("1", "production", "retired", 2)]
    plan = plan_rollback(versions, history, "m")
    assert [(c.version, c.after.value) for c in plan] == [("3", "retired"), ("2", "production")]
    with pytest.raises(StageRefused):
        plan_rollback([version("1", ModelStage.PRODUCTION)], [], "m")
