"""Event ingestion: event types with versioned schemas, the append-only event store, triggers that
start workflows, the dead-letter list of rejected events, and replay.

An event is accepted when it matches the schema of its type (the latest version, or the one it
names). Storing it and starting what its triggers start happen in one transaction, shared with
other events arriving at the same moment (group commit). An event id seen before (a duplicate
delivery) starts nothing new: the event store is unique by (tenant, event id), and each run a
trigger starts has the idempotency key ``trigger:<name>:<key>``, where the key is the trigger's
``idempotency_key`` expression (default: the event id). Replaying stored events is therefore
harmless too.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import jsonschema
import jsonschema.validators
from pydantic import ValidationError

from officeflow.engine.staged import Staged
from officeflow.errors import (
    Conflict,
    DefinitionNotFound,
    ExpressionError,
    InputInvalid,
    NotFound,
    OfficeflowError,
    Problem,
    RequestInvalid,
)
from officeflow.expressions import evaluate_condition
from officeflow.ids import uuid7
from officeflow.ingest import files, publish, replay
from officeflow.ingest.compat import breaking_changes
from officeflow.ingest.outcomes import (
    EventInvalid,
    EventTypeNotFound,
    IngestResult,
    SchemaIncompatible,
    Started,
    TriggerFailure,
    TriggerNotFound,
)
from officeflow.ingest.publish import Publication
from officeflow.ingest.triggers import (
    CompiledTrigger,
    TriggerSpec,
    compile_trigger,
    event_variables,
    replace_trigger,
    trigger_doc,
)
from officeflow.jsonutil import dumps, json_pointer
from officeflow.store.tx import Tx
from officeflow.store.tx_events import EventRow, EventTypeRow, FileRow, RejectRow, TriggerRow

if TYPE_CHECKING:
    from officeflow.engine.engine import Engine

__all__ = [
    "EventInvalid",
    "EventTypeNotFound",
    "IngestResult",
    "Ingestor",
    "SchemaIncompatible",
    "Started",
    "TriggerFailure",
    "TriggerNotFound",
]


class Ingestor:
    CACHE_SECONDS = 2.0
    """How long a process trusts its copy of the latest event type and of the triggers of a type.
    A change made through this process takes effect at once; one made by another process within
    this time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._validators: dict[tuple[str, str, int], Any] = {}
        self._triggers: dict[tuple[str, str, float], CompiledTrigger] = {}
        self._latest: dict[tuple[str, str], tuple[float, EventTypeRow]] = {}
        self._by_type: dict[tuple[str, str], tuple[float, list[TriggerRow]]] = {}

    def forget(self, tenant: str) -> None:
        """Drop cached event types and triggers of ``tenant`` (after a change)."""
        self._latest = {k: v for k, v in self._latest.items() if k[0] != tenant}
        self._by_type = {k: v for k, v in self._by_type.items() if k[0] != tenant}

    def _triggers_for(self, tx: Tx, tenant: str, event_type: str) -> list[TriggerRow]:
        key = (tenant, event_type)
        now = time.monotonic()
        cached = self._by_type.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        rows = tx.triggers_for(tenant, event_type)
        self._by_type[key] = (now + self.CACHE_SECONDS, rows)
        return rows

    @property
    def store(self) -> Any:
        return self.engine.store

    # Event types

    def register_type(
        self,
        tenant: str,
        name: str,
        schema: dict[str, Any],
        *,
        description: str | None = None,
        signature_secret: str | None = None,
        actor: str,
    ) -> EventTypeRow:
        """Store the next version of an event type; refused when it would break existing producers."""
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise RequestInvalid(
                [
                    Problem(
                        pointer=json_pointer(("schema", *exc.absolute_path)),
                        message=exc.message,
                        expected="a JSON Schema (2020-12)",
                    )
                ],
                "the event type's schema is not a valid JSON Schema",
            ) from None

        def body(tx: Tx) -> EventTypeRow:
            latest = tx.get_event_type(tenant, name)
            if latest is not None:
                if latest.schema == schema and latest.signature_secret == signature_secret:
                    return latest
                reasons = breaking_changes(latest.schema, schema)
                if reasons:
                    raise SchemaIncompatible(reasons)
            row = EventTypeRow(
                tenant=tenant,
                name=name,
                version=(latest.version + 1) if latest else 1,
                schema=schema,
                description=description,
                signature_secret=signature_secret,
                created_at=self.engine.now(),
                created_by=actor,
            )
            if not tx.insert_event_type(row):
                raise Conflict(f"event type '{name}' changed meanwhile; try again")
            self.forget(tenant)
            self.engine.record_audit(
                tx,
                tenant,
                actor,
                "event_type.registered",
                "event_type",
                f"{name}@{row.version}",
                before={"version": latest.version} if latest else None,
                after={"version": row.version, "schema": schema, "signed": signature_secret is not None},
            )
            return row

        return self.store.run(body)  # type: ignore[no-any-return]

    def event_type(self, tenant: str, name: str, version: int | None = None) -> EventTypeRow:
        if version is None:
            cached = self._latest.get((tenant, name))
            if cached is not None and cached[0] > time.monotonic():
                return cached[1]
        with self.store.read() as tx:
            row = tx.get_event_type(tenant, name, version)
        if row is not None and version is None:
            self._latest[(tenant, name)] = (time.monotonic() + self.CACHE_SECONDS, row)
        if row is None:
            what = f"'{name}'" + (f" version {version}" if version else "")
            raise EventTypeNotFound(f"no event type {what} in tenant '{tenant}'")
        return row  # type: ignore[no-any-return]

    def event_types(self, tenant: str) -> list[EventTypeRow]:
        with self.store.read() as tx:
            return tx.list_event_types(tenant)  # type: ignore[no-any-return]

    def _validator(self, row: EventTypeRow) -> Any:
        key = (row.tenant, row.name, row.version)
        validator = self._validators.get(key)
        if validator is None:
            validator = jsonschema.validators.validator_for(row.schema)(row.schema)
            self._validators[key] = validator
        return validator

    # Triggers

    def save_trigger(self, tenant: str, spec: TriggerSpec | dict[str, Any], *, actor: str) -> TriggerRow:
        """Create a trigger, or replace the one with the same name."""
        if isinstance(spec, dict):
            try:
                spec = TriggerSpec.model_validate(spec)
            except ValidationError as exc:
                raise RequestInvalid(
                    [Problem(pointer=json_pointer(e["loc"]), message=e["msg"]) for e in exc.errors(include_url=False)],
                    "the trigger is not valid",
                ) from None
        now = self.engine.now()
        try:
            self.engine.definition(spec.workflow, spec.version, tenant=tenant)
        except DefinitionNotFound as exc:
            raise Conflict(f"trigger '{spec.name}': {exc.message}") from None
        draft = TriggerRow(
            id=uuid7(),
            tenant=tenant,
            name=spec.name,
            event_type=spec.event_type,
            workflow=spec.workflow,
            version=spec.version,
            filter=spec.filter,
            input=spec.input,
            idempotency_key=spec.idempotency_key,
            enabled=spec.enabled,
            created_at=now,
            updated_at=now,
        )
        compile_trigger(draft)

        def body(tx: Tx) -> TriggerRow:
            if tx.get_event_type(tenant, spec.event_type) is None:
                raise EventTypeNotFound(f"no event type '{spec.event_type}' in tenant '{tenant}'")
            existing = tx.get_trigger(tenant, spec.name)
            if existing is None:
                tx.insert_trigger(draft)
                row = draft
            else:
                row = replace_trigger(draft, existing)
                tx.update_trigger(row)
            self.forget(tenant)
            self.engine.record_audit(
                tx,
                tenant,
                actor,
                "trigger.saved",
                "trigger",
                row.name,
                before=trigger_doc(existing) if existing else None,
                after=trigger_doc(row),
            )
            return row

        return self.store.run(body)  # type: ignore[no-any-return]

    def triggers(self, tenant: str) -> list[TriggerRow]:
        with self.store.read() as tx:
            return tx.list_triggers(tenant)  # type: ignore[no-any-return]

    def trigger(self, tenant: str, name: str) -> TriggerRow:
        with self.store.read() as tx:
            row = tx.get_trigger(tenant, name)
        if row is None:
            raise TriggerNotFound(f"no trigger '{name}' in tenant '{tenant}'")
        return row  # type: ignore[no-any-return]

    def delete_trigger(self, tenant: str, name: str, *, actor: str) -> None:
        def body(tx: Tx) -> None:
            row = tx.get_trigger(tenant, name)
            if row is None:
                raise TriggerNotFound(f"no trigger '{name}' in tenant '{tenant}'")
            tx.delete_trigger(tenant, row.id)
            self.forget(tenant)
            self.engine.record_audit(tx, tenant, actor, "trigger.deleted", "trigger", row.name, before=trigger_doc(row))

        self.store.run(body)

    def _compiled(self, row: TriggerRow) -> CompiledTrigger:
        key = (row.tenant, row.id, row.updated_at)
        compiled = self._triggers.get(key)
        if compiled is None:
            compiled = compile_trigger(row)
            self._triggers[key] = compiled
        return compiled

    # Publishing and ingesting

    def publish(self, item: Publication) -> IngestResult:
        """Publish an event as it arrives (see officeflow.ingest.publish); blocks until the commit."""
        return publish.publish(self, item)

    async def publish_async(self, item: Publication, event_type: EventTypeRow) -> IngestResult:
        """Publish an event of an unsigned type the caller holds; awaits the commit."""
        return await publish.publish_async(self, item, event_type)

    def save_file(
        self, tenant: str, name: str, declared_type: str | None, content: bytes, *, source: str, max_size: int
    ) -> FileRow:
        """Check and store a file (an upload, a form's attachment); AttachmentRefused says why not."""
        now = self.engine.now()
        return self.store.run(  # type: ignore[no-any-return]
            lambda tx: files.store(tx, tenant, name, declared_type, content, source=source, now=now, max_size=max_size)
        )

    def ingest(
        self,
        tenant: str,
        type: str,
        data: Any,
        *,
        event_id: str | None = None,
        source: str = "api",
        subject: str | None = None,
        meta: dict[str, Any] | None = None,
        version: int | None = None,
        actor: str | None = None,
        event_type: EventTypeRow | None = None,
    ) -> IngestResult:
        """Validate, store and act on one event. Raises EventInvalid (after keeping the event in
        the dead-letter list) when it does not match its type's schema. ``event_type``, when the
        caller looked it up already, saves a second lookup."""
        work = self.prepare(
            tenant,
            type,
            data,
            event_id=event_id,
            source=source,
            subject=subject,
            meta=meta,
            version=version,
            actor=actor,
            event_type=event_type,
        )
        return self.engine.batcher.submit_staged(work)

    async def ingest_async(
        self, tenant: str, type: str, data: Any, *, event_type: EventTypeRow, **options: Any
    ) -> IngestResult:
        """ingest() for a coroutine: validation here, the commit shared with other events, and no
        thread held while waiting for it."""
        work = self.prepare(tenant, type, data, event_type=event_type, **options)
        return await self.engine.batcher.submit_staged_async(work)

    def prepare(
        self,
        tenant: str,
        type: str,
        data: Any,
        *,
        event_id: str | None = None,
        source: str = "api",
        subject: str | None = None,
        meta: dict[str, Any] | None = None,
        version: int | None = None,
        actor: str | None = None,
        event_type: EventTypeRow | None = None,
    ) -> Callable[[Tx], Staged[IngestResult]]:
        """Check an event against its type's schema; the transactional work that stores it."""
        if event_type is None or event_type.name != type or (version is not None and event_type.version != version):
            event_type = self.type_or_reject(tenant, type, data, source=source, event_id=event_id, version=version)
        errors = sorted(self._validator(event_type).iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            problems = [
                Problem(
                    pointer=json_pointer(e.absolute_path),
                    message=e.message,
                    expected=None if e.validator == "required" else f"{e.validator}: {e.validator_value!r}",
                )
                for e in errors
            ]
            self.reject(
                tenant,
                type,
                source,
                data,
                {
                    "error": "schema",
                    "event_id": event_id,
                    "version": event_type.version,
                    "problems": [p.as_dict() for p in problems],
                },
            )
            raise EventInvalid(problems, f"event does not match '{type}' version {event_type.version}")
        event = EventRow(
            seq=0,
            id=event_id or uuid7(),
            tenant=tenant,
            type=type,
            version=event_type.version,
            source=source,
            subject=subject,
            payload=data,
            meta=meta,
            received_at=self.engine.now(),
        )
        return functools.partial(self._store_and_trigger, event=event, actor=actor)

    def cached_type(self, tenant: str, name: str) -> EventTypeRow | None:
        """The latest version of an event type when this process knows it fresh (no I/O)."""
        cached = self._latest.get((tenant, name))
        return cached[1] if cached is not None and cached[0] > time.monotonic() else None

    def type_or_reject(
        self, tenant: str, type: str, data: Any, *, source: str, event_id: str | None, version: int | None = None
    ) -> EventTypeRow:
        """The event type (the latest version unless ``version``); when there is none, the event
        (``data``) is kept among the rejects and EventTypeNotFound raised."""
        try:
            return self.event_type(tenant, type, version)
        except EventTypeNotFound as exc:
            self.reject(
                tenant, type, source, data, {"error": "unknown type", "event_id": event_id, "message": exc.message}
            )
            raise

    def reject(self, tenant: str, type: str, source: str, data: Any, reason: dict[str, Any]) -> None:
        """Keep a refused event, with why, in the events' dead-letter list."""
        try:
            payload = dumps(data)
        except Exception:
            payload = repr(data)
        row = RejectRow(
            id=uuid7(),
            tenant=tenant,
            type=type,
            source=source,
            payload=payload[:1_000_000],
            reason=reason,
            received_at=self.engine.now(),
        )
        self.store.run(lambda tx: tx.insert_reject(row))

    def _store_and_trigger(self, tx: Tx, *, event: EventRow, actor: str | None) -> Staged[IngestResult]:
        """Staged work (officeflow.engine.staged): in a group commit, the inserts of every event
        travel together, then the keyed run inserts of every trigger."""
        stored = tx.insert_event(
            id=event.id,
            tenant=event.tenant,
            type=event.type,
            version=event.version,
            source=event.source,
            subject=event.subject,
            payload=event.payload,
            meta=event.meta,
            received_at=event.received_at,
        )
        if tx.needs_sync:
            yield
        if not stored():
            original = tx.get_event(event.tenant, event.id)
            if original is not None and original.type != event.type:
                raise Conflict(f"event id '{event.id}' is already used by a '{original.type}' event")
            earlier, _ = yield from self.fire(tx, original or event, actor=actor, lookup_only=True)
            return IngestResult(event.id, event.type, event.version, True, earlier, [])
        started, failures = yield from self.fire(tx, event, actor=actor)
        return IngestResult(event.id, event.type, event.version, False, started, failures)

    def fire(
        self,
        tx: Tx,
        event: EventRow,
        *,
        actor: str | None,
        lookup_only: bool = False,
        only: Iterable[str] | None = None,
    ) -> Staged[tuple[list[Started], list[TriggerFailure]]]:
        """Start what the triggers of a stored event start (those named in ``only``; with
        ``lookup_only``, find the runs they started before instead), inside ``tx``; triggers that
        fail are kept among the rejects."""
        variables = event_variables(event)
        started: list[Started] = []
        failures: list[TriggerFailure] = []
        wanted = set(only) if only is not None else None
        for row in self._triggers_for(tx, event.tenant, event.type):
            if wanted is not None and row.name not in wanted:
                continue
            trigger = self._compiled(row)
            try:
                if trigger.filter is not None and not evaluate_condition(trigger.filter, variables):
                    continue
                key = f"trigger:{row.name}:{trigger.key.evaluate(variables)}"
                if lookup_only:
                    run = tx.run_by_key(event.tenant, key)
                    if run is not None:
                        started.append(Started(row.name, run.id, False))
                    continue
                run_input = trigger.input.evaluate(variables) if trigger.input is not None else event.payload
                definition = self.engine.definition(row.workflow, row.version, tenant=event.tenant, tx=tx)
                self.engine.check_input(definition, run_input)
                run, created = yield from self.engine.start_staged(
                    tx,
                    definition=definition,
                    input=run_input,
                    tenant=event.tenant,
                    idempotency_key=key,
                    actor=actor or f"event:{event.source}",
                )
                started.append(Started(row.name, run.id, created))
            except InputInvalid as exc:
                failures.append(TriggerFailure(row.name, exc.message, [str(p) for p in exc.problems]))
            except (ExpressionError, NotFound, Conflict) as exc:
                failures.append(TriggerFailure(row.name, exc.message))
        if failures and not lookup_only:
            for failure in failures:
                tx.insert_reject(
                    RejectRow(
                        id=uuid7(),
                        tenant=event.tenant,
                        type=event.type,
                        source=f"trigger:{failure.trigger}",
                        payload=dumps(event.payload),
                        reason={
                            "error": "trigger",
                            "event_id": event.id,
                            "trigger": failure.trigger,
                            "message": failure.message,
                            "problems": failure.problems,
                        },
                        received_at=self.engine.now(),
                    )
                )
        return started, failures

    # Reading and replaying

    def event(self, tenant: str, event_id: str) -> EventRow:
        with self.store.read() as tx:
            row = tx.get_event(tenant, event_id)
        if row is None:
            raise NotFound(f"no event {event_id} in tenant '{tenant}'")
        return row  # type: ignore[no-any-return]

    def events(self, tenant: str, **filters: Any) -> list[EventRow]:
        with self.store.read() as tx:
            return tx.list_events(tenant, **filters)  # type: ignore[no-any-return]

    def rejects(self, tenant: str, **filters: Any) -> list[RejectRow]:
        with self.store.read() as tx:
            return tx.list_rejects(tenant, **filters)  # type: ignore[no-any-return]

    def replay(
        self,
        tenant: str,
        type: str,
        *,
        since: float | None = None,
        until: float | None = None,
        triggers: Iterable[str] | None = None,
        actor: str,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[int, int]:
        """Deliver stored events of ``type`` received in [since, until) to their triggers again;
        returns (events replayed, runs started). Runs that exist already are not started twice."""
        return replay.replay(
            self, tenant, type, since=since, until=until, triggers=triggers, actor=actor, progress=progress
        )


__all__ = [
    "EventInvalid",
    "EventTypeNotFound",
    "IngestResult",
    "Ingestor",
    "OfficeflowError",
    "SchemaIncompatible",
    "TriggerNotFound",
    "TriggerSpec",
]
