"""MQTT: telemetry (sensor readings) as events, over an MQTT 5 persistent session at QoS 1.

- The session outlives the process: the client connects with a stable ``client_id``, without a
  clean start and with a session expiry, so the broker queues what is published while the
  ingester is down (up to its own limits) and delivers it on return.
- Acknowledgement (PUBACK) is manual and sent only after the event committed, in the order the
  messages arrived (as MQTT asks). A message not acknowledged when the process dies is delivered
  again on the next connection of the session.
- The event id is a CEL expression over ``topic`` and ``data`` when the route gives one, else the
  SHA-256 of topic and payload, so a QoS 1 duplicate is the same event. Trade-off: two readings
  with identical topic and payload collapse into one event unless the payload carries a
  timestamp or a sequence number (then use ``event_id: "topic + '/' + string(data.seq)"``).
- MQTT has no negative acknowledgement: a transient failure (the database down) is retried in
  process with a growing delay, holding the acknowledgement; with ``receive_maximum`` messages
  unacknowledged the broker stops sending (back-pressure). Refused messages (not JSON, schema
  mismatch) are kept as rejects and acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import paho.mqtt.client as paho
import structlog
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from officeflow.errors import ConfigurationError, ExpressionError
from officeflow.expressions import compile_expr
from officeflow.ingest.sources.config import MqttConfig, MqttRoute
from officeflow.ingest.sources.delivery import Attempt, Message, Outcome, Stats, deliver, refuse
from officeflow.ingest.sources.routing import Router, mqtt_matches
from officeflow.safeyaml import DocumentRefused, load_json

if TYPE_CHECKING:
    from officeflow.ingest.service import Ingestor

log = structlog.get_logger("officeflow.ingest")


def default_event_id(topic: str, payload: bytes) -> str:
    """``mqtt:`` + SHA-256 of the topic and the payload."""
    return "mqtt:" + hashlib.sha256(topic.encode() + b"\x00" + payload).hexdigest()


class InOrderAcks:
    """Sends each acknowledgement once every message received before it has been acknowledged."""

    def __init__(self, send: Any) -> None:
        self._send = send
        self._lock = threading.Lock()
        self._pending: deque[list[Any]] = deque()

    def received(self, mid: int, qos: int) -> list[Any]:
        entry = [mid, qos, False]
        with self._lock:
            self._pending.append(entry)
        return entry

    def done(self, entry: list[Any]) -> None:
        with self._lock:
            entry[2] = True
            while self._pending and self._pending[0][2]:
                mid, qos, _ = self._pending.popleft()
                self._send(mid, qos)

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)


class MqttSource:
    """Subscribes to the routes' topic filters and ingests what arrives until stopped."""

    def __init__(self, events: Ingestor, config: MqttConfig) -> None:
        self.events = events
        self.config = config
        self.name = config.name
        self.stats = Stats()
        self._router: Router[MqttRoute] = Router(config.routes, lambda r: r.topic, mqtt_matches)
        self._policy = config.retry.policy()
        self._closing = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._client: paho.Client | None = None
        self._acks: InOrderAcks | None = None
        self._subscribed: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def filters(self) -> list[str]:
        group = self.config.shared_group
        return [f"$share/{group}/{p}" if group else p for p in self._router.patterns]

    async def run(self, stop: asyncio.Event, ready: asyncio.Event) -> None:
        c = self.config
        self._loop = asyncio.get_running_loop()
        self._subscribed = self._loop.create_future()
        client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=c.client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
            manual_ack=True,
        )
        if c.username is not None:
            client.username_pw_set(c.username, os.environ.get(c.password_env) if c.password_env else None)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.on_disconnect = self._on_disconnect
        client.reconnect_delay_set(1, 30)
        self._client = client
        self._acks = InOrderAcks(client.ack)
        self._pool = ThreadPoolExecutor(max_workers=c.receive_maximum, thread_name_prefix=f"ingest-{c.name}")
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = int(c.session_expiry)
        props.ReceiveMaximum = c.receive_maximum
        try:
            try:
                await self._loop.run_in_executor(
                    None,
                    lambda: client.connect(c.host, c.port, keepalive=c.keepalive, clean_start=False, properties=props),
                )
            except OSError as exc:
                raise ConfigurationError(f"{c.name}: cannot connect to MQTT at {c.host}:{c.port}: {exc}") from None
            client.loop_start()
            try:
                await asyncio.wait_for(asyncio.shield(self._subscribed), c.connect_timeout)
            except TimeoutError:
                raise ConfigurationError(
                    f"{c.name}: no subscription at {c.host}:{c.port} after {c.connect_timeout:g}s"
                ) from None
            log.info("subscribed", source=c.name, filters=self.filters, client_id=c.client_id)
            ready.set()
            await stop.wait()
        finally:
            await self._close()

    async def _close(self) -> None:
        """Finish the messages being ingested and acknowledge them; leave the rest to the session."""
        self._closing.set()
        loop = asyncio.get_running_loop()
        if self._pool is not None:
            await loop.run_in_executor(None, functools.partial(self._pool.shutdown, wait=True))
        client = self._client
        if client is not None:
            client.disconnect()
            await loop.run_in_executor(None, client.loop_stop)

    # paho callbacks (its network thread)

    def _on_connect(self, client: paho.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any) -> None:
        if reason.is_failure:
            log.error("mqtt connection refused", source=self.name, reason=str(reason))
            self._settle(ConfigurationError(f"{self.name}: the MQTT broker refused the connection: {reason}"))
            return
        log.info("connected to mqtt", source=self.name, session_present=bool(flags.session_present))
        # Subscribing again is harmless and picks up routes added to the config.
        client.subscribe([(f, SubscribeOptions(qos=1)) for f in self.filters])

    def _on_subscribe(
        self, client: paho.Client, userdata: Any, mid: int, reasons: list[ReasonCode], props: Any
    ) -> None:
        failed = [f"{f}: {r}" for f, r in zip(self.filters, reasons, strict=False) if r.is_failure]
        if failed:
            log.error("subscription refused", source=self.name, failed=failed)
            self._settle(ConfigurationError(f"{self.name}: the broker refused the subscription: {'; '.join(failed)}"))
            return
        self._settle(None)

    def _on_disconnect(self, client: paho.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any) -> None:
        if not self._closing.is_set():
            log.warning("disconnected from mqtt; reconnecting", source=self.name, reason=str(reason))

    def _on_message(self, client: paho.Client, userdata: Any, msg: paho.MQTTMessage) -> None:
        if self._closing.is_set() or self._pool is None or self._acks is None:
            return  # not acknowledged: the broker delivers it again to the next session
        self.stats.count("received")
        entry = self._acks.received(msg.mid, msg.qos) if msg.qos > 0 else None
        with contextlib.suppress(RuntimeError):  # the pool is closing: the message stays unacknowledged
            self._pool.submit(self._process, msg, entry)

    def _settle(self, error: Exception | None) -> None:
        """Tell ``run()`` (on its loop) that the subscription is in place, or why it is not."""
        loop, fut = self._loop, self._subscribed
        if loop is None or fut is None:
            return

        def settle() -> None:
            if fut.done():
                return
            if error is None:
                fut.set_result(None)
            else:
                fut.set_exception(error)

        loop.call_soon_threadsafe(settle)

    # worker threads

    def _process(self, msg: paho.MQTTMessage, entry: list[Any] | None) -> None:
        attempts = 1
        attempt = self._attempt(msg)
        while attempt.outcome == Outcome.RETRY:
            self.stats.count(Outcome.RETRY)
            if self._closing.wait(self._policy.delay(attempts)):
                return  # stopping: unacknowledged, so delivered again to the next session
            attempts += 1
            attempt = self._attempt(msg)
        self.stats.count(attempt.outcome)
        if entry is not None and self._acks is not None:
            self._acks.done(entry)

    def _attempt(self, msg: paho.MQTTMessage) -> Attempt:
        try:
            return self._ingest(msg)
        except Exception as exc:  # a bug: keep the message, try again later
            log.exception("ingesting an mqtt message failed", source=self.name, topic=msg.topic, error=repr(exc))
            return Attempt(Outcome.RETRY, reason=repr(exc))

    def _ingest(self, msg: paho.MQTTMessage) -> Attempt:
        topic = msg.topic
        route = self._router.route(topic)
        if route is None:  # a shared or stale subscription delivered something no route takes
            self.stats.count("unrouted")
            log.error("no route for the topic; message dropped", source=self.name, topic=topic)
            return Attempt(Outcome.REJECTED, reason="no route")
        meta = {"mqtt": {"topic": topic, "qos": msg.qos, "retain": bool(msg.retain), "dup": bool(msg.dup)}}

        def message(data: Any, eid: str) -> Message:
            return Message(
                tenant=route.tenant, type=route.type, data=data, event_id=eid, source="mqtt", subject=topic, meta=meta
            )

        payload = bytes(msg.payload)
        eid = default_event_id(topic, payload)
        try:
            data = load_json(payload, "the payload")
        except DocumentRefused as exc:
            text = payload[:100_000].decode("utf-8", "replace")
            why = {"error": "payload", "message": exc.reason()}
            return refuse(self.events, message(text, eid), why)
        if route.event_id is not None:
            try:
                value = compile_expr(route.event_id).evaluate({"topic": topic, "data": data})
            except ExpressionError as exc:
                return refuse(self.events, message(data, eid), {"error": "event_id", "message": exc.message})
            if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
                why = {"error": "event_id", "message": f"`{route.event_id}` gave {value!r}; expected a string"}
                return refuse(self.events, message(data, eid), why)
            eid = str(value)
        return deliver(self.events, message(data, eid))
