"""Runs the configured sources on one asyncio loop in a background thread, until stopped.

The engine is synchronous; sources are asynchronous at the edge (NATS, SMTP) or threaded (paho for
MQTT), and hand each message to a worker thread that waits for its commit. Concurrent deliveries
share transactions through the engine's group commit.

::

    with Ingesting(office.events, load_config("sources.yaml")) as ingesting:   # returns once all listen
        ...
    # leaving the block stops them: what is being ingested finishes and is acknowledged
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import structlog

from officeflow.errors import ConfigurationError, OfficeflowError
from officeflow.ingest.sources.config import MqttConfig, NatsConfig, SmtpConfig, SourcesConfig
from officeflow.ingest.sources.delivery import Stats

if TYPE_CHECKING:
    from officeflow.ingest.service import Ingestor

log = structlog.get_logger("officeflow.ingest")


class SourceFailed(OfficeflowError):
    """A source stopped on an error."""


class Source(Protocol):
    name: str
    stats: Stats

    async def run(self, stop: asyncio.Event, ready: asyncio.Event) -> None:
        """Consume until ``stop`` is set, having set ``ready`` once listening; then finish what
        is in hand and return."""
        ...


def build_sources(events: Ingestor, config: SourcesConfig) -> list[Source]:
    from officeflow.ingest.sources.jetstream import NatsSource
    from officeflow.ingest.sources.mqtt import MqttSource
    from officeflow.ingest.sources.smtp import SmtpSource

    sources: list[Source] = []
    for item in config.all:
        if isinstance(item, NatsConfig):
            sources.append(NatsSource(events, item))
        elif isinstance(item, MqttConfig):
            sources.append(MqttSource(events, item))
        elif isinstance(item, SmtpConfig):
            sources.append(SmtpSource(events, item))
    return sources


class Ingesting:
    """The sources, running. ``start()`` returns once every source listens (or raises why one
    could not); ``stop()`` asks them to finish; ``join()`` waits and re-raises a failure."""

    def __init__(self, events: Ingestor, sources: SourcesConfig | Sequence[Source]) -> None:
        self.sources = build_sources(events, sources) if isinstance(sources, SourcesConfig) else list(sources)
        self._thread = threading.Thread(target=self._main, name="officeflow-ingest", daemon=True)
        self._ready = threading.Event()
        self._stop_requested = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._lock = threading.Lock()
        self.error: BaseException | None = None

    @property
    def stats(self) -> dict[str, Stats]:
        return {s.name: s.stats for s in self.sources}

    def start(self, timeout: float = 60.0) -> Ingesting:
        self._thread.start()
        while not self._ready.wait(0.05):
            if not self._thread.is_alive():
                break
            timeout -= 0.05
            if timeout <= 0:
                self.stop()
                self.join(30)
                raise ConfigurationError("the sources did not start in time")
        if not self._ready.is_set():
            self.join()
            raise ConfigurationError("the sources stopped while starting")
        return self

    def stop(self) -> None:
        """Ask every source to stop (from any thread, a signal handler included)."""
        self._stop_requested.set()
        with self._lock:
            loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has ended
                loop.call_soon_threadsafe(stop.set)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the sources to finish; re-raise what made one fail."""
        if self._thread.ident is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise TimeoutError(f"the sources did not stop within {timeout}s")
        if self.error is not None:
            raise self.error

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the sources to end; True once they have."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def __enter__(self) -> Ingesting:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.join(60)

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as exc:
            self.error = _first(exc)

    async def _run(self) -> None:
        stop = asyncio.Event()
        with self._lock:
            self._loop, self._stop = asyncio.get_running_loop(), stop
        if self._stop_requested.is_set():
            stop.set()
        readies = [asyncio.Event() for _ in self.sources]
        try:
            async with asyncio.TaskGroup() as group:
                for source, ready in zip(self.sources, readies, strict=True):
                    group.create_task(_guarded(source, stop, ready), name=source.name)
                group.create_task(self._announce(readies, stop))
        finally:
            with self._lock:
                self._loop = self._stop = None
            for source in self.sources:
                log.info("source stopped", source=source.name, stats=str(source.stats))

    async def _announce(self, readies: list[asyncio.Event], stop: asyncio.Event) -> None:
        waiting: asyncio.Future[Any] = asyncio.gather(*(r.wait() for r in readies))
        stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait([waiting, stopping], return_when=asyncio.FIRST_COMPLETED)
        if waiting in done:
            self._ready.set()
        else:
            waiting.cancel()
        stopping.cancel()


async def _guarded(source: Source, stop: asyncio.Event, ready: asyncio.Event) -> None:
    try:
        await source.run(stop, ready)
    except OfficeflowError:
        raise
    except Exception as exc:
        raise SourceFailed(f"source '{source.name}' failed: {type(exc).__name__}: {exc}") from exc


def _first(exc: BaseException) -> BaseException:
    """The first real error inside (nested) exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc
