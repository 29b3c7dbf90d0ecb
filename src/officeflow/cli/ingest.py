"""``officeflow ingest``: turn NATS, MQTT and SMTP messages into events until stopped
(Ctrl-C or SIGTERM: what is being ingested finishes and is acknowledged, then it exits)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from officeflow.cli.common import Context, option, out, pass_ctx
from officeflow.ingest.sources import Ingesting, SourcesConfig, load_config

if TYPE_CHECKING:
    from officeflow.ingest.schedules import ScheduleRunner


def describe(config: SourcesConfig) -> list[str]:
    """One line per source, for people."""
    lines = []
    for s in config.nats:
        lines.append(f"{s.name}: NATS {s.url} stream {s.stream}, durable {s.durable}, {len(s.routes)} route(s)")
    for m in config.mqtt:
        lines.append(f"{m.name}: MQTT {m.host}:{m.port} as {m.client_id}, {len(m.routes)} route(s)")
    for e in config.smtp:
        lines.append(f"{e.name}: SMTP on {e.host}:{e.port}, {len(e.recipients)} recipient(s)")
    return lines


@click.command()
@option(
    "--config",
    "config_path",
    env="INGEST_CONFIG",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the sources file (YAML: nats, mqtt and smtp sections)",
)
@option(
    "--check",
    "check",
    env="INGEST_CHECK",
    is_flag=True,
    default=False,
    help="validate the sources file, print what it configures, and exit",
)
@option(
    "--schedules/--no-schedules",
    "schedules",
    env="INGEST_SCHEDULES",
    default=True,
    show_default=True,
    help="also fire due cron schedules from this process",
)
@pass_ctx
def ingest(ctx: Context, config_path: Path, check: bool, schedules: bool) -> None:
    """Ingest events from NATS JetStream, MQTT and SMTP until stopped.

    Messages are acknowledged only after their event committed; redeliveries are deduplicated
    by event id, so any number of these processes may run side by side."""
    config = load_config(config_path)
    if check:
        for line in describe(config):
            out.print(line)
        out.print(f"{config_path}: ok")
        return
    office = ctx.office()
    ingesting = Ingesting(office.events, config)
    scheduler = None
    if schedules:
        from officeflow.ingest.schedules import ScheduleRunner

        scheduler = ScheduleRunner(office.schedules)
    previous = _stop_on_signals(ingesting, scheduler)
    try:
        _run_until_stopped(ingesting, scheduler, config)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    ingesting.join()
    for name, stats in ingesting.stats.items():
        out.print(f"{name} stopped: {stats}")


def _stop_on_signals(ingesting: Ingesting, scheduler: ScheduleRunner | None) -> dict[signal.Signals, Any]:
    """SIGTERM and SIGINT stop the sources and the schedules gently, a second one at once; the
    handlers they replace, to put back (none outside the main thread)."""
    stops = 0

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stops
        stops += 1
        if stops > 1:
            raise KeyboardInterrupt
        out.print("stopping: finishing the messages in hand (again to stop at once)")
        ingesting.stop()
        if scheduler is not None:
            scheduler.stop()

    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, on_signal)
    return previous


def _run_until_stopped(ingesting: Ingesting, scheduler: ScheduleRunner | None, config: SourcesConfig) -> None:
    """Start the sources (and the schedules' timer) and wait until they stop."""
    timer: threading.Thread | None = None
    try:
        ingesting.start()
        for line in describe(config):
            out.print(f"ingesting from {line}")
        if scheduler is not None:
            timer = threading.Thread(target=scheduler.run, name="officeflow-schedules", daemon=True)
            timer.start()
        while not ingesting.wait(0.5):
            pass
    finally:
        ingesting.stop()
        if scheduler is not None:
            scheduler.stop()
        if timer is not None:
            timer.join(30)
