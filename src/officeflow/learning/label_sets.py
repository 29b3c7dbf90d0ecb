"""Training a user's label set and registering it in the tenant's model registry (the CLI's
``officeflow models labels train`` and the console's label-set form call this).

The version is the next number of the model (``1`` for a new one); a first version goes to
production, so the ``model`` step can call it at once, later ones are candidates to compare and
promote, unless ``stage`` says otherwise. A name that is a built-in model, or a registered model
that is not a label set, is refused. Training is ``officeflow.language.labelsets.train_label_set``
(examples checked, a fifth held out, a calibrated head); nothing is written when it refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from officeflow.errors import Problem, RequestInvalid
from officeflow.language.errors import ExamplesInvalid
from officeflow.language.labelsets import KIND, train_label_set
from officeflow.learning.retraining import next_version
from officeflow.modelops.registry import ModelRegistry
from officeflow.models import BUILTINS, Artifact, Example
from officeflow.store.base import Store
from officeflow.store.tx_models import ModelStage, ModelVersionRow


@dataclass(frozen=True, kw_only=True)
class LabelSetTrained:
    artifact: Artifact
    registered: ModelVersionRow


def label_set_version(store: Store, tenant: str, name: str) -> tuple[str, bool]:
    """The label set's next version and whether it is its first (``RequestInvalid`` for a built-in
    model's name or a registered model that is not a label set)."""
    if name in BUILTINS:
        raise RequestInvalid(
            [Problem(message=f"{name!r} is a built-in model", pointer="/name", expected="a name of your own")],
            f"cannot train label set {name!r}",
        )
    with store.read() as tx:
        rows = tx.list_model_versions(tenant, name)
    if any(r.config.get("builtin") != KIND for r in rows):
        raise RequestInvalid(
            [Problem(message=f"model {name!r} exists and is not a label set", pointer="/name", expected="a new name")],
            f"cannot train label set {name!r}",
        )
    return (next_version([r.version for r in rows]), False) if rows else ("1", True)


def train_and_register(
    store: Store,
    registry: ModelRegistry,
    tenant: str,
    name: str,
    examples: Sequence[Example],
    *,
    actor: str,
    seed: int = 0,
    input_kind: str = "text",
    stage: ModelStage | None = None,
    source: str = "examples",
) -> LabelSetTrained:
    """Train label set ``name`` from ``examples`` and register it (see the module docstring);
    ``RequestInvalid`` listing every problem of the examples."""
    version, first = label_set_version(store, tenant, name)
    try:
        artifact = train_label_set(name, examples, seed=seed, input_kind=input_kind, version=version)
    except ExamplesInvalid as exc:
        raise RequestInvalid(exc.problems, f"{source}: the examples cannot train label set {name!r}") from None
    chosen = stage or (ModelStage.PRODUCTION if first else ModelStage.CANDIDATE)
    row = registry.register(
        tenant, artifact, actor=actor, stage=chosen, reason=f"label set trained from {source} ({len(examples)})"
    )
    return LabelSetTrained(artifact=artifact, registered=row)
