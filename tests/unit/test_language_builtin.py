"""The committed ticket-triage and e-mail-intent heads, run for real on clear cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from officeflow.language import LanguageModels, TextClassifier, TextInputInvalid
from officeflow.language.features import FeatureBuilder


@pytest.fixture(scope="module")
def models() -> LanguageModels:
    return LanguageModels()


CLEAR_TICKETS = [
    ("the printer on the 2nd floor is jammed again, paper stuck inside", "printer"),
    ("my laptop won't turn on, no lights at all, tried another charger", "hardware"),
    ("vpn wont connect from home, error 809", "network"),
    ("I'm locked out of my account after too many password attempts", "access"),
    ("outlook won't open, stuck on loading profile", "email"),
    ("excel crashes every time I open the monthly report", "software"),
]


def test_clear_tickets_get_their_category(models: LanguageModels) -> None:
    triage = models.get("ticket-triage")
    results = triage.predict_batch([{"text": text} for text, _ in CLEAR_TICKETS])
    assert [r["category"] for r in results] == [category for _, category in CLEAR_TICKETS]


def test_impact_and_urgency_set_the_priority(models: LanguageModels) -> None:
    triage = models.get("ticket-triage")
    results = triage.predict_batch(
        [
            {"text": "Whole sales floor can't print, customer demo at 3 and we need the handouts"},
            {"text": "could you add the new colour printer to my laptop? no rush"},
            {"text": "internet down for the entire office, nobody can work, customers can't place orders"},
        ]
    )
    assert results[0]["priority"] in ("critical", "high")
    assert results[1]["priority"] == "low"
    assert results[2]["priority"] == "critical"


def test_the_result_has_labels_confidences_and_ordered_alternatives(models: LanguageModels) -> None:
    (result,) = models.get("ticket-triage").predict_batch([{"text": "printer offline"}])
    assert set(result) >= {"category", "category_confidence", "priority", "priority_confidence", "alternatives"}
    for head in ("category", "priority"):
        alternatives = result["alternatives"][head]
        assert alternatives[0] == [result[head], result[f"{head}_confidence"]]
        probabilities = [p for _, p in alternatives]
        assert probabilities == sorted(probabilities, reverse=True)
        assert sum(probabilities) == pytest.approx(1.0, abs=1e-3)
        assert result[head] in result["prediction_sets"][head]


def test_batch_results_equal_one_at_a_time(models: LanguageModels) -> None:
    triage = models.get("ticket-triage")
    items = [{"text": text} for text, _ in CLEAR_TICKETS]
    batched = triage.predict_batch(items)
    single = [triage.predict_batch([item])[0] for item in items]
    for b, s in zip(batched, single, strict=True):
        assert (b["category"], b["priority"]) == (s["category"], s["priority"])
        assert b["category_confidence"] == pytest.approx(s["category_confidence"], abs=0.03)


CLEAR_EMAILS = [
    (
        {
            "subject": "Invoice 2026-118",
            "body": "Please find attached our invoice, payment within 30 days.",
            "attachments": ["INV-2026-118.pdf"],
        },
        "invoice",
    ),
    (
        {
            "subject": "Receipts Munich trip",
            "body": "attached my hotel and taxi receipts, please reimburse",
            "attachments": ["IMG_2041.jpg"],
        },
        "expense",
    ),
    (
        {"subject": "laptop broken", "body": "my laptop screen stays black since this morning, can IT help?"},
        "it_ticket",
    ),
    ({"subject": "Vacation request", "body": "I'd like to take annual leave from 12 to 23 August."}, "hr"),
    ({"subject": "Team lunch Friday?", "body": "shall we go to the Italian place at noon?"}, "other"),
]


def test_clear_emails_get_their_intent(models: LanguageModels) -> None:
    results = models.get("email-intent").predict_batch([item for item, _ in CLEAR_EMAILS])
    assert [r["intent"] for r in results] == [intent for _, intent in CLEAR_EMAILS]
    assert all(0 < r["intent_confidence"] <= 1 for r in results)


def test_a_bad_item_is_refused_with_its_position(models: LanguageModels) -> None:
    with pytest.raises(TextInputInvalid) as caught:
        models.get("ticket-triage").predict_batch([{"text": "printer jammed"}, {"body": "no text"}])
    assert caught.value.problems[0].pointer == "/1/text"


def test_models_are_loaded_once_and_share_the_embedder(models: LanguageModels) -> None:
    triage = models.get("ticket-triage")
    assert models.get("ticket-triage") is triage
    assert isinstance(triage, TextClassifier)
    assert models.get("email-intent").embedder is triage.embedder


def test_each_model_embeds_with_the_token_limit_it_was_trained_with(models: LanguageModels) -> None:
    """E-mail intent reads the first 40 tokens through the shared 128-token embedder; ticket triage all 128."""
    from officeflow.language.training import CLASSIFIER_TOKENS, EMAIL_TOKENS

    intent, triage = models.get("email-intent"), models.get("ticket-triage")
    assert (intent.max_tokens, triage.max_tokens, intent.embedder.max_tokens) == (
        EMAIL_TOKENS,
        CLASSIFIER_TOKENS,
        CLASSIFIER_TOKENS,
    )
    long = {"subject": "Invoice 2026-1187", "body": "please find attached our invoice for the catering. " * 8}
    (text,) = intent.texts([long])
    own = intent.embedder.embed([text], max_tokens=EMAIL_TOKENS)
    head = intent.heads["intent"]
    expected = head.probabilities(FeatureBuilder(head.features).build([text], own))
    assert np.allclose(intent.probabilities([long])["intent"], expected, atol=1e-6)


def test_ticket_triage_gives_impact_and_urgency_and_derives_priority_from_them(models: LanguageModels) -> None:
    """Impact and urgency are reported beside the priority the table and the priority head agree on."""
    results = models.get("ticket-triage").predict_batch(
        [
            {"text": "the whole warehouse has no network since 6, nobody can work and the trucks are waiting"},
            {"text": "how do I change my email signature? no rush"},
        ]
    )
    assert [(r["impact"], r["urgency"], r["priority"]) for r in results] == [
        ("wide", "high", "critical"),
        ("one", "low", "low"),
    ]
    for r in results:
        assert set(r["prediction_sets"]) == {"category", "priority", "impact", "urgency"}


def test_a_saved_ticket_triage_model_loads_with_its_blend_and_predicts_the_same(
    models: LanguageModels, tmp_path: Path
) -> None:
    triage = models.get("ticket-triage")
    assert set(triage.blends) == {"priority"}
    triage.save(tmp_path / "copy.skops")
    copy = TextClassifier.load(tmp_path / "copy.skops", triage.embedder)
    items = [{"text": text} for text, _ in CLEAR_TICKETS]
    assert copy.blends == triage.blends
    assert copy.predict_batch(items) == triage.predict_batch(items)
