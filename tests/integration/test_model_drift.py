"""Drift per model version over a sliding window of recorded predictions (both backends): the
figures are stored, a threshold crossed raises one alert with a ``model.drift`` event and an
e-mail in the notifications outbox, the alert stays open (not raised again) while the drift
lasts, and is cleared once a window is back to normal."""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace

import pytest
from click.testing import CliRunner

from officeflow import FakeClock, Office
from officeflow.background import Background
from officeflow.cli import main
from officeflow.errors import ConfigurationError
from officeflow.learning.drift import EVENT_TYPE, DriftMonitor, DriftSettings, drift_settings
from officeflow.models import Severity, Thresholds
from officeflow.settings import load_settings
from officeflow.store.tx_model_feedback import OVERRIDE, NewFeedback
from officeflow.store.tx_models import ModelStage
from tests.conftest import OfficeFactory
from tests.integration.learning_support import TENANT, credit_inputs, credit_risk, record_predictions, register

DAY = 86400.0
Monitored = tuple[Office, FakeClock, DriftMonitor]


def _shifted(items: list[dict[str, object]]) -> list[dict[str, object]]:
    """Applicants asking for much longer and larger loans than in training."""
    return [{**item, "duration_in_month": 60, "credit_amount": 4 * int(str(item["credit_amount"]))} for item in items]


@pytest.fixture
def monitored(make_office: OfficeFactory) -> Monitored:
    clock = FakeClock()
    office = make_office(clock=clock)
    office.directory.put_person(TENANT, "mia", email="mia@example.com", actor="test")
    office.directory.put_group(TENANT, "ml-team", ["mia"], actor="test")
    register(office, credit_risk(), ModelStage.PRODUCTION)
    settings = DriftSettings(window=DAY, thresholds=Thresholds(min_rows=100), notify=("ml-team",))
    return office, clock, DriftMonitor(office.engine, office.events, settings)


def test_a_window_like_training_stays_under_the_thresholds(monitored: Monitored) -> None:
    office, clock, monitor = monitored
    inputs = random.Random(1).sample(credit_inputs(), 400)
    record_predictions(office, credit_risk(), inputs, at=clock.now())
    clock.advance(60)
    [m] = monitor.check(TENANT, "credit-risk")
    assert m.rows == 400
    assert not m.raised
    psi = {f.subject: f for f in m.findings}
    assert psi["feature:credit_amount"].value < 0.1
    assert psi["feature:credit_amount"].severity is Severity.OK
    assert psi["confidence"].value < 0.1
    assert psi["override_rate"].value == 0.0
    with office.store.read() as tx:
        stored = tx.latest_drift(TENANT, "credit-risk")
        assert {r.subject for r in stored} == set(psi)
        assert all(r.rows > 0 for r in stored)
        assert tx.list_outbox(TENANT) == []


def test_drifted_inputs_and_overrides_raise_one_alert_with_an_event_and_an_email(
    monitored: Monitored,
) -> None:
    office, clock, monitor = monitored
    inputs = _shifted(random.Random(2).sample(credit_inputs(), 300))
    rows = record_predictions(office, credit_risk(), inputs, at=clock.now())
    overridden = rows[:120]  # 40% of the decided predictions overridden by people
    office.store.run(
        lambda tx: tx.add_model_feedback(
            [
                NewFeedback(
                    tenant=TENANT,
                    model="credit-risk",
                    version="1",
                    prediction_id=p.id,
                    kind=OVERRIDE,
                    field="/label",
                    input=p.input,
                    output=p.output,
                    model_value=p.label,
                    label="good" if p.label == "bad" else "bad",
                    task_id=None,
                    run_id=p.run_id,
                    workflow="credit",
                    step_id="score",
                    actor="mia",
                    at=clock.now(),
                )
                for p in overridden
            ]
        )
    )
    clock.advance(60)
    [m] = monitor.check(TENANT, "credit-risk")
    figures = {f.subject: f for f in m.findings}
    assert figures["feature:duration_in_month"].severity is Severity.ALERT
    assert figures["feature:credit_amount"].severity is Severity.ALERT
    assert figures["override_rate"].value == pytest.approx(0.4)
    assert figures["override_rate"].severity is Severity.ALERT
    raised = {a.subject: a for a in m.raised}
    assert {"feature:duration_in_month", "feature:credit_amount", "override_rate"} <= set(raised)

    alert = raised["override_rate"]
    assert alert.threshold == 0.3
    assert alert.value == pytest.approx(0.4)
    event = office.events.event(TENANT, alert.event_id)
    assert event.type == EVENT_TYPE
    assert event.subject == "credit-risk@1"
    assert event.payload["subject"] == "override_rate"
    assert event.payload["severity"] == "alert"
    with office.store.read() as tx:
        mails = tx.list_outbox(TENANT)
    assert len(mails) == len(m.raised)
    assert {mail.target for mail in mails} == {"mia@example.com"}
    assert any("override rate is 0.400" in mail.payload["text"] for mail in mails)

    clock.advance(60)  # still drifted: measured again, nothing raised twice
    [again] = monitor.check(TENANT, "credit-risk")
    assert again.raised == ()
    with office.store.read() as tx:
        assert len(tx.list_outbox(TENANT)) == len(m.raised)
        assert len(tx.drift_series(TENANT, "credit-risk", version="1")) == 2 * len(m.findings)

    clock.advance(2 * DAY)  # the drifted window slid away; a normal one came
    record_predictions(office, credit_risk(), random.Random(3).sample(credit_inputs(), 300), at=clock.now())
    clock.advance(60)
    [normal] = monitor.check(TENANT, "credit-risk")
    assert normal.raised == ()
    with office.store.read() as tx:
        assert tx.open_drift_alerts(TENANT, "credit-risk", "1") == []
        assert all(a.cleared_at is not None for a in tx.drift_alerts(TENANT, "credit-risk"))


def test_too_few_predictions_are_not_judged(monitored: Monitored) -> None:
    office, clock, monitor = monitored
    record_predictions(office, credit_risk(), _shifted(credit_inputs()[:20]), at=clock.now())
    clock.advance(60)
    [m] = monitor.check(TENANT)
    assert m.rows == 20
    assert m.raised == ()
    assert all(f.severity is Severity.TOO_FEW for f in m.findings)


def test_models_drift_measures_and_prints_the_latest_figures(
    monitored: Monitored, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``officeflow models drift NAME --measure --json`` measures with the OFFICEFLOW_MODEL_DRIFT_*
    settings and prints the stored figures and the open alerts."""
    office, clock, _ = monitored
    record_predictions(office, credit_risk(), _shifted(credit_inputs()[:150]), at=clock.now() - 60)
    env = {
        "OFFICEFLOW_DATABASE_URL": db_url,
        "OFFICEFLOW_MODEL_DRIFT_MIN_ROWS": "50",
        "OFFICEFLOW_MODEL_DRIFT_WINDOW": "3650d",
    }
    result = CliRunner().invoke(main, ["models", "drift", "credit-risk", "--measure", "--json"], env=env)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    figures = {m["subject"]: m for m in printed["measurements"]}
    assert figures["feature:duration_in_month"]["severity"] == "alert"
    assert figures["feature:duration_in_month"]["rows"] == 150
    assert {a["subject"] for a in printed["open_alerts"]} >= {"feature:duration_in_month"}
    table = CliRunner().invoke(main, ["models", "drift", "credit-risk"], env=env)
    assert "feature:duration_in_month" in table.output
    assert "open alert: version 1 feature:duration_in_month alert" in table.output


def test_the_background_work_measures_drift(monitored: Monitored) -> None:
    """``serve``'s background work runs the drift check every OFFICEFLOW_MODEL_DRIFT_EVERY."""
    office, clock, monitor = monitored
    record_predictions(office, credit_risk(), credit_inputs()[:120], at=clock.now())
    quick = DriftMonitor(office.engine, office.events, replace(monitor.settings, every=0.05))
    jobs = Background(office, drift=quick)
    jobs.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with office.store.read() as tx:
                if tx.latest_drift(TENANT, "credit-risk"):
                    break
            time.sleep(0.05)
    finally:
        jobs.stop()
    with office.store.read() as tx:
        assert {r.subject for r in tx.latest_drift(TENANT, "credit-risk")} >= {"confidence", "override_rate"}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("model_drift_psi", "0.3", "OFFICEFLOW_MODEL_DRIFT_PSI='0.3': expected WARN,ALERT"),
        ("model_drift_override", "0.5,0.2", "OFFICEFLOW_MODEL_DRIFT_OVERRIDE='0.5,0.2': expected 0 < WARN <= ALERT"),
        ("model_drift_every", "soon", "OFFICEFLOW_MODEL_DRIFT_EVERY='soon'"),
    ],
)
def test_a_bad_drift_setting_names_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as bad:
        drift_settings(load_settings(**{name: value}))
    assert message in str(bad.value)
