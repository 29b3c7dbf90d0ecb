"""Stored versions as compiled models: parsed and compiled once per version, then kept.

A stored version never changes (its digest is part of the key all the same, so a database
rebuilt under the same names cannot hand back another model), so a compiled
:class:`~officeflow.rules.DecisionModel` is kept for as long as it is among the
``size`` most recently used. Both the ``rules`` step and the service read through one of these.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from officeflow.decision_tables.errors import DecisionTableNotFound
from officeflow.rules import DecisionModel, load_dmn, load_yaml
from officeflow.rules.model import DecisionTable
from officeflow.store.tx import Tx
from officeflow.store.tx_rules import DecisionTableHead, DecisionTableRecord

Key = tuple[str, str, int, str]


def compile_record(record: DecisionTableRecord) -> DecisionModel:
    """The model of a stored version (its version is the stored one)."""
    file = f"{record.name}@{record.version}"
    if record.format == "dmn":
        return load_dmn(record.source.encode("utf-8"), file, version=record.version)
    return load_yaml(record.source, file)


class CompiledModels:
    """The least recently used compiled models are dropped past ``size``; thread-safe."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._models: OrderedDict[Key, DecisionModel] = OrderedDict()
        self._lock = threading.Lock()
        self.compiled = 0
        """How many times a model was compiled (a test reads it to see the cache work)."""

    def get(self, head: DecisionTableHead, source: Callable[[], DecisionTableRecord | None]) -> DecisionModel | None:
        """The model of ``head``'s version; ``source`` reads the stored version on a miss (None
        when it is gone)."""
        key = (head.tenant, head.name, head.version, head.digest)
        with self._lock:
            found = self._models.get(key)
            if found is not None:
                self._models.move_to_end(key)
                return found
        record = source()
        if record is None or record.digest != head.digest:
            return None
        model = compile_record(record)
        with self._lock:
            self.compiled += 1
            self._models[key] = model
            while len(self._models) > self.size:
                self._models.popitem(last=False)
        return model


def resolve(
    tx: Tx, models: CompiledModels, tenant: str, name: str, version: int | None
) -> tuple[DecisionTableHead, DecisionModel]:
    """A stored version (the latest unless ``version``) and its compiled model, read through
    ``tx``; DecisionTableNotFound when the tenant has no such table or version."""
    head = tx.decision_table_head(tenant, name, version)
    model = None
    if head is not None:
        model = models.get(head, lambda: tx.get_decision_table(tenant, name, head.version))
    if head is None or model is None:
        what = f"'{name}'" + (f" version {version}" if version is not None else "")
        raise DecisionTableNotFound(f"no decision table {what} in tenant '{tenant}'")
    return head, model


@dataclass(frozen=True, kw_only=True)
class Columns:
    """What a table's columns are called: its inputs (label, else the expression) and outputs."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


def table_key(owner: str, table: DecisionTable) -> str:
    """How matched rows and hit counts name a table: its id, else its decision's name."""
    return table.id or owner


def columns(model: DecisionModel) -> dict[str, Columns]:
    """The column names of every table of the model, by table key."""
    found: dict[str, Columns] = {}
    for owner, table in model.tables():
        found[table_key(owner, table)] = Columns(
            inputs=tuple(c.label or c.expression.text.strip() for c in table.inputs),
            outputs=tuple(c.name or c.label or table.output_label or owner for c in table.outputs),
        )
    return found
