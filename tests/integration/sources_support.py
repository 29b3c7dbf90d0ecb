"""Helpers for the ingestion-source tests: the real NATS and Mosquitto on this machine, waiting,
and the ``officeflow ingest`` command run as a process (optionally one that kills itself).

Run as ``python -m tests.integration.sources_support [officeflow options] ingest ...``. With
``OFFICEFLOW_TEST_KILL_AFTER=nats,mqtt`` the process SIGKILLs itself once an event from each named
source has committed, before any of them is acknowledged (each committed ingest holds its worker
thread, and so its acknowledgement, until then).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click
import nats
import paho.mqtt.client as paho
from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

ROOT = Path(__file__).resolve().parents[2]
NATS_URL = os.environ.get("OFFICEFLOW_TEST_NATS", "nats://127.0.0.1:4222")
MQTT_HOST = os.environ.get("OFFICEFLOW_TEST_MQTT_HOST", "127.0.0.1")
MQTT_PORT = int(os.environ.get("OFFICEFLOW_TEST_MQTT_PORT", "1883"))
KILL_ENV = "OFFICEFLOW_TEST_KILL_AFTER"
T = TypeVar("T")


def unique(prefix: str) -> str:
    return f"{prefix}{os.getpid()}x{uuid.uuid4().hex[:8]}"


def wait_until(check: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {value!r})")
        time.sleep(0.02)


# NATS JetStream


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class Jet:
    """A stream of its own for one test (subjects ``<prefix>.>``), deleted at the end with its consumers."""

    def __init__(self) -> None:
        self.stream = unique("OFT")
        self.prefix = self.stream.lower()
        run(self._call(lambda js: js.add_stream(name=self.stream, subjects=[f"{self.prefix}.>"])))

    async def _call(self, fn: Callable[[JetStreamContext], Coroutine[Any, Any, T]]) -> T:
        nc = await nats.connect(NATS_URL)
        try:
            return await fn(nc.jetstream())
        finally:
            await nc.close()

    def publish(self, messages: Iterable[tuple[str, bytes, str | None]]) -> list[int]:
        """Publish (subject suffix, payload, Nats-Msg-Id or None); the stream sequences."""

        async def go(js: JetStreamContext) -> list[int]:
            seqs = []
            for suffix, payload, msg_id in messages:
                headers = {"Nats-Msg-Id": msg_id} if msg_id else None
                ack = await js.publish(f"{self.prefix}.{suffix}", payload, headers=headers)
                seqs.append(ack.seq)
            return seqs

        return run(self._call(go))

    def consumer(self, durable: str) -> ConsumerInfo:
        info = run(self._call(lambda js: js.consumer_info(self.stream, durable)))
        assert isinstance(info, ConsumerInfo)  # nats-py leaves consumer_info's result untyped
        return info

    def delete(self) -> None:
        run(self._call(lambda js: js.delete_stream(self.stream)))


# MQTT


def _client(client_id: str) -> paho.Client:
    return paho.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id, protocol=MQTTProtocolVersion.MQTTv5
    )


def mqtt_publish(messages: Iterable[tuple[str, bytes]], qos: int = 1) -> None:
    """Publish each (topic, payload) and wait for the broker's acknowledgement."""
    client = _client(unique("oft-pub-"))
    client.connect(MQTT_HOST, MQTT_PORT)
    client.loop_start()
    try:
        for topic, payload in messages:
            client.publish(topic, payload, qos=qos).wait_for_publish(10)
    finally:
        client.disconnect()
        client.loop_stop()


def mqtt_forget_session(client_id: str) -> None:
    """End a persistent session on the broker (clean start, expiry 0)."""
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = 0
    client = _client(client_id)
    client.connect(MQTT_HOST, MQTT_PORT, clean_start=True, properties=props)
    client.loop_start()
    client.disconnect()
    client.loop_stop()


# The command, as a process


def officeflow_cli() -> click.Group:
    """``officeflow`` with the ``ingest`` command (whether or not cli/__init__ registers it yet)."""
    from officeflow.cli import Main, main
    from officeflow.cli.ingest import ingest

    return Main(
        name="officeflow",
        callback=main.callback,
        params=main.params,
        commands={**main.commands, "ingest": ingest},
        context_settings=main.context_settings,
    )


class Process:
    """``officeflow ingest`` in a subprocess, its output in a file."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log
        environ = {**os.environ, "PYTHONPATH": str(ROOT), "OFFICEFLOW_LOG_LEVEL": "info", **(env or {})}
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.integration.sources_support", *args],
                env=environ,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 20.0) -> None:
        def seen() -> bool:
            if self.proc.poll() is not None and text not in self.output():
                raise AssertionError(f"the process ended ({self.proc.returncode}):\n{self.output()}")
            return text in self.output()

        wait_until(seen, f"{text!r} in the output", timeout)

    def stop(self, timeout: float = 20.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def install_kill_hook(sources: set[str]) -> None:
    """Make this process SIGKILL itself once each of ``sources`` has committed an event, before
    any of those events is acknowledged."""
    from officeflow.ingest.service import Ingestor

    real = Ingestor.ingest
    seen: set[str] = set()
    lock = threading.Lock()
    hold = threading.Event()

    def ingest(self: Ingestor, *args: Any, **kwargs: Any) -> Any:
        result = real(self, *args, **kwargs)  # committed
        with lock:
            seen.add(str(kwargs.get("source")))
            done = sources <= seen
        if done:
            os.kill(os.getpid(), signal.SIGKILL)
        hold.wait()  # never returns: the acknowledgement is never sent
        return result

    Ingestor.ingest = ingest  # type: ignore[method-assign]


if __name__ == "__main__":
    kill_after = os.environ.get(KILL_ENV)
    if kill_after:
        install_kill_hook({s.strip() for s in kill_after.split(",") if s.strip()})
    officeflow_cli()(prog_name="officeflow")
