"""The impact x urgency matrix and the blend that derives priority from the axis heads."""

from __future__ import annotations

import numpy as np
import pytest

from officeflow.language.blend import MatrixBlend, fit_blend
from officeflow.language.errors import LanguageArtifactInvalid
from officeflow.language.priority import IMPACTS, MATRIX, PRIORITIES, URGENCIES, priority


def _blend(own_weight: float) -> MatrixBlend:
    return MatrixBlend.from_matrix(
        PRIORITIES,
        row_field="impact",
        rows=IMPACTS,
        column_field="urgency",
        columns=URGENCIES,
        matrix=MATRIX,
        own_weight=own_weight,
    )


def test_the_matrix_is_itil_impact_times_urgency() -> None:
    assert priority("wide", "high") == "critical"
    assert priority("wide", "medium") == "high"
    assert priority("wide", "low") == "medium"
    assert [priority(i, "high") for i in ("one", "group")] == ["high", "high"]
    assert [priority("one", u) for u in URGENCIES] == ["low", "medium", "high"]
    assert set(MATRIX.values()) == set(PRIORITIES)


def test_certain_axes_give_their_cell_and_uncertain_ones_spread_over_the_cells() -> None:
    blend = _blend(0.0)
    own = np.full((2, 4), 0.25)
    impact = np.array([[0.0, 0.0, 1.0], [0.5, 0.0, 0.5]])
    urgency = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    mixed = blend.mixed(own, impact, urgency)
    assert mixed[0].tolist() == [0.0, 0.0, 0.0, 1.0]
    assert mixed[1].tolist() == [0.0, 0.0, 0.5, 0.5]
    assert np.allclose(mixed.sum(axis=1), 1.0)


def test_the_own_weight_mixes_the_field_s_own_head_in() -> None:
    own = np.array([[1.0, 0.0, 0.0, 0.0]])
    impact = np.array([[0.0, 0.0, 1.0]])
    urgency = np.array([[0.0, 0.0, 1.0]])
    assert _blend(0.5).mixed(own, impact, urgency).tolist() == [[0.5, 0.0, 0.0, 0.5]]


def test_fitting_sets_a_temperature_and_a_conformal_threshold_and_the_state_round_trips() -> None:
    rng = np.random.default_rng(0)
    n = 400
    impact = rng.dirichlet(np.ones(3), n)
    urgency = rng.dirichlet(np.ones(3), n)
    own = rng.dirichlet(np.ones(4), n)
    y = _blend(0.5).mixed(own, impact, urgency).argmax(axis=1)
    fitted = fit_blend(_blend(0.5), own, impact, urgency, y, alpha=0.1)
    assert fitted.conformal is not None
    assert fitted.temperature != 1.0
    assert MatrixBlend.from_state(fitted.state()) == fitted
    p = fitted.probabilities(own, impact, urgency)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert (p.argmax(axis=1) == y).all()


def test_a_table_naming_unknown_labels_or_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(LanguageArtifactInvalid, match="lacks"):
        MatrixBlend(
            labels=("low", "high"),
            row_field="impact",
            column_field="urgency",
            rows=("one",),
            columns=("low",),
            table=(("urgent",),),
            own_weight=0.5,
        )
    with pytest.raises(LanguageArtifactInvalid, match="1 x 2"):
        MatrixBlend(
            labels=("low",),
            row_field="impact",
            column_field="urgency",
            rows=("one",),
            columns=("low", "high"),
            table=(("low",),),
            own_weight=0.5,
        )
