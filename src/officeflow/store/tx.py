"""One database transaction: the typed operations the engine composes.

The SQL lives in the mixins next to this module, written once for both backends with
``:name`` parameters; :mod:`officeflow.store.dialect` adapts the few places that differ.
"""

from __future__ import annotations

from collections.abc import Sequence

from officeflow.store.records import RunHead
from officeflow.store.tx_catalog import CatalogMixin
from officeflow.store.tx_directory import DirectoryMixin
from officeflow.store.tx_events import EventsMixin
from officeflow.store.tx_jobs import JobsMixin
from officeflow.store.tx_positions import PositionsMixin
from officeflow.store.tx_runs import RunsMixin, head_of
from officeflow.store.tx_security import SecurityMixin
from officeflow.store.tx_tasks import TasksMixin


class Tx(RunsMixin, JobsMixin, PositionsMixin, CatalogMixin, SecurityMixin, EventsMixin, TasksMixin, DirectoryMixin):
    """Operations inside one transaction on one connection."""

    def lock_and_finish(
        self, run_ids: Sequence[str], fenced: Sequence[tuple[str, int]]
    ) -> tuple[dict[str, RunHead], set[str]]:
        """Lock the runs and delete the finished jobs (fenced by attempt) in one round trip."""
        heads = self._lock_runs_cursor(run_ids)
        finished = self._finish_cursor(fenced) if fenced else None
        locked = {row[0]: head_of(row) for row in heads.fetchall()}
        done = {r[0] for r in finished.fetchall()} if finished is not None else set()
        return locked, done
