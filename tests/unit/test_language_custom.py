"""Heads trained from a handful of examples per label, for label sets users define."""

from __future__ import annotations

from pathlib import Path

import pytest

from officeflow.language import ExamplesInvalid, LanguageModels, SentenceEmbedder, TextClassifier, train_head
from officeflow.language.errors import LanguageArtifactInvalid

FACILITIES = {
    "cleaning": [
        "the kitchen on the 3rd floor is dirty, nobody cleaned it this week",
        "bins in meeting room 4 are overflowing",
        "someone spilled coffee on the carpet near reception, can it be cleaned",
        "toilets on the ground floor need cleaning urgently",
        "windows in the canteen are filthy",
        "please clean the fridge, something smells",
    ],
    "heating": [
        "it is freezing in our office, the radiator is cold",
        "the heating in room 210 doesn't work",
        "way too hot on the 4th floor, the thermostat seems stuck",
        "air conditioning blows warm air",
        "temperature in the open space is 16 degrees",
        "radiator makes loud banging noises",
    ],
    "furniture": [
        "my office chair is broken, the backrest fell off",
        "we need two more desks for the new colleagues",
        "the height adjustable desk won't go up anymore",
        "can we get a whiteboard for meeting room 2",
        "drawer of my cabinet is stuck",
        "need a footrest and a monitor stand",
    ],
}


@pytest.fixture(scope="module")
def embedder() -> SentenceEmbedder:
    return SentenceEmbedder(max_tokens=128)


@pytest.fixture(scope="module")
def facilities(embedder: SentenceEmbedder) -> TextClassifier:
    examples = [text for texts in FACILITIES.values() for text in texts]
    labels = [label for label, texts in FACILITIES.items() for _ in texts]
    return train_head(examples, labels, seed=3, name="facilities", embedder=embedder)


def test_a_head_from_six_examples_per_label_reads_new_texts(facilities: TextClassifier) -> None:
    results = facilities.predict_batch(
        [
            {"text": "the heater in my room is off and I'm cold"},
            {"text": "my chair wobbles and one wheel came off"},
            {"text": "the floor in the hallway is sticky and dirty"},
        ]
    )
    assert [r["label"] for r in results] == ["heating", "furniture", "cleaning"]
    assert all(set(r["alternatives"]["label"][0]) and 0 < r["label_confidence"] <= 1 for r in results)


def test_the_same_seed_trains_the_same_head(embedder: SentenceEmbedder, facilities: TextClassifier) -> None:
    examples = [text for texts in FACILITIES.values() for text in texts]
    labels = [label for label, texts in FACILITIES.items() for _ in texts]
    again = train_head(examples, labels, seed=3, name="facilities", embedder=embedder)
    item = [{"text": "it's too warm in here"}]
    assert again.predict_batch(item) == facilities.predict_batch(item)


def test_a_saved_head_loads_by_path_and_predicts_the_same(
    facilities: TextClassifier, tmp_path: Path, embedder: SentenceEmbedder
) -> None:
    path = tmp_path / "facilities.skops"
    facilities.save(path)
    loaded = LanguageModels(embedder).get(str(path))
    item = [{"text": "the radiator is cold"}]
    assert loaded.predict_batch(item) == facilities.predict_batch(item)


def test_bad_examples_are_refused_with_every_reason(embedder: SentenceEmbedder) -> None:
    with pytest.raises(ExamplesInvalid) as caught:
        train_head(["a", "b", "c"], ["x", "x", "y", ""], embedder=embedder)
    messages = " | ".join(str(p) for p in caught.value.problems)
    assert "3 examples but 4 labels" in messages
    assert "label '' is not a name" in messages
    assert "label 'y' has 1 example" in messages


def test_an_artifact_with_an_untrusted_type_is_refused(tmp_path: Path) -> None:
    import os

    import skops.io

    path = tmp_path / "evil.skops"
    skops.io.dump({"format": 1, "name": "evil", "input_kind": "text", "heads": {}, "hook": os.system}, path)
    with pytest.raises(LanguageArtifactInvalid, match=r"outside the trusted list: posix\.system"):
        TextClassifier.load(path, SentenceEmbedder())
