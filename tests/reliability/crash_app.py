"""Handlers for the crash tests: every execution appends to a side-effect log before it returns,
and now and then the process kills itself right after the side effect, before the commit."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from typing import Any

from officeflow import handler
from officeflow.steps.base import StepContext

LOG_DIR = os.environ.get("CRASH_LOG_DIR", "/tmp")
SELF_KILL = float(os.environ.get("CRASH_SELF_KILL_RATE", "0"))
DELAY = float(os.environ.get("CRASH_STEP_DELAY", "0.02"))
_fd: int | None = None
_effects = threading.Lock()


def _log(record: dict[str, Any]) -> None:
    global _fd
    if _fd is None:
        _fd = os.open(f"{LOG_DIR}/effects-{os.getpid()}.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(_fd, (json.dumps(record) + "\n").encode())


@handler("effect")
def effect(input: Any, ctx: StepContext) -> dict[str, Any]:
    time.sleep(random.uniform(0, DELAY))
    # One lock for the effects and the self-kill: no other thread of this process records an
    # effect between the self-kill's time and the signal landing (its time bounds them all).
    with _effects:
        at = time.time()
        _log({"key": ctx.idempotency_key, "attempt": ctx.attempt, "pid": os.getpid(), "step": ctx.step_id, "at": at})
        if random.random() < SELF_KILL:
            _log({"self_kill": os.getpid(), "key": ctx.idempotency_key, "attempt": ctx.attempt, "at": time.time()})
            os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(60)  # the signal lands before this ends; the lock is never released
    return {"step": ctx.step_id, "n": input.get("n") if isinstance(input, dict) else None}
