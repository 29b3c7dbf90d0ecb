"""The model registry: model versions kept in the store, their stages, and the versions a run calls.

A version is registered with its artifact (metadata, flavour config and payload files, kept in
``of_model_versions`` and ``of_model_files``) as a candidate, or at the stage given. Stage changes
(``promote``, ``rollback``: see officeflow.modelops.stages) are applied under a per-model lock, each
with a row in the stage history and an entry in the audit log, in one transaction. Built-in models
are registered in production for a tenant the first time a step or a request names them
(``ensure_builtin``), or all at once (``register_builtins``).

``route`` gives the version that decides for a run and the shadow versions (officeflow.modelops.routing);
``served`` the loaded model with its micro-batcher (officeflow.modelops.serving).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from officeflow.errors import Conflict, Problem, RequestInvalid
from officeflow.modelops.routing import Route, route
from officeflow.modelops.serving import ServedModel, ServedModels
from officeflow.modelops.stages import Change, ModelNotFound, plan_promotion, plan_rollback
from officeflow.models import BUILTINS, Artifact, ModelMetadata, Prediction
from officeflow.security import audit
from officeflow.security.keys import Keyring
from officeflow.store.base import Store
from officeflow.store.tx import Tx
from officeflow.store.tx_models import (
    ModelPathCount,
    ModelPredictionRow,
    ModelStage,
    ModelStageChange,
    ModelVersionRow,
    NewModelStageChange,
)

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")


class ModelVersionExists(Conflict):
    """The model version exists already."""


@dataclass(frozen=True, kw_only=True)
class ModelSummary:
    """A model as the registry lists it: its versions and who decides."""

    name: str
    versions: int
    production: str | None
    canary: str | None
    canary_share: float
    shadows: tuple[str, ...]
    description: str
    owner: str


def check_names(name: str, version: str | None = None) -> None:
    problems: list[Problem] = []
    if not NAME.fullmatch(name):
        problems.append(Problem(pointer="/name", message=f"{name!r} is not a model name", expected=NAME.pattern))
    if version is not None and not VERSION.fullmatch(version):
        problems.append(
            Problem(pointer="/version", message=f"{version!r} is not a version name", expected=VERSION.pattern)
        )
    if problems:
        raise RequestInvalid(problems, "the model name or version is not valid")


def version_row(
    tenant: str, artifact: Artifact, *, stage: ModelStage, share: float, now: float, actor: str | None
) -> ModelVersionRow:
    meta = artifact.metadata
    return ModelVersionRow(
        tenant=tenant,
        name=meta.name,
        version=meta.version,
        flavour=meta.flavour.value,
        description=meta.description,
        owner=meta.owner,
        input_schema=dict(meta.input_schema),
        output_schema=dict(meta.output_schema),
        metrics=dict(meta.metrics),
        training_data_digest=meta.training_data_digest,
        metadata=meta.as_dict(),
        config=dict(artifact.config),
        artifact_digest=artifact.digest(),
        stage=stage,
        share=share,
        created_at=now,
        created_by=actor,
        changed_at=now,
        changed_by=actor,
    )


def _doc(row: ModelVersionRow) -> dict[str, Any]:
    return {"version": row.version, "stage": row.stage.value, "share": row.share}


class ModelRegistry:
    """Model versions, stages and routing for every tenant (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        keyring: Keyring,
        now: Callable[[], float],
        *,
        batch_items: int = 64,
        batch_wait: float = 0.0,
        route_ttl: float = 1.0,
    ) -> None:
        """``keyring`` signs the audit entries of stage changes; ``batch_items`` and ``batch_wait``
        bound each version's micro-batches (officeflow.modelops.serving); ``route_ttl``: how
        long (seconds) a process keeps a model's live versions before reading them again (a
        stage change made in this process is seen at once, one made elsewhere within that)."""
        self.store = store
        self.keyring = keyring
        self.now = now
        self.route_ttl = route_ttl
        self._live: dict[tuple[str, str], tuple[float, list[ModelVersionRow]]] = {}
        self.serving = ServedModels(batch_items=batch_items, batch_wait=batch_wait)

    def close(self) -> None:
        self.serving.close()

    # Registering

    def register(
        self,
        tenant: str,
        artifact: Artifact,
        *,
        actor: str,
        stage: ModelStage = ModelStage.CANDIDATE,
        share: float | None = None,
        reason: str | None = None,
    ) -> ModelVersionRow:
        """Register ``artifact`` as a new version (candidate unless ``stage`` says otherwise);
        ModelVersionExists when the tenant has that name and version already."""
        meta = artifact.metadata
        check_names(meta.name, meta.version)
        now = self.now()
        row = version_row(tenant, artifact, stage=ModelStage.CANDIDATE, share=0.0, now=now, actor=actor)

        def body(tx: Tx) -> ModelVersionRow:
            tx.lock_model(tenant, meta.name)
            if not tx.add_model_version(row, artifact.files):
                raise ModelVersionExists(f"model {meta.name} has a version {meta.version} already")
            self._record(
                tx,
                tenant,
                meta.name,
                "register",
                Change(version=meta.version, before=ModelStage.CANDIDATE, after=ModelStage.CANDIDATE, share=0.0),
                actor,
                reason,
                from_stage=None,
            )
            if stage is not ModelStage.CANDIDATE:
                self._apply(
                    tx,
                    tenant,
                    meta.name,
                    "promote",
                    plan_promotion(tx.list_model_versions(tenant, meta.name), meta.name, meta.version, stage, share),
                    actor,
                    reason,
                )
            found = tx.get_model_version(tenant, meta.name, meta.version)
            assert found is not None
            return found

        try:
            return self.store.run(body)
        finally:
            self._live.pop((tenant, meta.name), None)

    def register_builtins(
        self, tenant: str, *, actor: str = "system", names: Sequence[str] | None = None
    ) -> list[ModelVersionRow]:
        """Register the committed version of each built-in model (or of ``names``) the tenant
        does not have yet, in production; the versions registered now."""
        done = []
        for name in names if names is not None else sorted(BUILTINS):
            row = self._register_builtin(tenant, name, actor)
            if row is not None:
                done.append(row)
        return done

    def ensure_builtin(self, tenant: str, name: str) -> None:
        """Register the built-in model ``name`` for ``tenant`` on first use (nothing when it is not
        a built-in, or the tenant has a version of it)."""
        if name in BUILTINS:
            self._register_builtin(tenant, name, "system")

    def _register_builtin(self, tenant: str, name: str, actor: str) -> ModelVersionRow | None:
        spec = BUILTINS.get(name)
        if spec is None:
            known = ", ".join(sorted(BUILTINS))
            raise ModelNotFound(f"there is no built-in model {name!r} (built-in models: {known})")
        with self.store.read() as tx:
            if tx.list_model_versions(tenant, name):
                return None
        artifact = spec.artifact()
        now = self.now()
        row = version_row(tenant, artifact, stage=ModelStage.CANDIDATE, share=0.0, now=now, actor=actor)

        def body(tx: Tx) -> ModelVersionRow | None:
            tx.lock_model(tenant, name)
            if tx.list_model_versions(tenant, name) or not tx.add_model_version(row, artifact.files):
                return None  # another process registered it first
            first = Change(version=row.version, before=ModelStage.CANDIDATE, after=ModelStage.CANDIDATE, share=0.0)
            self._record(tx, tenant, name, "register", first, actor, "built-in model", from_stage=None)
            to_production = Change(
                version=row.version, before=ModelStage.CANDIDATE, after=ModelStage.PRODUCTION, share=0.0
            )
            self._apply(tx, tenant, name, "promote", [to_production], actor, "built-in model")
            return tx.get_model_version(tenant, name, row.version)

        try:
            return self.store.run(body)
        finally:
            self._live.pop((tenant, name), None)

    # Stages

    def promote(
        self,
        tenant: str,
        name: str,
        version: str,
        stage: ModelStage,
        share: float | None = None,
        *,
        actor: str,
        reason: str | None = None,
    ) -> list[Change]:
        """Put ``version`` at ``stage`` (a canary with ``share``); the changes made (none when it
        is there already)."""

        def body(tx: Tx) -> list[Change]:
            tx.lock_model(tenant, name)
            versions = tx.list_model_versions(tenant, name)
            if not versions:
                raise ModelNotFound(f"there is no model {name}")
            changes = plan_promotion(versions, name, version, stage, share)
            self._apply(tx, tenant, name, "promote", changes, actor, reason)
            return changes

        try:
            return self.store.run(body)
        finally:
            self._live.pop((tenant, name), None)

    def rollback(self, tenant: str, name: str, *, actor: str, reason: str | None = None) -> list[Change]:
        """Withdraw the canary, or bring back the production version the current one replaced."""

        def body(tx: Tx) -> list[Change]:
            tx.lock_model(tenant, name)
            versions = tx.list_model_versions(tenant, name)
            history = tx.list_model_stage_changes(tenant, name, limit=1000)
            changes = plan_rollback(versions, history, name)
            self._apply(tx, tenant, name, "rollback", changes, actor, reason)
            return changes

        try:
            return self.store.run(body)
        finally:
            self._live.pop((tenant, name), None)

    def _apply(
        self, tx: Tx, tenant: str, name: str, action: str, changes: Sequence[Change], actor: str, reason: str | None
    ) -> None:
        now = self.now()
        for change in changes:
            tx.set_model_stage(tenant, name, change.version, change.after, change.share, now, actor)
            self._record(tx, tenant, name, action, change, actor, reason, from_stage=change.before.value)

    def _record(
        self,
        tx: Tx,
        tenant: str,
        name: str,
        action: str,
        change: Change,
        actor: str,
        reason: str | None,
        *,
        from_stage: str | None,
    ) -> None:
        now = self.now()
        tx.add_model_stage_change(
            NewModelStageChange(
                tenant=tenant,
                name=name,
                version=change.version,
                action=action,
                from_stage=from_stage,
                to_stage=change.after.value,
                share=change.share,
                reason=reason,
                at=now,
                actor=actor,
            )
        )
        before = None if from_stage is None else {"stage": from_stage}
        after: dict[str, Any] = {"stage": change.after.value, "share": change.share}
        if reason:
            after["reason"] = reason
        audit.record(
            tx,
            self.keyring,
            tenant=tenant,
            at=now,
            actor=actor,
            action=f"model.{action}",
            object_type="model_version",
            object_id=f"{name}:{change.version}",
            before=before,
            after=after,
        )

    # Reading

    def models(self, tenant: str) -> list[ModelSummary]:
        with self.store.read() as tx:
            rows = tx.list_model_versions(tenant)
        by_name: dict[str, list[ModelVersionRow]] = {}
        for row in rows:
            by_name.setdefault(row.name, []).append(row)
        return [summary(name, versions) for name, versions in sorted(by_name.items())]

    def versions(self, tenant: str, name: str) -> list[ModelVersionRow]:
        with self.store.read() as tx:
            rows = tx.list_model_versions(tenant, name)
        if not rows:
            raise ModelNotFound(f"there is no model {name}")
        return rows

    def version(self, tenant: str, name: str, version: str) -> ModelVersionRow:
        with self.store.read() as tx:
            row = tx.get_model_version(tenant, name, version)
        if row is None:
            raise ModelNotFound(f"model {name} has no version {version}")
        return row

    def history(self, tenant: str, name: str, limit: int = 100) -> list[ModelStageChange]:
        with self.store.read() as tx:
            return tx.list_model_stage_changes(tenant, name, limit=limit)

    def path_counts(self, tenant: str, name: str | None = None, since: float | None = None) -> list[ModelPathCount]:
        with self.store.read() as tx:
            return tx.model_path_counts(tenant, name, since=since)

    def predictions(self, tenant: str, name: str, **where: Any) -> list[ModelPredictionRow]:
        with self.store.read() as tx:
            return tx.list_model_predictions(tenant, name, **where)

    def artifact(self, tenant: str, row: ModelVersionRow) -> Artifact:
        with self.store.read() as tx:
            files = tx.model_files(tenant, row.name, row.version)
        metadata = ModelMetadata.from_dict(row.metadata, source=f"model {row.name} {row.version}")
        return Artifact(metadata=metadata, config=dict(row.config), files=files)

    # Serving

    def route(self, tenant: str, name: str, run_id: str) -> Route:
        """The version that decides for ``run_id`` and the shadows (built-ins registered on first use)."""
        return route(self.live(tenant, name), run_id, name)

    def live(self, tenant: str, name: str) -> list[ModelVersionRow]:
        """The production, canary and shadow versions of a model, read at most every ``route_ttl``
        seconds."""
        key = (tenant, name)
        found = self._live.get(key)
        if found is not None and time.monotonic() - found[0] < self.route_ttl:
            return found[1]
        with self.store.read() as tx:
            live = tx.live_model_versions(tenant, name)
        if not live and name in BUILTINS:
            self.ensure_builtin(tenant, name)
            with self.store.read() as tx:
                live = tx.live_model_versions(tenant, name)
        self._live[key] = (time.monotonic(), live)
        return live

    def served(self, tenant: str, row: ModelVersionRow) -> ServedModel:
        key = (tenant, row.name, row.version, row.artifact_digest)
        return self.serving.get(key, lambda: self.artifact(tenant, row))

    def predict(self, tenant: str, name: str, version: str, items: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        """Score ``items`` with one version (whatever its stage): trying a version."""
        self.ensure_builtin(tenant, name)
        row = self.version(tenant, name, version)
        return self.served(tenant, row).model.predict(list(items))


def summary(name: str, versions: Sequence[ModelVersionRow]) -> ModelSummary:
    production = next((v for v in versions if v.stage is ModelStage.PRODUCTION), None)
    canary = next((v for v in versions if v.stage is ModelStage.CANARY), None)
    latest = production or versions[-1]
    return ModelSummary(
        name=name,
        versions=len(versions),
        production=production.version if production else None,
        canary=canary.version if canary else None,
        canary_share=canary.share if canary else 0.0,
        shadows=tuple(v.version for v in versions if v.stage is ModelStage.SHADOW),
        description=latest.description,
        owner=latest.owner,
    )
