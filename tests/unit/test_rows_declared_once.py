"""Rows declared once: every row record of the store's table modules (a dataclass ``...Row`` in
``officeflow.store.tx_*``) is read and written through a :class:`~officeflow.store.rowmap.RowMap`
of its table, so no module maps a row of it by position by hand. Aggregates that are no table's
row (counts per path, hits per row) are named here."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import officeflow.store as store_package
from officeflow.store.rowmap import RowMap

AGGREGATES = frozenset({"officeflow.store.tx_models.ModelPathCount", "officeflow.store.tx_rules.RowHit"})
"""Records of query results that are no row of one table."""


def test_every_row_record_of_the_store_has_a_row_map() -> None:
    mapped: set[type] = set()
    records: dict[str, type] = {}
    for info in pkgutil.iter_modules(store_package.__path__):
        module = importlib.import_module(f"officeflow.store.{info.name}")
        for value in vars(module).values():
            if isinstance(value, RowMap):
                mapped.add(value.record)
            elif (
                info.name.startswith("tx_")
                and inspect.isclass(value)
                and dataclasses.is_dataclass(value)
                and value.__module__ == module.__name__
                and value.__name__.endswith("Row")
            ):
                records[f"{module.__name__}.{value.__name__}"] = value
    assert records, "no row records found: the test looks in the wrong place"
    unmapped = sorted(name for name, record in records.items() if record not in mapped and name not in AGGREGATES)
    assert unmapped == [], f"row records without a RowMap (mapped by hand): {unmapped}"
