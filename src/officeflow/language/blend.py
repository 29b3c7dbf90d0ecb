"""A field read twice: by its own head, and through a table from two other heads' fields.

Ticket priority is impact x urgency (``officeflow.language.priority``). The ticket-triage model
has a head for impact, one for urgency and one for priority itself. A ``MatrixBlend`` gives the
priority's probabilities as

    p_table(label) = sum of p_impact(i) * p_urgency(u) over the cells (i, u) of the table holding label
    p = own_weight * p_own + (1 - own_weight) * p_table

then tempered (``p ** (1 / T)``, normalised) with a temperature fitted on calibration items, and
conformalised there too. The axes are read as independent; the table keeps the priority
consistent with what the model reads of impact and urgency (a wide outage that can wait is not
critical), and the priority's own head keeps what the table cannot express (the training labels
differ from the table near its boundaries, as people's do).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from officeflow.language.calibration import Array, Conformal, fit_conformal, fit_temperature, softmax
from officeflow.language.errors import LanguageArtifactInvalid


@dataclass(frozen=True, kw_only=True)
class MatrixBlend:
    """How one field's probabilities are derived from its own head and two axis heads."""

    labels: tuple[str, ...]
    row_field: str
    column_field: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    table: tuple[tuple[str, ...], ...]
    own_weight: float
    temperature: float = 1.0
    conformal: Conformal | None = None

    def __post_init__(self) -> None:
        cells = {label for row in self.table for label in row}
        if len(self.table) != len(self.rows) or any(len(row) != len(self.columns) for row in self.table):
            raise LanguageArtifactInvalid(f"blend table is not {len(self.rows)} x {len(self.columns)}")
        if not cells <= set(self.labels):
            raise LanguageArtifactInvalid(f"blend table names labels {sorted(cells - set(self.labels))} it lacks")
        if not 0.0 <= self.own_weight <= 1.0:
            raise LanguageArtifactInvalid(f"blend weight {self.own_weight} is outside [0, 1]")

    @classmethod
    def from_matrix(
        cls,
        labels: Sequence[str],
        *,
        row_field: str,
        rows: Sequence[str],
        column_field: str,
        columns: Sequence[str],
        matrix: Mapping[tuple[str, str], str],
        own_weight: float,
    ) -> MatrixBlend:
        """From a (row label, column label) -> label map such as ``priority.MATRIX``."""
        return cls(
            labels=tuple(labels),
            row_field=row_field,
            column_field=column_field,
            rows=tuple(rows),
            columns=tuple(columns),
            table=tuple(tuple(matrix[(r, c)] for c in columns) for r in rows),
            own_weight=own_weight,
        )

    def mixed(self, own: Array, row: Array, column: Array) -> Array:
        """The blended probabilities before the temperature."""
        table = np.zeros_like(own, dtype=np.float64)
        for r, cells in enumerate(self.table):
            for c, label in enumerate(cells):
                table[:, self.labels.index(label)] += row[:, r] * column[:, c]
        return np.asarray(self.own_weight * own + (1.0 - self.own_weight) * table, dtype=np.float64)

    def probabilities(self, own: Array, row: Array, column: Array) -> Array:
        return _temper(self.mixed(own, row, column), self.temperature)

    def state(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "row_field": self.row_field,
            "column_field": self.column_field,
            "rows": list(self.rows),
            "columns": list(self.columns),
            "table": [list(row) for row in self.table],
            "own_weight": self.own_weight,
            "temperature": self.temperature,
            "conformal": self.conformal.as_dict() if self.conformal else None,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> MatrixBlend:
        conformal = state.get("conformal")
        return cls(
            labels=tuple(str(v) for v in state["labels"]),
            row_field=str(state["row_field"]),
            column_field=str(state["column_field"]),
            rows=tuple(str(v) for v in state["rows"]),
            columns=tuple(str(v) for v in state["columns"]),
            table=tuple(tuple(str(v) for v in row) for row in state["table"]),
            own_weight=float(state["own_weight"]),
            temperature=float(state["temperature"]),
            conformal=Conformal.from_dict(conformal) if conformal else None,
        )


def _temper(probabilities: Array, temperature: float) -> Array:
    return softmax(np.log(np.maximum(probabilities, 1e-12)), temperature)


def fit_blend(
    blend: MatrixBlend, own: Array, row: Array, column: Array, y: NDArray[np.int64], alpha: float | None
) -> MatrixBlend:
    """``blend`` with its temperature and conformal threshold fitted on calibration items."""
    log_mixed = np.log(np.maximum(blend.mixed(own, row, column), 1e-12))
    temperature = fit_temperature(log_mixed, y)
    conformal = fit_conformal(softmax(log_mixed, temperature), y, alpha) if alpha is not None else None
    return replace(blend, temperature=temperature, conformal=conformal)
