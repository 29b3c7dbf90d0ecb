"""The ``model`` step kind: call a registered model by name, with a declarative fallback.

::

    score:
      kind: model
      model: credit-risk
      input: ${ input.applicant }
      output: ${ prediction.label }          # optional: the value the run goes on with
      fallback:
        on: [error, timeout, low_confidence, outside_training_range]
        min_confidence: 0.8
        timeout: 2s
        table: credit-fallback               # a stored decision table, or a .dmn/.yaml file
        then: review                         # a step (a human one) when the table does not decide
      next: decide

It is an activity: a worker runs it outside any transaction, at least once, with the step's
retry policy; officeflow.modelops.scoring says what it does. ``then`` is where the run goes when
a person has to decide (``path`` is ``person`` in the output); otherwise it goes on to ``next``.

The kind needs the office's model registry: the composition root binds it (``bind``) once the
engine is built; unbound (an engine opened without the office) it refuses to run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import Field

from officeflow.errors import NonRetryableError
from officeflow.modelops.fallback import FallbackSpec
from officeflow.modelops.scoring import Call, Scorer
from officeflow.steps.base import (
    ActivityConfig,
    ActivityKind,
    Edge,
    KindEnvironment,
    StepContext,
    ValueField,
    step_kind,
)


class ModelStepConfig(ActivityConfig):
    kind: Literal["model"]
    model: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")
    output: ValueField | None = None
    """A value over ``prediction`` (output, confidence, label, prediction_set, explanation) that
    becomes the step's ``value`` when the model decides (default: the model's output)."""
    fallback: FallbackSpec | None = None

    def edges(self) -> list[Edge]:
        edges = super().edges()
        if self.fallback is not None and self.fallback.then is not None:
            edges.append(Edge(self.fallback.then, ("fallback", "then")))
        return edges


@step_kind("model")
class ModelStep(ActivityKind):
    """Scores the step's input with the model it names; see the module docstring."""

    config = ModelStepConfig

    def __init__(self, env: KindEnvironment) -> None:
        super().__init__(env)
        self.scorer: Scorer | None = None

    def bind(self, scorer: Scorer) -> None:
        """Give the kind the office's scorer (the composition root does, once the engine is built)."""
        self.scorer = scorer

    def check(self, step: ModelStepConfig) -> Iterable[tuple[tuple[str | int, ...], str, str | None]]:
        spec = step.fallback
        if spec is None:
            return
        if spec.table is None and spec.then is None and spec.on:
            yield ("fallback",), "a fallback needs a table, a step to go to, or both", "table: ..., then: ..."

    def successor(self, step: ModelStepConfig, output: Any) -> str | None:
        if isinstance(output, dict) and output.get("path") == "person" and step.fallback is not None:
            then: str | None = step.fallback.then
            return then
        return step.next

    def execute(self, step: ModelStepConfig, input: Any, ctx: StepContext) -> Any:
        scorer = self.scorer
        if scorer is None:
            raise NonRetryableError(
                "the model step needs the model registry: run workflows through the office (officeflow.Office)"
            )
        call = Call(
            tenant=ctx.tenant,
            run_id=ctx.run_id,
            workflow=ctx.workflow,
            step_id=ctx.step_id,
            iteration=ctx.iteration,
            deadline=ctx.deadline,
        )
        result = scorer.score(step.model, input, step.fallback, call)
        if result["path"] == "model":
            if step.output is not None:
                prediction = {k: result[k] for k in ("output", "confidence", "label", "prediction_set", "explanation")}
                result["value"] = step.output.evaluate({"prediction": prediction, "input": input})
            else:
                result["value"] = result["output"]
        elif result["path"] == "table":
            result["value"] = result["table"]["value"]
        else:
            result["value"] = None
        return result
