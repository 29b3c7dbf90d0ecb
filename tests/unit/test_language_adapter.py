"""A language model through the model layer's ``Model`` interface."""

from __future__ import annotations

import pytest

from officeflow.language import LanguageModel, LanguageModels
from officeflow.models import Model, ModelInputInvalid


@pytest.fixture(scope="module")
def triage() -> LanguageModel:
    return LanguageModel(LanguageModels().get("ticket-triage"))


def test_it_is_a_model_whose_predictions_carry_category_and_priority(triage: LanguageModel) -> None:
    assert isinstance(triage, Model)
    (prediction,) = triage.predict([{"text": "printer on the 2nd floor is jammed"}])
    assert prediction.label == prediction.output["category"] == "printer"
    assert prediction.confidence == prediction.output["category_confidence"]
    assert prediction.output["priority"] in triage.classifier.heads["priority"].labels
    assert prediction.prediction_set is not None
    assert prediction.label in prediction.prediction_set
    assert "alternatives" in prediction.explanation


def test_bad_items_raise_the_model_layers_input_error(triage: LanguageModel) -> None:
    with pytest.raises(ModelInputInvalid) as caught:
        triage.predict([{"text": ""}])
    assert caught.value.problems[0].pointer == "/0/text"


def test_metadata_names_the_labels_and_input_schema(triage: LanguageModel) -> None:
    assert triage.metadata.name == "ticket-triage"
    assert triage.metadata.labels == ("access", "hardware", "network", "software", "email", "printer")
    assert triage.metadata.input_schema["properties"]["text"] == {"type": "string"}
