"""``officeflow worker``: execute steps until stopped (Ctrl-C or SIGTERM drains, then exits)."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

import click

from officeflow.cli.common import Context, option, out, pass_ctx
from officeflow.durations import parse_duration

if TYPE_CHECKING:
    from officeflow.office import Office
    from officeflow.settings import Settings
    from officeflow.tasks.notify import Notifier


def _seconds(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@option(
    "--concurrency",
    "concurrency",
    env="WORKER_CONCURRENCY",
    type=click.IntRange(1, 4096),
    help="steps run at once [default: 32]",
)
@option("--queues", "queues", env="WORKER_QUEUES", help="queues to serve, comma-separated [default: default]")
@option(
    "--lease",
    "lease",
    env="WORKER_LEASE",
    callback=_seconds,
    help="lease on claimed steps; another worker takes over after it lapses [default: 30s]",
)
@option("--poll", "poll", env="WORKER_POLL", callback=_seconds, help="fallback check interval [default: 1s]")
@option(
    "--grace",
    "grace",
    env="WORKER_GRACE",
    callback=_seconds,
    help="on stop, how long running steps may finish before they are handed back [default: 30s]",
)
@option(
    "--until-idle/--forever",
    "until_idle",
    env="WORKER_UNTIL_IDLE",
    default=False,
    help="exit when nothing is due (for scripts and batch jobs)",
)
@pass_ctx
def worker(
    ctx: Context,
    concurrency: int | None,
    queues: str | None,
    lease: float | None,
    poll: float | None,
    grace: float | None,
    until_idle: bool,
) -> None:
    """Execute workflow steps. Run as many as you like, on as many machines as share the database."""
    s = ctx.settings
    office = ctx.office()
    engine = office.engine
    if not engine.registry.handlers_known:
        out.print("[yellow]note[/]: no --app (OFFICEFLOW_APP) given: task steps will fail as unregistered")
    w = engine.worker(
        concurrency=concurrency or s.worker_concurrency,
        queues=[q.strip() for q in queues.split(",")] if queues else s.queues,
        lease=lease or s.worker_lease,
        poll=poll or s.worker_poll,
        grace=s.worker_grace if grace is None else grace,
    )
    stops = 0

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stops
        stops += 1
        if stops > 1:
            raise KeyboardInterrupt
        out.print("stopping: finishing running steps (again to stop at once)")
        w.stop()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    notifier = _notifier(office, s) if not until_idle else None
    try:
        done = w.run(until_idle=until_idle)
    finally:
        if notifier is not None:
            notifier.stop()
    out.print(f"worker {w.id} stopped after {done} steps")


def _notifier(office: Office, settings: Settings) -> Notifier | None:
    """Task notifications are sent by every worker (they share the outbox safely), unless they
    are turned off (OFFICEFLOW_NOTIFY)."""
    notifier = office.notifier(settings)
    if notifier is not None:
        notifier.start()
    return notifier
