"""NATS JetStream: a durable pull consumer whose messages become events.

Why pull: every ingest process binds the same durable consumer and fetches a batch when it has
room for one, so processes share the stream's messages without coordination and none takes more
than it can ingest; push consumers would need a deliver group and flow control for the same.

- The event id is the ``Nats-Msg-Id`` header when the publisher set one (JetStream also uses it
  to drop re-published duplicates), else ``nats:<stream>:<stream sequence>``, which is the same
  on every redelivery of the message.
- A message is acknowledged only after its event (and the runs its triggers start) committed. A
  process killed before its ack leaves the message to be delivered again after ``ack_wait``; the
  event id is then a duplicate and nothing new starts.
- A message that can never become an event (not JSON, schema mismatch, unknown type, no route) is
  kept as a reject (except unrouted ones, which have no tenant: they are logged) and *terminated*
  (``+TERM``): JetStream stops redelivering it, publishes a MSG_TERMINATED advisory, and the message
  stays in the stream (unless it is a work queue) for inspection.
- A transient failure (the database down) is *nak*ed with a delay growing with the delivery count,
  so the message comes back when the database may be up again, without hammering it meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import nats
import nats.errors
import nats.js.errors
import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from officeflow.errors import ConfigurationError
from officeflow.ingest.sources.config import NatsConfig, NatsRoute
from officeflow.ingest.sources.delivery import Attempt, Message, Outcome, Stats, deliver, refuse
from officeflow.ingest.sources.routing import Router, nats_matches
from officeflow.safeyaml import DocumentRefused, load_json

if TYPE_CHECKING:
    from officeflow.ingest.service import Ingestor

log = structlog.get_logger("officeflow.ingest")
FETCH_WAIT = 1.0
"""Seconds a fetch waits for messages; also how long a stop may wait for the fetch under way."""


def event_id(msg: Msg) -> str:
    """``Nats-Msg-Id`` when set, else ``nats:<stream>:<sequence>`` (stable across redeliveries)."""
    given = (msg.headers or {}).get("Nats-Msg-Id", "").strip()
    if given:
        return given
    meta = msg.metadata
    return f"nats:{meta.stream}:{meta.sequence.stream}"


class NatsSource:
    """Consumes one stream through a durable pull consumer until stopped."""

    def __init__(self, events: Ingestor, config: NatsConfig) -> None:
        self.events = events
        self.config = config
        self.name = config.name
        self.stats = Stats()
        self._router: Router[NatsRoute] = Router(config.routes, lambda r: r.subject, nats_matches)
        self._policy = config.retry.policy()
        self._closing = False

    def consumer_config(self) -> ConsumerConfig:
        c = self.config
        return ConsumerConfig(
            durable_name=c.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=c.ack_wait,
            max_deliver=c.max_deliver,
            filter_subject=c.filter_subject,
            max_ack_pending=max(1000, 4 * c.batch),
        )

    async def run(self, stop: asyncio.Event, ready: asyncio.Event) -> None:
        c = self.config
        try:
            nc = await asyncio.wait_for(
                nats.connect(
                    servers=c.servers,
                    name=f"officeflow-ingest:{c.name}",
                    user_credentials=str(c.credentials) if c.credentials else None,
                    max_reconnect_attempts=-1,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                ),
                c.connect_timeout,
            )
        except (TimeoutError, nats.errors.Error, OSError) as exc:
            raise ConfigurationError(
                f"{c.name}: cannot connect to NATS at {c.url} within {c.connect_timeout:g}s ({exc!r})"
            ) from None
        try:
            js = nc.jetstream()
            try:
                await js.stream_info(c.stream)
            except nats.js.errors.NotFoundError:
                raise ConfigurationError(f"{c.name}: no JetStream stream '{c.stream}' on {c.url}") from None
            await js.add_consumer(c.stream, self.consumer_config())
            sub = await js.pull_subscribe_bind(c.durable, c.stream)
            log.info("consuming", source=c.name, stream=c.stream, durable=c.durable, filter=c.filter_subject)
            ready.set()
            with ThreadPoolExecutor(max_workers=c.batch, thread_name_prefix=f"ingest-{c.name}") as pool:
                await self._consume(sub, pool, stop)
            await sub.unsubscribe()
        finally:
            self._closing = True
            await _close(nc)

    async def _consume(self, sub: Any, pool: ThreadPoolExecutor, stop: asyncio.Event) -> None:
        """Keep up to ``batch`` messages in hand: fetch as many as there is room for, settle each
        as soon as its ingest is done. On stop, what is in hand is finished and settled."""
        c = self.config
        in_hand: set[asyncio.Task[None]] = set()
        while not stop.is_set():
            room = c.batch - len(in_hand)
            if room == 0:
                await asyncio.wait(in_hand, return_when=asyncio.FIRST_COMPLETED)
                continue
            try:
                msgs = await sub.fetch(room, timeout=FETCH_WAIT)
            except TimeoutError:  # nats.errors.TimeoutError, or asyncio's from inside a fetch
                continue
            except nats.errors.Error as exc:
                log.warning("fetch failed; trying again", source=c.name, error=repr(exc))
                await _pause(stop, FETCH_WAIT)
                continue
            for msg in msgs:
                task = asyncio.create_task(self._handle(msg, pool))
                in_hand.add(task)
                task.add_done_callback(in_hand.discard)
        if in_hand:
            await asyncio.wait(in_hand)

    async def _handle(self, msg: Msg, pool: ThreadPoolExecutor) -> None:
        self.stats.count("received")
        try:
            attempt = await self._ingest(msg, pool)
            if attempt.outcome in (Outcome.STORED, Outcome.DUPLICATE):
                await msg.ack()
            elif attempt.outcome == Outcome.REJECTED:
                await msg.term()
            else:
                delay = self._policy.delay(msg.metadata.num_delivered or 1)
                await msg.nak(delay=delay)
            self.stats.count(attempt.outcome)
        except Exception as exc:
            # The message is not acknowledged: JetStream delivers it again after ack_wait.
            log.exception(
                "could not settle a message; it will be delivered again",
                source=self.name,
                subject=msg.subject,
                error=repr(exc),
            )

    async def _ingest(self, msg: Msg, pool: ThreadPoolExecutor) -> Attempt:
        meta = msg.metadata
        route = self._router.route(msg.subject)
        eid = event_id(msg)
        if route is None:
            self.stats.count("unrouted")
            log.error(
                "no route for the subject; message terminated (it stays in the stream)",
                source=self.name,
                subject=msg.subject,
                stream=meta.stream,
                seq=meta.sequence.stream,
            )
            return Attempt(Outcome.REJECTED, eid, reason="no route")
        info: dict[str, Any] = {
            "stream": meta.stream,
            "seq": meta.sequence.stream,
            "subject": msg.subject,
            "delivered": meta.num_delivered,
        }
        loop = asyncio.get_running_loop()
        try:
            data = load_json(msg.data, "the payload")
        except DocumentRefused as exc:
            text = msg.data[:100_000].decode("utf-8", "replace")
            message = Message(
                tenant=route.tenant,
                type=route.type,
                data=text,
                event_id=eid,
                source="nats",
                subject=msg.subject,
                meta={"nats": info},
            )
            why = {"error": "payload", "message": exc.reason()}
            return await loop.run_in_executor(pool, functools.partial(refuse, self.events, message, why))
        message = Message(
            tenant=route.tenant,
            type=route.type,
            data=data,
            event_id=eid,
            source="nats",
            subject=msg.subject,
            meta={"nats": info},
        )
        return await loop.run_in_executor(pool, functools.partial(deliver, self.events, message))

    async def _on_error(self, exc: Exception) -> None:
        log.warning("nats error", source=self.name, error=repr(exc))

    async def _on_disconnected(self) -> None:
        if not self._closing:
            log.warning("disconnected from nats; reconnecting", source=self.name)

    async def _on_reconnected(self) -> None:
        log.info("reconnected to nats", source=self.name)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _close(nc: Any) -> None:
    """Flush what is buffered (the last acks) and close."""
    try:
        if nc.is_connected:
            await nc.flush(timeout=5)
            await nc.drain()
        else:
            await nc.close()
    except Exception as exc:
        log.warning("closing the nats connection failed", error=repr(exc))
        await nc.close()
