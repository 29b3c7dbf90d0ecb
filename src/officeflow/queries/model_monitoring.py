"""What the console's models pages read: each model with its live versions, feedback and open
alerts; a model's versions, stage history, feedback counts, drift and override-rate series."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from officeflow.store.base import Store
from officeflow.store.tx_model_feedback import DriftAlertRow, DriftRow, FeedbackRow
from officeflow.store.tx_models import ModelPathCount, ModelStage, ModelStageChange, ModelVersionRow

SERIES_POINTS = 60
"""Measurements per version drawn in a chart (the latest)."""


@dataclass(frozen=True, kw_only=True)
class ModelListing:
    name: str
    description: str
    owner: str
    versions: int
    production: str | None
    canary: str | None
    canary_share: float
    shadows: tuple[str, ...]
    feedback: int
    open_alerts: int


@dataclass(frozen=True, kw_only=True)
class ModelPage:
    """Everything the page of one model shows."""

    name: str
    versions: list[ModelVersionRow]
    history: list[ModelStageChange]
    feedback: dict[str, dict[str, int]]
    """Per version: feedback rows by kind (correction, override)."""
    recent_feedback: list[FeedbackRow]
    latest_drift: list[DriftRow]
    drift: dict[str, list[DriftRow]]
    """Per version: its drift figures, oldest first."""
    alerts: list[DriftAlertRow]
    paths: list[ModelPathCount]
    worst: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per version: the latest measurement's worst PSI over inputs, its confidence PSI, override rate."""


class ModelMonitoringQueries:
    def __init__(self, store: Store) -> None:
        self.store = store

    def models(self, tenant: str) -> list[ModelListing]:
        with self.store.read() as tx:
            versions = tx.list_model_versions(tenant)
            by_name: dict[str, list[ModelVersionRow]] = defaultdict(list)
            for v in versions:
                by_name[v.name].append(v)
            out = []
            for name, rows in sorted(by_name.items()):
                counts = tx.feedback_counts(tenant, name)
                alerts = [a for a in tx.drift_alerts(tenant, name) if a.cleared_at is None]
                canary = next((v for v in rows if v.stage is ModelStage.CANARY), None)
                production = next((v for v in rows if v.stage is ModelStage.PRODUCTION), None)
                latest = rows[-1]
                out.append(
                    ModelListing(
                        name=name,
                        description=latest.description,
                        owner=latest.owner,
                        versions=len(rows),
                        production=production.version if production else None,
                        canary=canary.version if canary else None,
                        canary_share=canary.share if canary else 0.0,
                        shadows=tuple(v.version for v in rows if v.stage is ModelStage.SHADOW),
                        feedback=sum(sum(kinds.values()) for kinds in counts.values()),
                        open_alerts=len(alerts),
                    )
                )
        return out

    def model(self, tenant: str, name: str) -> ModelPage | None:
        with self.store.read() as tx:
            versions = tx.list_model_versions(tenant, name)
            if not versions:
                return None
            series: dict[str, list[DriftRow]] = {}
            for v in versions:
                rows = tx.drift_series(tenant, name, version=v.version, limit=SERIES_POINTS * 40)
                if rows:
                    series[v.version] = rows
            latest = tx.latest_drift(tenant, name)
            page = ModelPage(
                name=name,
                versions=versions,
                history=tx.list_model_stage_changes(tenant, name, limit=50),
                feedback=tx.feedback_counts(tenant, name),
                recent_feedback=tx.model_feedback(tenant, name)[-20:],
                latest_drift=latest,
                drift=series,
                alerts=tx.drift_alerts(tenant, name, limit=20),
                paths=tx.model_path_counts(tenant, name),
            )
        for version in {r.version for r in latest}:
            mine = [r for r in latest if r.version == version]
            features = [r for r in mine if r.subject.startswith("feature:")]
            top = max(features, key=lambda r: r.value) if features else None
            page.worst[version] = {
                "feature": top,
                "confidence": next((r for r in mine if r.subject == "confidence"), None),
                "override_rate": next((r for r in mine if r.subject == "override_rate"), None),
            }
        return page
