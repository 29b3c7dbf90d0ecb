"""Model feedback (people's corrections and overrides of model outputs, kept as labelled examples),
drift measurements per model version, and the drift alerts raised from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from officeflow.store import schema
from officeflow.store.codec import JSON, JSON_VALUE
from officeflow.store.rowmap import RowMap
from officeflow.store.tx_base import TxBase
from officeflow.store.tx_models import MODEL_PREDICTIONS, ModelPredictionRow

CORRECTION = "correction"
"""Feedback kind: a person changed a form field that a model's output had filled."""
OVERRIDE = "override"
"""Feedback kind: a person's decision (its outcome) says another label than the model's."""


@dataclass(frozen=True, kw_only=True, slots=True)
class NewFeedback:
    """A labelled example as a person's decision made it: the model version's input and output,
    the value the model gave (``model_value``, at ``field`` of its output) and the one the person
    gave (``label``)."""

    tenant: str
    model: str
    version: str
    prediction_id: str | None
    kind: str
    field: str | None
    input: Any
    output: Any
    model_value: Any
    label: Any
    task_id: str | None
    run_id: str | None
    workflow: str | None
    step_id: str | None
    actor: str
    at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class FeedbackRow:
    id: int
    tenant: str
    model: str
    version: str
    prediction_id: str | None
    kind: str
    field: str | None
    input: Any
    output: Any
    model_value: Any
    label: Any
    task_id: str | None
    run_id: str | None
    workflow: str | None
    step_id: str | None
    actor: str
    at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class DriftRow:
    """One drift figure of one measurement: ``subject`` is ``feature:<name>``, ``confidence`` or
    ``override_rate``; the window ran from ``window_start`` to ``measured_at``."""

    tenant: str
    model: str
    version: str
    measured_at: float
    window_start: float
    subject: str
    metric: str
    value: float
    severity: str
    rows: int


@dataclass(frozen=True, kw_only=True, slots=True)
class DriftAlertRow:
    """A threshold crossed: open until a measurement finds the subject back under its warning
    threshold (``cleared_at``)."""

    id: str
    tenant: str
    model: str
    version: str
    subject: str
    severity: str
    value: float
    threshold: float
    raised_at: float
    event_id: str
    cleared_at: float | None = None


_CODECS = {"input": JSON_VALUE, "output": JSON, "model_value": JSON, "label": JSON_VALUE}
NEW_FEEDBACK = RowMap(schema.model_feedback, NewFeedback, codecs=_CODECS, writes_only=True)
FEEDBACK = RowMap(schema.model_feedback, FeedbackRow, codecs=_CODECS)
DRIFT = RowMap(schema.model_drift, DriftRow)
ALERTS = RowMap(schema.model_drift_alerts, DriftAlertRow)


_DISTINCT_PREDICTIONS = "COUNT(DISTINCT COALESCE(prediction_id, 'feedback:' || CAST(id AS TEXT)))"


class ModelFeedbackMixin(TxBase):
    # The predictions the ``model`` step records, as feedback and drift read them

    def predictions_of_run(self, tenant: str, run_id: str) -> list[ModelPredictionRow]:
        """The predictions a run used (not shadow calls), oldest first."""
        rows = self._all(
            f"SELECT {MODEL_PREDICTIONS.select} FROM of_model_predictions WHERE tenant = :t AND run_id = :r "
            "AND shadow = :shadow ORDER BY at, id",
            {"t": tenant, "r": run_id, "shadow": False},
        )
        return MODEL_PREDICTIONS.load_all(rows)

    def prediction_window(
        self, tenant: str, model: str, version: str, since: float, until: float, limit: int
    ) -> list[ModelPredictionRow]:
        """The latest ``limit`` calls of a version (shadow calls included: they see the same inputs)
        between ``since`` and ``until``."""
        rows = self._all(
            f"SELECT {MODEL_PREDICTIONS.select} FROM of_model_predictions "
            "WHERE tenant = :t AND model = :m AND version = :v AND at >= :since AND at <= :until "
            "AND output IS NOT NULL ORDER BY at DESC, id DESC LIMIT :n",
            {"t": tenant, "m": model, "v": version, "since": since, "until": until, "n": limit},
        )
        return MODEL_PREDICTIONS.load_all(rows)

    def model_tenants(self) -> list[str]:
        """The tenants that have registered models."""
        return [str(t) for (t,) in self._all("SELECT DISTINCT tenant FROM of_model_versions ORDER BY tenant")]

    # Feedback

    def add_model_feedback(self, rows: Sequence[NewFeedback]) -> None:
        self._many(NEW_FEEDBACK.insert(), [NEW_FEEDBACK.params(r) for r in rows])

    def model_feedback(
        self,
        tenant: str,
        model: str,
        *,
        version: str | None = None,
        task_id: str | None = None,
        since: float | None = None,
        limit: int = 100_000,
    ) -> list[FeedbackRow]:
        """Feedback on ``model`` (one version, one task, since a time), oldest first."""
        where = ["tenant = :t", "model = :m"]
        params: dict[str, Any] = {"t": tenant, "m": model, "n": limit}
        if version is not None:
            where.append("version = :v")
            params["v"] = version
        if task_id is not None:
            where.append("task_id = :task")
            params["task"] = task_id
        if since is not None:
            where.append("at >= :since")
            params["since"] = since
        rows = self._all(
            f"SELECT {FEEDBACK.select} FROM of_model_feedback WHERE {' AND '.join(where)} ORDER BY id LIMIT :n",
            params,
        )
        return FEEDBACK.load_all(rows)

    def feedback_of_task(self, tenant: str, task_id: str) -> list[FeedbackRow]:
        rows = self._all(
            f"SELECT {FEEDBACK.select} FROM of_model_feedback WHERE tenant = :t AND task_id = :task ORDER BY id",
            {"t": tenant, "task": task_id},
        )
        return FEEDBACK.load_all(rows)

    def feedback_counts(self, tenant: str, model: str) -> dict[str, dict[str, int]]:
        """Per version of ``model``: how many feedback rows of each kind."""
        rows = self._all(
            "SELECT version, kind, COUNT(*) FROM of_model_feedback WHERE tenant = :t AND model = :m "
            "GROUP BY version, kind",
            {"t": tenant, "m": model},
        )
        out: dict[str, dict[str, int]] = {}
        for version, kind, count in rows:
            out.setdefault(str(version), {})[str(kind)] = int(count)
        return out

    def overridden_predictions(self, tenant: str, model: str, version: str, since: float, until: float) -> int:
        """How many distinct predictions of a version people corrected or overrode in a window
        (feedback without a prediction counts once per row)."""
        row = self._one(
            f"SELECT {_DISTINCT_PREDICTIONS} FROM of_model_feedback "
            "WHERE tenant = :t AND model = :m AND version = :v AND at >= :since AND at <= :until",
            {"t": tenant, "m": model, "v": version, "since": since, "until": until},
        )
        return int(row[0]) if row else 0

    # Drift measurements

    def add_drift(self, rows: Sequence[DriftRow]) -> None:
        self._many(DRIFT.insert(), [DRIFT.params(r) for r in rows])

    def drift_series(
        self, tenant: str, model: str, *, version: str | None = None, since: float | None = None, limit: int = 5000
    ) -> list[DriftRow]:
        """Drift figures of ``model`` (one version, since a time), oldest first (the latest ``limit``)."""
        where = ["tenant = :t", "model = :m"]
        params: dict[str, Any] = {"t": tenant, "m": model, "n": limit}
        if version is not None:
            where.append("version = :v")
            params["v"] = version
        if since is not None:
            where.append("measured_at >= :since")
            params["since"] = since
        rows = self._all(
            f"SELECT {DRIFT.select} FROM of_model_drift WHERE {' AND '.join(where)} "
            "ORDER BY measured_at DESC, id DESC LIMIT :n",
            params,
        )
        return list(reversed(DRIFT.load_all(rows)))

    def latest_drift(self, tenant: str, model: str) -> list[DriftRow]:
        """The figures of the latest measurement of each version of ``model``."""
        rows = self._all(
            f"SELECT {DRIFT.select_from('d')} FROM of_model_drift d "
            "JOIN (SELECT version, MAX(measured_at) AS at FROM of_model_drift WHERE tenant = :t AND model = :m "
            "GROUP BY version) last ON last.version = d.version AND last.at = d.measured_at "
            "WHERE d.tenant = :t AND d.model = :m ORDER BY d.version, d.id",
            {"t": tenant, "m": model},
        )
        return DRIFT.load_all(rows)

    # Alerts

    def add_drift_alert(self, row: DriftAlertRow) -> None:
        self._exec(ALERTS.insert(), ALERTS.params(row))

    def open_drift_alerts(self, tenant: str, model: str, version: str) -> list[DriftAlertRow]:
        rows = self._all(
            f"SELECT {ALERTS.select} FROM of_model_drift_alerts WHERE tenant = :t AND model = :m AND version = :v "
            "AND cleared_at IS NULL ORDER BY raised_at",
            {"t": tenant, "m": model, "v": version},
        )
        return ALERTS.load_all(rows)

    def clear_drift_alert(self, alert_id: str, at: float) -> None:
        self._exec("UPDATE of_model_drift_alerts SET cleared_at = :at WHERE id = :id", {"id": alert_id, "at": at})

    def drift_alerts(self, tenant: str, model: str, *, limit: int = 100) -> list[DriftAlertRow]:
        """The latest alerts of ``model``, newest first."""
        rows = self._all(
            f"SELECT {ALERTS.select} FROM of_model_drift_alerts WHERE tenant = :t AND model = :m "
            "ORDER BY raised_at DESC, id DESC LIMIT :n",
            {"t": tenant, "m": model, "n": limit},
        )
        return ALERTS.load_all(rows)
