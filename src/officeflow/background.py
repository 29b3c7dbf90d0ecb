"""The work a serving process does besides answering requests: seal the audit log, fire cron
schedules, send task notifications, measure model drift (officeflow.learning.drift, every
``OFFICEFLOW_MODEL_DRIFT_EVERY``), and now and then forget expired Idempotency-Key answers
and webhook ids too old to be replayed.

``officeflow serve`` runs it once: in the API process, or, with several API processes, in the
supervising process at a lower CPU priority (sealing may lag a little under load, requests
should not). Each loop rides out an unavailable database (officeflow.store.reconnect).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time

from officeflow.edge.idempotency import IdempotencyKeys
from officeflow.ingest.schedules import ScheduleRunner
from officeflow.learning.drift import DriftMonitor
from officeflow.office import Office
from officeflow.security import webhooks
from officeflow.store.reconnect import run_loop
from officeflow.tasks.notify import Notifier

SEAL_EVERY = 0.25
PURGE_EVERY = 600.0


class Background:
    def __init__(
        self,
        office: Office,
        *,
        low_priority: bool = False,
        notifier: Notifier | None = None,
        drift: DriftMonitor | None = None,
    ) -> None:
        self.office = office
        self.low_priority = low_priority
        """Seal at a lower CPU priority (``officeflow serve``'s supervisor)."""
        self.stop_event = threading.Event()
        self.runner = ScheduleRunner(office.schedules)
        self.threads = [
            threading.Thread(target=self._seal, name="officeflow-sealer", daemon=True),
            threading.Thread(target=self.runner.run, name="officeflow-scheduler", daemon=True),
        ]
        self.notifier = notifier
        self.drift = drift
        if drift is not None and drift.settings.every > 0:
            self.threads.append(threading.Thread(target=self._drift, name="officeflow-drift", daemon=True))
        self.idempotency = IdempotencyKeys(office.store, office.now)
        self._next_purge = time.monotonic() + 10.0

    def _seal(self) -> None:
        if self.low_priority:
            _lower_priority()
        if not self.stop_event.wait(SEAL_EVERY):
            run_loop(self._seal_round, wait=self.stop_event.wait, name="sealing the audit log")

    def _seal_round(self) -> float:
        """Seal new audit entries; now and then purge what has expired. Seconds to the next round."""
        self.office.audit.seal()
        if time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + PURGE_EVERY
            self.purge()
        return SEAL_EVERY

    def _drift(self) -> None:
        monitor = self.drift
        assert monitor is not None
        every = monitor.settings.every

        def round_() -> float:
            monitor.check_all()
            return every

        if not self.stop_event.wait(min(every, 60.0)):
            run_loop(round_, wait=self.stop_event.wait, name="measuring model drift", error_pause=min(every, 300.0))

    def purge(self) -> tuple[int, int]:
        """Forget expired Idempotency-Key answers and webhook ids too old to be replayed; how
        many of each."""
        return self.idempotency.purge(), webhooks.forget_seen(self.office.store, self.office.now())

    def start(self) -> None:
        for thread in self.threads:
            thread.start()
        if self.notifier is not None:
            self.notifier.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.runner.stop()
        if self.notifier is not None:
            self.notifier.stop()
        for thread in self.threads:
            thread.join(timeout=5)


def _lower_priority() -> None:
    """Lower the calling thread's CPU priority (Linux: a thread's nice value is its own)."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed: normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
