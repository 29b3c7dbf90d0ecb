"""The label-set form in a real browser, on both backends: too few examples are refused with each
reason and the text kept; a handful per label trains a label set, registered in production, whose
page shows its held-out accuracy and which scores a new wording; a reader may not train one."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import Console, log_in

EXAMPLES = """
heating: the radiator in room 4 is stone cold
heating: it's freezing in the open-plan office this morning
heating: heating doesn't come on before 10
heating: the thermostat in the boardroom is stuck at 16 degrees
heating: no warm air from the vents in the north wing
cleaning: the kitchen sink is full of dirty mugs again
cleaning: bins in the copy room are overflowing
cleaning: someone spilled coffee all over the carpet near reception
cleaning: the toilets on 3 haven't been cleaned today
cleaning: meeting room tables are sticky, please wipe them
furniture: my desk chair is broken, the back fell off
furniture: we need two more desks for the new starters
furniture: the height-adjustable desk won't go up anymore
furniture: a shelf in the archive came off the wall
furniture: the drawer of my pedestal is stuck
"""


def test_a_label_set_is_trained_from_the_console_and_scores_new_text(console: Console, context: Any) -> None:
    page = log_in(context, console, "ada")
    page.goto("/models")
    page.click("a[href='/label-sets/new']")
    page.fill("#label-set-name", "facilities-web")
    too_few = "heating: radiator is cold\nheating: freezing in here\nheating: heater is off\ncleaning: bins are full\n"
    page.fill("#label-set-examples", too_few + "no colon here\n")
    page.click("form[action='/label-sets'] button[type=submit]")
    alert = page.locator("[role=alert]").inner_text()
    assert "examples:5: 'no colon here' has no label or no text (expected label: text)" in alert
    assert page.locator("#label-set-examples").input_value() == too_few + "no colon here\n"
    page.fill("#label-set-examples", too_few)
    page.click("form[action='/label-sets'] button[type=submit]")
    assert "label 'cleaning' has 1 example (expected at least 3 per label)" in page.locator("[role=alert]").inner_text()
    with console.office.store.read() as tx:
        assert tx.list_model_versions("default", "facilities-web") == []

    page.fill("#label-set-examples", EXAMPLES)
    page.click("form[action='/label-sets'] button[type=submit]", no_wait_after=True)
    # training embeds the examples (the embedding model loads on first use): allow a busy machine time
    page.wait_for_url(re.compile(r"/models/facilities-web\?done=label_set_production"), timeout=120_000)
    assert "registered in production" in page.locator("[role=status]").first.inner_text()
    assert page.locator("#version-1 [data-stage]").inner_text().strip() == "production"
    assert "label_accuracy" in page.locator("#version-1").inner_text()

    page.fill("#try-input", '{"text": "the heater under my window is off and my hands are numb"}')
    page.click("form[action$='/try'] button[type=submit]")
    tried = page.locator("#tried")
    assert tried.locator("[data-label]").inner_text() == "heating"
    assert 0 < float(tried.locator("[data-confidence]").inner_text()) <= 1


def test_a_reader_may_not_train_a_label_set(console: Console, context: Any) -> None:
    page = log_in(context, console, "aude")  # an auditor reads models, changes nothing
    page.goto("/models")
    assert page.locator("a[href='/label-sets/new']").count() == 0
    response = page.goto("/label-sets/new")
    assert response is not None
    assert response.status == 403
