"""The models page in a real browser, on both backends: a person corrects a model's suggestion in
the inbox and it becomes feedback; a retrain registers a candidate with its comparison; the
candidate is promoted on the models page (audited), and a version is tried on an input."""

from __future__ import annotations

import re
import textwrap
from typing import Any

from officeflow.learning.drift import DriftMonitor, DriftSettings
from officeflow.learning.retraining import retrain_registered
from officeflow.models import Thresholds, load_builtin
from officeflow.models.builtin.credit_risk import data
from officeflow.store.tx_models import ModelStage
from tests.web.conftest import Console, log_in

CREDIT = textwrap.dedent("""
    name: web-credit
    version: 1
    input: {type: object, required: [applicant]}
    steps:
      score:
        kind: model
        model: credit-risk
        input: input.applicant
        next: review
      review:
        kind: human
        title: Credit decision
        assign: {user: "'ada'"}
        form:
          schema:
            type: object
            properties:
              decision: {title: Decision, enum: [good, bad]}
          values: "{'decision': steps.score.output.label}"
        explain: steps.score.output.explanation
        feedback: {step: score, field: /decision, outcomes: {approve: good, reject: bad}}
        outcomes:
          approve: {next: done, style: primary}
          reject: {next: done, style: danger}
      done: {kind: end}
""")


def _applicant(label: str) -> dict[str, Any]:
    inputs = [dict(e.input) for e in data.load_examples()[:80]]
    for item, p in zip(inputs, load_builtin("credit-risk").predict(inputs), strict=True):
        if p.label == label:
            return item
    raise AssertionError(label)


def test_a_correction_becomes_feedback_a_retrain_a_candidate_and_it_is_promoted(console: Console, context: Any) -> None:
    office = console.office
    office.engine.apply(CREDIT, actor="user:ada")
    run_id = console.start("web-credit", {"applicant": _applicant("bad")})
    (task,) = [t for t in office.tasks.of_run("default", run_id) if t.status == "active"]

    page = log_in(context, console, "ada")
    page.goto(f"/tasks/{task.id}")
    assert page.locator("[name='/decision']").input_value() == "bad"  # the model's suggestion, pre-filled
    page.select_option("[name='/decision']", "good")
    page.click("button[name=outcome][value=approve]")
    page.wait_for_url(re.compile(r"/inbox|/tasks/"))
    with office.store.read() as tx:
        (feedback,) = tx.feedback_of_task("default", task.id)
    assert (feedback.model, feedback.version, feedback.kind) == ("credit-risk", "1", "correction")
    assert (feedback.field, feedback.model_value, feedback.label, feedback.actor) == ("/label", "bad", "good", "ada")

    page.goto("/models")
    row = page.locator("tr", has=page.locator("a[href='/models/credit-risk']"))
    assert row.locator("td").nth(5).inner_text().strip() != "0"  # feedback counted
    page.click("a[href='/models/credit-risk']")
    v1 = page.locator("#version-1")
    assert v1.locator("[data-stage]").inner_text().strip() == "production"
    assert int(v1.locator("[data-feedback=corrections]").inner_text()) >= 1

    # measured drift and override rate appear as charts
    DriftMonitor(office.engine, office.events, DriftSettings(thresholds=Thresholds(min_rows=1))).check(
        "default", "credit-risk"
    )
    retrained = retrain_registered(office.store, office.models, "default", "credit-risk", actor="user:ada")
    candidate = retrained.registered.version
    assert retrained.registered.stage is ModelStage.CANDIDATE
    assert retrained.candidate.feedback_used >= 1

    page.goto("/models/credit-risk")
    assert page.locator("svg.chart polyline, svg.chart circle").count() >= 2
    assert page.locator("#overrides svg title").first.text_content() == "Override rate of credit-risk"
    row = page.locator(f"#version-{candidate}")
    assert row.locator("[data-stage]").inner_text().strip() == "candidate"
    row.locator("summary").click()
    assert "auc (primary)" in row.inner_text()

    page.select_option("#promote-version", candidate)
    page.select_option("#promote-stage", "production")
    page.fill("#promote-reason", "better on the held-out part")
    page.click("form[action$='/promote'] button[type=submit]")
    page.wait_for_url(re.compile(r"done=promoted"))
    assert "The stage change is recorded." in page.locator("[role=status]").first.inner_text()
    assert page.locator(f"#version-{candidate} [data-stage]").inner_text().strip() == "production"
    assert page.locator("#version-1 [data-stage]").inner_text().strip() == "retired"
    with office.store.read() as tx:
        audited = tx.list_audit("default", object_id=f"credit-risk:{candidate}")
    assert any(a.action == "model.promote" and a.actor == "user:ada" for a in audited)

    page.select_option("#try-version", candidate)
    page.click("form[action$='/try'] button[type=submit]")
    tried = page.locator("#tried")
    assert tried.locator("[data-label]").inner_text() in ("good", "bad")
    assert 0.5 <= float(tried.locator("[data-confidence]").inner_text()) <= 1.0


def test_promoting_needs_models_write_and_a_token(console: Console, context: Any) -> None:
    office = console.office
    office.models.ensure_builtin("default", "credit-risk")
    page = log_in(context, console, "aude")  # an auditor reads models, changes nothing
    page.goto("/models/credit-risk")
    assert page.locator("form[action$='/promote']").count() == 0
    token, csrf = console.session("aude")
    refused = page.request.post(
        f"{console.url}/models/credit-risk/rollback",
        form={"csrf_token": csrf},
        headers={"cookie": f"officeflow_session={token}"},
    )
    assert refused.status == 403
    admin_token, _ = console.session("ada")
    no_token = page.request.post(
        f"{console.url}/models/credit-risk/rollback",
        form={"reason": "x"},
        headers={"cookie": f"officeflow_session={admin_token}"},
    )
    assert no_token.status == 403
    assert "expired" in no_token.text()


def test_trying_a_version_with_bad_input_says_why_and_an_unknown_model_is_not_found(
    console: Console, context: Any
) -> None:
    console.office.models.ensure_builtin("default", "credit-risk")
    page = log_in(context, console, "ada")
    page.goto("/models/credit-risk")
    page.fill("#try-input", '{"duration_in_month": -3}')
    page.click("form[action$='/try'] button[type=submit]")
    alert = page.locator("[role=alert]").inner_text()
    assert "the model input is not valid" in alert
    assert '/: "credit_history" is a required property' in alert
    assert page.locator("#try-input").input_value() == '{"duration_in_month": -3}'  # kept as typed
    token, csrf = console.session("ada")
    not_json = page.request.post(
        f"{console.url}/models/credit-risk/try",
        form={"csrf_token": csrf, "version": "1", "input": '{"duration_in_month": '},
        headers={"cookie": f"officeflow_session={token}"},
    )
    assert not_json.status == 422
    assert "The input is refused: the input is not JSON" in not_json.text()
    missing = page.request.post(
        f"{console.url}/models/no-such-model/try",
        form={"csrf_token": csrf, "version": "1", "input": "{}"},
        headers={"cookie": f"officeflow_session={token}"},
    )
    assert missing.status == 404
    with console.office.store.read() as tx:
        assert tx.list_model_versions("default", "no-such-model") == []
