"""The model registry's rows and queries: model versions with their files and stages, the history
of stage changes, and the predictions each ``model`` step call records.

A version's stage is one of :class:`ModelStage`; its ``share`` is the share of runs a canary
takes (0 for every other stage). A prediction row is keyed by the call (run, step, iteration,
model, version): a step that runs again after a crash or a retry writes its row again instead of
adding one, so counts per path stay true under the engine's at-least-once execution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from officeflow.jsonutil import dumps, loads
from officeflow.store import schema
from officeflow.store.codec import JSON, JSON_VALUE
from officeflow.store.rowmap import Codec, RowMap
from officeflow.store.tx_base import TxBase


class ModelStage(StrEnum):
    """Where a model version stands; the routing of ``model`` steps reads it."""

    CANDIDATE = "candidate"
    """Registered, not called by any step."""
    SHADOW = "shadow"
    """Called on the same input as the version that decides; recorded, never used."""
    CANARY = "canary"
    """Decides for its ``share`` of runs (chosen by a hash of run id and model name)."""
    PRODUCTION = "production"
    """Decides for every run the canary does not take. At most one version per model."""
    RETIRED = "retired"
    """No longer called; kept with its history and predictions."""


class PredictionPath(StrEnum):
    """Who decided at a ``model`` step."""

    MODEL = "model"
    """The model's output was used."""
    TABLE = "table"
    """A fallback reason held and the fallback decision table decided."""
    PERSON = "person"
    """Neither the model nor the table decided: the run went on to a person (the fallback's ``then``)."""
    SHADOW = "shadow"
    """A shadow version's prediction: recorded, not used."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ModelVersionRow:
    """One registered model version (what ``of_model_versions`` holds; its files are apart)."""

    tenant: str
    name: str
    version: str
    flavour: str
    """onnx, skops, python or oip (officeflow.models.Flavour)."""
    description: str
    owner: str
    input_schema: Any
    output_schema: Any
    metrics: Any
    """Metric name -> value (JSON object)."""
    training_data_digest: str
    metadata: Any
    """The whole ``ModelMetadata.as_dict()`` (training reference and input ranges included)."""
    config: Any
    """The artifact's flavour config (tabular spec, OIP endpoint, built-in or callable name)."""
    artifact_digest: str
    stage: ModelStage
    share: float
    """The share of runs a canary takes (0 < share < 1); 0 for other stages."""
    created_at: float
    created_by: str | None
    changed_at: float
    changed_by: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class ModelStageChange:
    """One stage change of a model version, as kept in its history."""

    id: int
    tenant: str
    name: str
    version: str
    action: str
    """register, promote, rollback."""
    from_stage: str | None
    to_stage: str
    share: float
    reason: str | None
    at: float
    actor: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class NewModelStageChange:
    tenant: str
    name: str
    version: str
    action: str
    from_stage: str | None
    to_stage: str
    share: float
    reason: str | None
    at: float
    actor: str | None


def _labels_text(values: tuple[str, ...] | None) -> str | None:
    return None if values is None else dumps(list(values))


def _labels_of(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(str(v) for v in loads(text))


LABELS = Codec("label set", _labels_text, _labels_of)
"""A prediction set: a JSON list of labels, or NULL when the model gave none."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ModelPredictionRow:
    """One model call of a ``model`` step: the version that decided, or a shadow."""

    id: str
    tenant: str
    run_id: str
    workflow: str
    step_id: str
    iteration: int
    model: str
    version: str
    shadow: bool
    input_digest: str
    """``sha256:<hex>`` of the model input as canonical JSON."""
    input: Any
    """The model input (the feature vector, JSON) drift is measured on."""
    output: Any
    """The model's output (None when it failed)."""
    confidence: float | None
    label: str | None
    prediction_set: tuple[str, ...] | None
    explanation: Any
    latency_ms: float
    path: PredictionPath
    reason: str | None
    """Why the fallback was taken: error, timeout, low_confidence, outside_training_range."""
    error: str | None
    """What went wrong (the model's error, the findings outside the training range)."""
    at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class ModelPathCount:
    """How many calls of one model version ended on one path."""

    model: str
    version: str
    path: PredictionPath
    count: int


MODEL_VERSIONS = RowMap(
    schema.model_versions,
    ModelVersionRow,
    codecs={
        "input_schema": JSON_VALUE,
        "output_schema": JSON_VALUE,
        "metrics": JSON_VALUE,
        "metadata": JSON_VALUE,
        "config": JSON_VALUE,
    },
)
MODEL_STAGE_CHANGES = RowMap(schema.model_stage_changes, ModelStageChange)
NEW_MODEL_STAGE_CHANGES = RowMap(schema.model_stage_changes, NewModelStageChange, writes_only=True)
MODEL_PREDICTIONS = RowMap(
    schema.model_predictions,
    ModelPredictionRow,
    codecs={"input": JSON_VALUE, "output": JSON, "explanation": JSON, "prediction_set": LABELS},
)

_INSERT_VERSION = MODEL_VERSIONS.insert("ON CONFLICT (tenant, name, version) DO NOTHING")
_PUT_PREDICTION = (
    MODEL_PREDICTIONS.upsert(("run_id", "step_id", "iteration", "model", "version"), keep=("id",)) + " RETURNING id"
)
_LIVE = (ModelStage.PRODUCTION.value, ModelStage.CANARY.value, ModelStage.SHADOW.value)


class ModelsMixin(TxBase):
    # Versions

    def add_model_version(self, row: ModelVersionRow, files: Mapping[str, bytes]) -> bool:
        """Register a version with its artifact files; False (and nothing written) when the
        tenant already has this name and version."""
        if self._count(_INSERT_VERSION, MODEL_VERSIONS.params(row)) == 0:
            return False
        self._many(
            "INSERT INTO of_model_files (tenant, name, version, file, content) VALUES (:t, :n, :v, :f, :c)",
            [
                {"t": row.tenant, "n": row.name, "v": row.version, "f": file, "c": content}
                for file, content in sorted(files.items())
            ],
        )
        return True

    def get_model_version(self, tenant: str, name: str, version: str) -> ModelVersionRow | None:
        row = self._one(
            f"SELECT {MODEL_VERSIONS.select} FROM of_model_versions WHERE tenant = :t AND name = :n AND version = :v",
            {"t": tenant, "n": name, "v": version},
        )
        return MODEL_VERSIONS.load(row) if row else None

    def list_model_versions(self, tenant: str, name: str | None = None) -> list[ModelVersionRow]:
        """Versions of one model (or of all), by name, then oldest first."""
        where, params = "tenant = :t", {"t": tenant}
        if name is not None:
            where += " AND name = :n"
            params["n"] = name
        rows = self._all(
            f"SELECT {MODEL_VERSIONS.select} FROM of_model_versions WHERE {where} ORDER BY name, created_at, version",
            params,
        )
        return MODEL_VERSIONS.load_all(rows)

    def live_model_versions(self, tenant: str, name: str) -> list[ModelVersionRow]:
        """The versions steps call: production, canary and shadow ones."""
        params: dict[str, Any] = {"t": tenant, "n": name}
        among = self._in("stage", "s", list(_LIVE), params)
        rows = self._all(
            f"SELECT {MODEL_VERSIONS.select} FROM of_model_versions WHERE tenant = :t AND name = :n AND {among} "
            "ORDER BY created_at, version",
            params,
        )
        return MODEL_VERSIONS.load_all(rows)

    def model_files(self, tenant: str, name: str, version: str) -> dict[str, bytes]:
        rows = self._all(
            "SELECT file, content FROM of_model_files WHERE tenant = :t AND name = :n AND version = :v ORDER BY file",
            {"t": tenant, "n": name, "v": version},
        )
        return {file: bytes(content) for file, content in rows}

    def lock_model(self, tenant: str, name: str) -> None:
        """Serialise stage changes of one model (a no-op on SQLite, whose writers are serial)."""
        if self.dialect.name == "postgresql":
            self._exec("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))", {"k": f"of_model:{tenant}:{name}"})

    def set_model_stage(
        self, tenant: str, name: str, version: str, stage: ModelStage, share: float, now: float, actor: str | None
    ) -> bool:
        return (
            self._count(
                "UPDATE of_model_versions SET stage = :s, share = :sh, changed_at = :now, changed_by = :a "
                "WHERE tenant = :t AND name = :n AND version = :v",
                {"t": tenant, "n": name, "v": version, "s": stage.value, "sh": share, "now": now, "a": actor},
            )
            > 0
        )

    # Stage history

    def add_model_stage_change(self, change: NewModelStageChange) -> None:
        self._exec(NEW_MODEL_STAGE_CHANGES.insert(), NEW_MODEL_STAGE_CHANGES.params(change))

    def list_model_stage_changes(
        self, tenant: str, name: str, *, version: str | None = None, limit: int = 100
    ) -> list[ModelStageChange]:
        """A model's stage changes, newest first."""
        where, params = "tenant = :t AND name = :n", {"t": tenant, "n": name, "lim": limit}
        if version is not None:
            where += " AND version = :v"
            params["v"] = version
        rows = self._all(
            f"SELECT {MODEL_STAGE_CHANGES.select} FROM of_model_stage_changes WHERE {where} "
            "ORDER BY id DESC LIMIT :lim",
            params,
        )
        return MODEL_STAGE_CHANGES.load_all(rows)

    # Predictions

    def put_model_prediction(self, row: ModelPredictionRow) -> str:
        """Record a model call; the same call (run, step, iteration, model, version) recorded
        again replaces its row, keeping its id. The row's id (the first one's, on a repeat)."""
        found = self._one(_PUT_PREDICTION, MODEL_PREDICTIONS.params(row))
        assert found is not None
        return str(found[0])

    def get_model_prediction(self, tenant: str, prediction_id: str) -> ModelPredictionRow | None:
        row = self._one(
            f"SELECT {MODEL_PREDICTIONS.select} FROM of_model_predictions WHERE tenant = :t AND id = :id",
            {"t": tenant, "id": prediction_id},
        )
        return MODEL_PREDICTIONS.load(row) if row else None

    def list_model_predictions(
        self,
        tenant: str,
        model: str,
        *,
        version: str | None = None,
        shadow: bool | None = None,
        run_id: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 1000,
    ) -> list[ModelPredictionRow]:
        """Predictions of a model (a version, shadow or not, one run, a time window), newest first."""
        where = ["tenant = :t", "model = :m"]
        params: dict[str, Any] = {"t": tenant, "m": model, "lim": limit}
        for key, value, clause in (
            ("v", version, "version = :v"),
            ("sh", shadow, "shadow = :sh"),
            ("r", run_id, "run_id = :r"),
            ("since", since, "at >= :since"),
            ("until", until, "at < :until"),
        ):
            if value is not None:
                where.append(clause)
                params[key] = value
        rows = self._all(
            f"SELECT {MODEL_PREDICTIONS.select} FROM of_model_predictions WHERE {' AND '.join(where)} "
            "ORDER BY at DESC, id DESC LIMIT :lim",
            params,
        )
        return MODEL_PREDICTIONS.load_all(rows)

    def model_path_counts(
        self, tenant: str, model: str | None = None, *, since: float | None = None
    ) -> list[ModelPathCount]:
        """How many calls ended on each path, per model and version (shadow calls under ``shadow``)."""
        where = ["tenant = :t"]
        params: dict[str, Any] = {"t": tenant}
        if model is not None:
            where.append("model = :m")
            params["m"] = model
        if since is not None:
            where.append("at >= :since")
            params["since"] = since
        rows = self._all(
            f"SELECT model, version, path, COUNT(*) FROM of_model_predictions WHERE {' AND '.join(where)} "
            "GROUP BY model, version, path ORDER BY model, version, path",
            params,
        )
        return [ModelPathCount(model=m, version=v, path=PredictionPath(p), count=int(n)) for m, v, p, n in rows]
