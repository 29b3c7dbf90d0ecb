"""What a ``model`` step does in a worker: route, score (with the shadows), fall back, record.

1. The registry routes the run to the version that decides (production, or the canary for its
   share of runs) and lists the shadow versions (officeflow.modelops.routing).
2. The input is checked against the deciding version's training ranges; unless it lies outside
   them (and the fallback covers that), the item goes to the version's micro-batcher, and to
   every shadow's, at once; the step waits for the decider's prediction up to the fallback's
   ``timeout`` (or the step's deadline), then for the shadows' within what is left of that wait.
3. The fallback (officeflow.modelops.fallback) decides who decides: the model, the table or a
   person.
4. One prediction row per version called is written in one transaction, keyed by the call, so
   a step that runs again after a crash or a retry replaces its rows instead of adding some.

The step's output (and so the run's history) holds the path, the model, the version, the input
digest, the model's output, confidence and explanation, the latency, and the value the workflow
goes on with.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from officeflow.errors import NonRetryableError, StepError
from officeflow.ids import uuid7
from officeflow.modelops.fallback import FallbackReason, FallbackSpec, TableDecision, Tables
from officeflow.modelops.registry import ModelRegistry
from officeflow.models import ModelTimeout, Prediction, outside_training_range
from officeflow.store.tx import Tx
from officeflow.store.tx_models import ModelPredictionRow, ModelVersionRow, PredictionPath


@dataclass(frozen=True, kw_only=True)
class Call:
    """Where a ``model`` step runs: the position the prediction rows are keyed by."""

    tenant: str
    run_id: str
    workflow: str
    step_id: str
    iteration: int
    deadline: float | None
    """Epoch seconds the step must be done by (its timeout), or None."""


@dataclass(frozen=True, kw_only=True)
class Scored:
    """One version's answer: a prediction, or why there is none."""

    prediction: Prediction | None
    latency_ms: float
    reason: FallbackReason | None = None
    error: str | None = None


def input_digest(item: Any) -> str:
    """``sha256:<hex>`` of the item as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


class ModelFailed(StepError):
    """The model failed and the step's fallback does not cover it."""


class Scorer:
    """Scores ``model`` steps (see the module docstring)."""

    def __init__(self, registry: ModelRegistry, tables: Tables, now: Any = time.time) -> None:
        self.registry = registry
        self.tables = tables
        self.now = now

    def score(self, model: str, item: Mapping[str, Any], fallback: FallbackSpec | None, call: Call) -> dict[str, Any]:
        """Score ``item`` for the step at ``call``; the step's output (see the module docstring)."""
        spec = fallback or FallbackSpec(on=())
        if not isinstance(item, Mapping):
            raise NonRetryableError(f"the model step's input must be an object, got {type(item).__name__}")
        route = self.registry.route(call.tenant, model, call.run_id)
        decider = route.decider
        wait = spec.timeout
        if call.deadline is not None:
            left = max(call.deadline - self.now(), 0.0)
            wait = left if wait is None else min(wait, left)
        shadows: list[tuple[ModelVersionRow, Future[Prediction] | None, float, str | None]] = []
        started = time.monotonic()
        for shadow in route.shadows:
            try:
                submitted = time.monotonic()
                future = self.registry.served(call.tenant, shadow).submit(item)
                future.add_done_callback(_stamp)
                shadows.append((shadow, future, submitted, None))
            except Exception as exc:
                shadows.append((shadow, None, time.monotonic(), f"{type(exc).__name__}: {exc}"))
        if decider is None:
            scored = Scored(
                prediction=None,
                latency_ms=0.0,
                reason=FallbackReason.ERROR,
                error=f"model {model} has no production or canary version",
            )
        else:
            scored = self._score_decider(decider, item, spec, wait)
        path, table = self._path(call.tenant, spec, scored, item)
        if path is None:  # an error or a timeout the fallback does not cover: the step's retry policy applies
            for _, pending, _, _ in shadows:
                if pending is not None:
                    pending.cancel()
            if scored.reason is FallbackReason.TIMEOUT:
                raise ModelTimeout(scored.error or f"model {model} did not answer in time")
            raise ModelFailed(scored.error or f"model {model} failed")
        prediction_id = self._record(call, model, decider, item, scored, path, shadows, started, wait)
        prediction = scored.prediction
        return {
            "path": path.value,
            "model": model,
            "version": decider.version if decider else None,
            "stage": decider.stage.value if decider else None,
            "reason": scored.reason.value if scored.reason else None,
            "detail": scored.error,
            "output": prediction.output if prediction else None,
            "confidence": prediction.confidence if prediction else None,
            "label": prediction.label if prediction else None,
            "prediction_set": list(prediction.prediction_set)
            if prediction and prediction.prediction_set is not None
            else None,
            "explanation": dict(prediction.explanation) if prediction else None,
            "table": table.as_dict() if table else None,
            "input_digest": input_digest(item),
            "latency_ms": scored.latency_ms,
            "prediction_id": prediction_id,
            "shadows": [row.version for row, _, _, _ in shadows],
        }

    def _score_decider(
        self, decider: ModelVersionRow, item: Mapping[str, Any], spec: FallbackSpec, wait: float | None
    ) -> Scored:
        started = time.monotonic()
        try:
            served = self.registry.served(decider.tenant, decider)
        except Exception as exc:
            return Scored(prediction=None, latency_ms=0.0, reason=FallbackReason.ERROR, error=_text(exc))
        if FallbackReason.OUTSIDE_TRAINING_RANGE in spec.on:
            findings = outside_training_range(served.ranges, item)
            if findings:
                return Scored(
                    prediction=None,
                    latency_ms=0.0,
                    reason=FallbackReason.OUTSIDE_TRAINING_RANGE,
                    error="; ".join(str(f) for f in findings),
                )
        try:
            future = served.submit(item)
        except Exception as exc:
            return Scored(prediction=None, latency_ms=_ms(started), reason=FallbackReason.ERROR, error=_text(exc))
        try:
            prediction = future.result(wait)
        except FutureTimeout:
            future.cancel()
            return Scored(
                prediction=None,
                latency_ms=_ms(started),
                reason=FallbackReason.TIMEOUT,
                error=f"model {decider.name} {decider.version} did not answer within {wait:g} s",
            )
        except ModelTimeout as exc:
            return Scored(prediction=None, latency_ms=_ms(started), reason=FallbackReason.TIMEOUT, error=_text(exc))
        except Exception as exc:
            return Scored(prediction=None, latency_ms=_ms(started), reason=FallbackReason.ERROR, error=_text(exc))
        latency = _ms(started)
        if wait is not None and latency > wait * 1000.0:  # scored in this thread, past the wait
            return Scored(
                prediction=None,
                latency_ms=latency,
                reason=FallbackReason.TIMEOUT,
                error=f"model {decider.name} {decider.version} answered after {latency:.0f} ms, past {wait:g} s",
            )
        low = _low_confidence(prediction, spec)
        if low is not None:
            return Scored(prediction=prediction, latency_ms=latency, reason=FallbackReason.LOW_CONFIDENCE, error=low)
        return Scored(prediction=prediction, latency_ms=latency)

    def _path(
        self, tenant: str, spec: FallbackSpec, scored: Scored, item: Mapping[str, Any]
    ) -> tuple[PredictionPath | None, TableDecision | None]:
        """Who decides: the model, the table or a person (None: the step fails, see the module
        docstring of officeflow.modelops.fallback)."""
        reason = scored.reason
        if reason is None:
            return PredictionPath.MODEL, None
        if reason not in spec.on:
            if reason in (FallbackReason.ERROR, FallbackReason.TIMEOUT) or scored.prediction is None:
                return None, None
            return PredictionPath.MODEL, None
        table = None
        if spec.table is not None:
            table = self.tables.decide(tenant, spec, {**item, "fallback_reason": reason.value})
            if table.decided:
                return PredictionPath.TABLE, table
        if spec.then is None:
            raise NonRetryableError(
                f"the model step fell back ({reason.value}: {scored.error}), "
                + ("the table did not decide" if spec.table else "there is no table")
                + ", and the fallback names no step to go to (then:)"
            )
        return PredictionPath.PERSON, table

    def _record(
        self,
        call: Call,
        model: str,
        decider: ModelVersionRow | None,
        item: Mapping[str, Any],
        scored: Scored,
        path: PredictionPath,
        shadows: list[tuple[ModelVersionRow, Future[Prediction] | None, float, str | None]],
        started: float,
        wait: float | None,
    ) -> str:
        digest = input_digest(item)
        now = self.now()
        rows = [self._row(call, model, decider.version if decider else "", False, digest, item, scored, path, now)]
        for shadow, future, submitted, failed in shadows:
            shadow_scored = _collect(future, submitted, failed, started, wait)
            rows.append(
                self._row(call, model, shadow.version, True, digest, item, shadow_scored, PredictionPath.SHADOW, now)
            )

        def body(tx: Tx) -> str:
            ids = [tx.put_model_prediction(row) for row in rows]
            return ids[0]

        return self.registry.store.run(body)

    @staticmethod
    def _row(
        call: Call,
        model: str,
        version: str,
        shadow: bool,
        digest: str,
        item: Mapping[str, Any],
        scored: Scored,
        path: PredictionPath,
        now: float,
    ) -> ModelPredictionRow:
        prediction = scored.prediction
        return ModelPredictionRow(
            id=uuid7(),
            tenant=call.tenant,
            run_id=call.run_id,
            workflow=call.workflow,
            step_id=call.step_id,
            iteration=call.iteration,
            model=model,
            version=version,
            shadow=shadow,
            input_digest=digest,
            input=dict(item),
            output=prediction.output if prediction else None,
            confidence=prediction.confidence if prediction else None,
            label=prediction.label if prediction else None,
            prediction_set=prediction.prediction_set if prediction else None,
            explanation=dict(prediction.explanation) if prediction else None,
            latency_ms=scored.latency_ms,
            path=path,
            reason=scored.reason.value if scored.reason else None,
            error=scored.error,
            at=now,
        )


def _collect(
    future: Future[Prediction] | None, submitted: float, failed: str | None, started: float, wait: float | None
) -> Scored:
    """A shadow's answer, waited for within what is left of the decider's wait."""
    if future is None:
        return Scored(prediction=None, latency_ms=0.0, reason=FallbackReason.ERROR, error=failed)
    left = None if wait is None else max(wait - (time.monotonic() - started), 0.0)
    try:
        prediction = future.result(left)
    except FutureTimeout:
        future.cancel()
        return Scored(prediction=None, latency_ms=_ms(submitted), reason=FallbackReason.TIMEOUT, error="no answer")
    except Exception as exc:
        return Scored(prediction=None, latency_ms=_ms(submitted), reason=FallbackReason.ERROR, error=_text(exc))
    done = getattr(future, "officeflow_done", None)
    latency = round((done - submitted) * 1000.0, 3) if done is not None else _ms(submitted)
    return Scored(prediction=prediction, latency_ms=latency)


def _stamp(future: Future[Prediction]) -> None:
    """Note when a shadow's prediction arrived (its latency is not the time the step waited)."""
    future.officeflow_done = time.monotonic()  # type: ignore[attr-defined]


def _low_confidence(prediction: Prediction, spec: FallbackSpec) -> str | None:
    if spec.min_confidence is not None:
        if prediction.confidence is None:
            return f"the model gave no confidence (at least {spec.min_confidence:g} required)"
        if prediction.confidence < spec.min_confidence:
            return f"confidence {prediction.confidence:.4f} is below {spec.min_confidence:g}"
    if spec.single_label and not prediction.decides_alone:
        labels = "none" if prediction.prediction_set is None else ", ".join(prediction.prediction_set) or "empty"
        return f"the prediction set is not one label ({labels})"
    return None


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000.0, 3)


def _text(exc: BaseException) -> str:
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
