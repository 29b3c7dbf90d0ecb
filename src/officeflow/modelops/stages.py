"""Stage changes as a plan: what a promotion or a rollback does to each version of a model.

Pure functions over the model's versions and its stage history; the registry applies the plan
in one transaction, with one history row and one audit entry per change.

- to ``production``: the version becomes production; the one it replaces is retired.
- to ``canary`` (with a share, 0 < share < 1): needs a production version to share runs with;
  a canary already there goes back to candidate.
- to ``shadow`` or ``candidate``: the version alone changes (production cannot be demoted so:
  promote another version, or roll back).
- to ``retired``: not the production version (same reason).
- rollback: withdraws the canary (back to candidate) if there is one; otherwise retires the
  production version and brings back the one it replaced (the latest version retired from
  production that is still retired).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from officeflow.errors import Conflict, NotFound, Problem, RequestInvalid
from officeflow.store.tx_models import ModelStage, ModelStageChange, ModelVersionRow


@dataclass(frozen=True, kw_only=True)
class Change:
    """One version moving from one stage to another."""

    version: str
    before: ModelStage
    after: ModelStage
    share: float


class ModelNotFound(NotFound):
    """The model or model version does not exist."""


class StageRefused(Conflict):
    """The stage change is not possible now."""


def check_share(stage: ModelStage, share: float | None) -> float:
    """The share a version at ``stage`` takes; RequestInvalid when it makes no sense there."""
    if stage is ModelStage.CANARY:
        if share is None or not 0.0 < share < 1.0:
            raise RequestInvalid(
                [Problem(pointer="/share", message=f"a canary needs a share, got {share!r}", expected="0 < share < 1")],
                "the canary share is not valid",
            )
        return float(share)
    if share not in (None, 0, 0.0):
        raise RequestInvalid(
            [
                Problem(
                    pointer="/share",
                    message=f"only a canary takes a share; {stage.value} got {share!r}",
                    expected="no share",
                )
            ],
            "the share is not valid",
        )
    return 0.0


def plan_promotion(
    versions: Sequence[ModelVersionRow], name: str, version: str, stage: ModelStage, share: float | None
) -> list[Change]:
    """The changes that put ``version`` at ``stage`` (see the module docstring)."""
    share_value = check_share(stage, share)
    target = next((v for v in versions if v.version == version), None)
    if target is None:
        raise ModelNotFound(f"model {name} has no version {version}")
    production = next((v for v in versions if v.stage is ModelStage.PRODUCTION), None)
    if target.stage is stage and target.share == share_value:
        return []
    changes: list[Change] = []
    if stage is ModelStage.PRODUCTION:
        if production is not None and production.version != version:
            changes.append(
                Change(version=production.version, before=production.stage, after=ModelStage.RETIRED, share=0.0)
            )
    elif stage is ModelStage.CANARY:
        if production is None or production.version == version:
            raise StageRefused(
                f"model {name}: a canary shares runs with a production version, and "
                + ("there is none" if production is None else f"{version} is the production version")
            )
        for other in versions:
            if other.stage is ModelStage.CANARY and other.version != version:
                changes.append(Change(version=other.version, before=other.stage, after=ModelStage.CANDIDATE, share=0.0))
    elif target.stage is ModelStage.PRODUCTION:
        raise StageRefused(
            f"model {name}: {version} is the production version; promote another version to production "
            "or roll back instead of moving it to " + stage.value
        )
    changes.append(Change(version=version, before=target.stage, after=stage, share=share_value))
    return changes


def plan_rollback(versions: Sequence[ModelVersionRow], history: Sequence[ModelStageChange], name: str) -> list[Change]:
    """The changes of a rollback (see the module docstring); ``history`` newest first."""
    if not versions:
        raise ModelNotFound(f"there is no model {name}")
    canary = next((v for v in versions if v.stage is ModelStage.CANARY), None)
    if canary is not None:
        return [Change(version=canary.version, before=ModelStage.CANARY, after=ModelStage.CANDIDATE, share=0.0)]
    production = next((v for v in versions if v.stage is ModelStage.PRODUCTION), None)
    if production is None:
        raise StageRefused(f"model {name} has no canary and no production version: nothing to roll back")
    stages = {v.version: v.stage for v in versions}
    for change in history:
        if (
            change.from_stage == ModelStage.PRODUCTION.value
            and change.to_stage == ModelStage.RETIRED.value
            and change.version != production.version
            and stages.get(change.version) is ModelStage.RETIRED
        ):
            return [
                Change(version=production.version, before=ModelStage.PRODUCTION, after=ModelStage.RETIRED, share=0.0),
                Change(version=change.version, before=ModelStage.RETIRED, after=ModelStage.PRODUCTION, share=0.0),
            ]
    raise StageRefused(
        f"model {name}: no canary, and no earlier production version to go back to (production is {production.version})"
    )
