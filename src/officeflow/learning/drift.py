"""Drift of each live model version, measured over a sliding window of its recorded predictions.

For each version in production, canary or shadow, :meth:`DriftMonitor.measure` reads the calls
the ``model`` step recorded in the last ``window`` seconds (at most ``max_rows``, the latest), and
computes with :func:`officeflow.models.measure_drift`:

- the PSI of each input feature against the version's training reference (its metadata),
- the PSI of the confidence distribution against the training confidences,
- the override rate: predictions people corrected or overrode (``of_model_feedback``) over the
  predictions the version decided in the window.

The figures are stored (``of_model_drift``, one row per subject per measurement). A subject at or
past a threshold opens an alert (``of_model_drift_alerts``), publishes a ``model.drift`` event
(its type registered in the tenant on first use, so triggers can start a workflow on it) and
queues an e-mail to the people ``notify`` names (usernames or groups; by default the model's
owner) through the task notifications' outbox. An alert stays open, and is not raised again,
until a measurement finds the subject back under its warning threshold; a subject that goes from
``warn`` to ``alert`` raises again. Measurements and alerts commit together; the event follows
the commit with the alert's id as its event id, so publishing it twice stores it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from officeflow.durations import parse_duration
from officeflow.errors import ConfigurationError
from officeflow.ids import uuid7
from officeflow.ingest.outcomes import EventTypeNotFound
from officeflow.models import DriftFinding, Severity, Thresholds, TrainingReference, measure_drift
from officeflow.settings import ENV_PREFIX, Settings
from officeflow.store.tx import Tx
from officeflow.store.tx_model_feedback import DriftAlertRow, DriftRow
from officeflow.store.tx_models import ModelPredictionRow, ModelStage, ModelVersionRow
from officeflow.store.tx_tasks import OutboxRow

if TYPE_CHECKING:
    from officeflow.engine.engine import Engine
    from officeflow.ingest.service import Ingestor

log = structlog.get_logger("officeflow.models")

EVENT_TYPE = "model.drift"
ACTOR = "system:models"
EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["model", "version", "subject", "severity", "value", "threshold"],
    "properties": {
        "model": {"type": "string"},
        "version": {"type": "string"},
        "subject": {"type": "string"},
        "metric": {"type": "string"},
        "severity": {"enum": ["warn", "alert"]},
        "value": {"type": "number"},
        "threshold": {"type": "number"},
        "rows": {"type": "integer"},
        "window_start": {"type": "number"},
        "measured_at": {"type": "number"},
    },
}
_RANK = {Severity.OK: 0, Severity.WARN: 1, Severity.ALERT: 2}
_LIVE = (ModelStage.PRODUCTION, ModelStage.CANARY, ModelStage.SHADOW)


@dataclass(frozen=True, kw_only=True)
class DriftSettings:
    """How drift is watched (``OFFICEFLOW_MODEL_DRIFT_*``)."""

    window: float = 7 * 86400.0
    """Seconds of recorded predictions a measurement looks at."""
    max_rows: int = 5000
    """At most this many (the latest) predictions per version and measurement."""
    every: float = 3600.0
    """Seconds between two rounds of the background check (0: no background check)."""
    thresholds: Thresholds = field(default_factory=Thresholds)
    notify: tuple[str, ...] = ()
    """Usernames or group names e-mailed about an alert (empty: the model version's owner)."""


def drift_settings(settings: Settings) -> DriftSettings:
    """The ``OFFICEFLOW_MODEL_DRIFT_*`` settings; a bad value is a ConfigurationError naming it."""

    def pair(name: str, text: str) -> tuple[float, float]:
        try:
            warn, alert = (float(part) for part in text.split(","))
        except ValueError:
            raise ConfigurationError(
                f"{ENV_PREFIX}{name.upper()}={text!r}: expected WARN,ALERT (two numbers)"
            ) from None
        if not 0 < warn <= alert:
            raise ConfigurationError(f"{ENV_PREFIX}{name.upper()}={text!r}: expected 0 < WARN <= ALERT")
        return warn, alert

    def duration(name: str, text: str) -> float:
        try:
            return parse_duration(text)
        except ValueError as exc:
            raise ConfigurationError(f"{ENV_PREFIX}{name.upper()}={text!r}: {exc}") from None

    psi_warn, psi_alert = pair("model_drift_psi", settings.model_drift_psi)
    override_warn, override_alert = pair("model_drift_override", settings.model_drift_override)
    return DriftSettings(
        window=duration("model_drift_window", settings.model_drift_window),
        every=duration("model_drift_every", settings.model_drift_every),
        max_rows=settings.model_drift_rows,
        thresholds=Thresholds(
            psi_warn=psi_warn,
            psi_alert=psi_alert,
            override_warn=override_warn,
            override_alert=override_alert,
            min_rows=settings.model_drift_min_rows,
        ),
        notify=tuple(n.strip() for n in settings.model_drift_notify.split(",") if n.strip()),
    )


@dataclass(frozen=True, kw_only=True)
class Measurement:
    """One measurement of one version: its figures and the alerts it raised."""

    tenant: str
    model: str
    version: str
    stage: str
    measured_at: float
    window_start: float
    rows: int
    findings: tuple[DriftFinding, ...]
    raised: tuple[DriftAlertRow, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "version": self.version,
            "stage": self.stage,
            "measured_at": self.measured_at,
            "window_start": self.window_start,
            "rows": self.rows,
            "findings": [f.as_dict() for f in self.findings],
            "alerts_raised": [{"subject": a.subject, "severity": a.severity, "value": a.value} for a in self.raised],
        }


class DriftMonitor:
    def __init__(self, engine: Engine, events: Ingestor, settings: DriftSettings | None = None) -> None:
        self.engine = engine
        self.events = events
        self.settings = settings or DriftSettings()

    def check(self, tenant: str, model: str | None = None) -> list[Measurement]:
        """Measure every live version of ``model`` (or of every model) in ``tenant``."""
        with self.engine.store.read() as tx:
            versions = [v for v in tx.list_model_versions(tenant, model) if v.stage in _LIVE]
        return [self.measure(v) for v in versions]

    def check_all(self) -> list[Measurement]:
        """One round over every tenant that has models (the background check)."""
        with self.engine.store.read() as tx:
            tenants = tx.model_tenants()
        return [m for tenant in tenants for m in self.check(tenant)]

    def measure(self, version: ModelVersionRow) -> Measurement:
        now = self.engine.now()
        start = now - self.settings.window
        th = self.settings.thresholds

        def body(tx: Tx) -> Measurement:
            calls = tx.prediction_window(
                version.tenant, version.name, version.version, start, now, self.settings.max_rows
            )
            findings = self._findings(tx, version, calls, start, now)
            tx.add_drift(
                [
                    DriftRow(
                        tenant=version.tenant,
                        model=version.name,
                        version=version.version,
                        measured_at=now,
                        window_start=start,
                        subject=f.subject,
                        metric=f.metric,
                        value=float(f.value),
                        severity=f.severity.value,
                        rows=f.rows,
                    )
                    for f in findings
                ]
            )
            raised = self._alerts(tx, version, findings, th, now)
            return Measurement(
                tenant=version.tenant,
                model=version.name,
                version=version.version,
                stage=version.stage.value,
                measured_at=now,
                window_start=start,
                rows=len(calls),
                findings=tuple(findings),
                raised=tuple(raised),
            )

        measurement: Measurement = self.engine.store.run(body)
        for alert in measurement.raised:
            self._publish(alert, measurement)
        return measurement

    def _findings(
        self, tx: Tx, version: ModelVersionRow, calls: Sequence[ModelPredictionRow], start: float, now: float
    ) -> list[DriftFinding]:
        ref_doc = (version.metadata or {}).get("reference")
        reference = (
            TrainingReference.from_dict(ref_doc) if ref_doc else TrainingReference(features={}, confidence=None, rows=0)
        )
        decided = [c for c in calls if not c.shadow]
        overrides = None
        if decided:
            overridden = tx.overridden_predictions(version.tenant, version.name, version.version, start, now)
            overrides = (min(overridden, len(decided)), len(decided))
        return measure_drift(
            reference,
            [c.input if isinstance(c.input, dict) else {} for c in calls],
            [c.confidence for c in calls if c.confidence is not None],
            overrides,
            self.settings.thresholds,
        )

    def _alerts(
        self, tx: Tx, version: ModelVersionRow, findings: Sequence[DriftFinding], th: Thresholds, now: float
    ) -> list[DriftAlertRow]:
        open_alerts = {a.subject: a for a in tx.open_drift_alerts(version.tenant, version.name, version.version)}
        raised: list[DriftAlertRow] = []
        for finding in findings:
            current = open_alerts.get(finding.subject)
            if finding.severity is Severity.TOO_FEW:
                continue
            if finding.severity is Severity.OK:
                if current is not None:
                    tx.clear_drift_alert(current.id, now)
                continue
            if current is not None and _RANK[Severity(current.severity)] >= _RANK[finding.severity]:
                continue
            if current is not None:
                tx.clear_drift_alert(current.id, now)
            alert_id = uuid7()
            alert = DriftAlertRow(
                id=alert_id,
                tenant=version.tenant,
                model=version.name,
                version=version.version,
                subject=finding.subject,
                severity=finding.severity.value,
                value=float(finding.value),
                threshold=_threshold(finding, th),
                raised_at=now,
                event_id=f"model-drift:{alert_id}",
            )
            tx.add_drift_alert(alert)
            self._notify(tx, version, alert, finding.rows, now)
            raised.append(alert)
        return raised

    def _notify(self, tx: Tx, version: ModelVersionRow, alert: DriftAlertRow, rows: int, now: float) -> None:
        names = self.settings.notify or ((version.owner,) if version.owner else ())
        people: list[str] = []
        for name in names:
            members = tx.group_members(version.tenant, name) if tx.get_group(version.tenant, name) else [name]
            people += [m for m in members if m not in people]
        for username in people:
            address = _address(tx, version.tenant, username)
            if address is None:
                continue
            tx.add_outbox(
                OutboxRow(
                    id=uuid7(),
                    tenant=version.tenant,
                    channel="email",
                    target=address,
                    payload=_email(alert, username, rows),
                    attempts=0,
                    created_at=now,
                )
            )

    def _publish(self, alert: DriftAlertRow, m: Measurement) -> None:
        try:
            event_type = self.events.event_type(alert.tenant, EVENT_TYPE)
        except EventTypeNotFound:
            event_type = self.events.register_type(
                alert.tenant, EVENT_TYPE, EVENT_SCHEMA, description="A model version drifted", actor=ACTOR
            )
        finding = next(f for f in m.findings if f.subject == alert.subject)
        payload = {
            "model": alert.model,
            "version": alert.version,
            "subject": alert.subject,
            "metric": finding.metric,
            "severity": alert.severity,
            "value": alert.value,
            "threshold": alert.threshold,
            "rows": finding.rows,
            "window_start": m.window_start,
            "measured_at": m.measured_at,
        }
        try:
            self.events.ingest(
                alert.tenant,
                EVENT_TYPE,
                payload,
                event_id=alert.event_id,
                source="officeflow.models",
                subject=f"{alert.model}@{alert.version}",
                actor=ACTOR,
                event_type=event_type,
            )
        except Exception as exc:  # a tenant's own model.drift type may not take this payload
            log.warning("drift event not published", alert=alert.id, error=f"{type(exc).__name__}: {exc}")


def _threshold(finding: DriftFinding, th: Thresholds) -> float:
    if finding.subject == "override_rate":
        return th.override_alert if finding.severity is Severity.ALERT else th.override_warn
    return th.psi_alert if finding.severity is Severity.ALERT else th.psi_warn


def _address(tx: Tx, tenant: str, username: str) -> str | None:
    person = tx.get_person(tenant, username)
    if person is not None and person.email:
        return str(person.email)
    user = tx.user_by_name(tenant, username)
    return str(user.email) if user is not None and user.email else None


def _email(alert: DriftAlertRow, username: str, rows: int) -> dict[str, Any]:
    what = "the override rate" if alert.subject == "override_rate" else f"the PSI of {alert.subject}"
    text = "\n".join(
        [
            f"Hello {username},",
            "",
            f"model {alert.model} version {alert.version} drifted: {what} is {alert.value:.3f} "
            f"({alert.severity}: at or above {alert.threshold:g}), over {rows} predictions.",
            "",
            f"See /models/{alert.model} in the console.",
            "",
        ]
    )
    return {
        "subject": f"Model drift ({alert.severity}): {alert.model} {alert.version}",
        "text": text,
        "event": EVENT_TYPE,
        "task_id": "",
    }
