"""One database transaction: the typed operations the engine composes.

The SQL lives in the mixins next to this module, written once for both backends with
``:name`` parameters; :mod:`officeflow.store.dialect` adapts the few places that differ.
"""

from __future__ import annotations

from officeflow.store.tx_catalog import CatalogMixin
from officeflow.store.tx_jobs import JobsMixin
from officeflow.store.tx_positions import PositionsMixin
from officeflow.store.tx_runs import RunsMixin


class Tx(RunsMixin, JobsMixin, PositionsMixin, CatalogMixin):
    """Operations inside one transaction on one connection."""
