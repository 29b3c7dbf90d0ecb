"""A model version from what a person sends: an ONNX graph, a skops file, or a remote endpoint.

The file is checked by loading it, the way a worker will: an ONNX graph must load in
onnxruntime; a skops file is read with skops' own loader and the types the uploader lists as
trusted (``trusted_types``), never the file's own word and never with plain pickle (a pickle, or a
skops file naming a type nobody trusted, is refused with the types it names); a remote model's
URL must be one outbound HTTP may reach (officeflow.security.ssrf, the ``OFFICEFLOW_HTTP_ALLOW``
list). Every problem comes back at once, each with its JSON pointer. Python callables are code,
not data: they are registered from Python or the CLI (``config["callable"]``), never uploaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from officeflow.errors import Problem, RequestInvalid
from officeflow.modelops.registry import NAME, VERSION
from officeflow.modelops.serving import build_model
from officeflow.models import (
    Artifact,
    Flavour,
    InputChecker,
    ModelArtifactInvalid,
    ModelMetadata,
    OipEndpoint,
    TabularSpec,
    Task,
    UntrustedTypes,
    oip_artifact,
)
from officeflow.retry import RetryPolicy
from officeflow.security.ssrf import DestinationRefused, Guard, ResolutionFailed

UPLOAD_FLAVOURS = (Flavour.ONNX, Flavour.SKOPS, Flavour.OIP)


@dataclass(frozen=True, kw_only=True)
class Upload:
    """What a request to register a version carries (see the module docstring)."""

    name: str
    version: str
    flavour: str
    input_schema: Mapping[str, Any]
    output_schema: Mapping[str, Any] = field(default_factory=dict)
    features: Sequence[str] = ()
    labels: Sequence[str] = ()
    task: str = "classification"
    content: bytes | None = None
    trusted_types: Sequence[str] = ()
    endpoint: Mapping[str, Any] | None = None
    description: str = ""
    owner: str = ""
    metrics: Mapping[str, float] = field(default_factory=dict)
    training_data_digest: str = ""


def _problems(upload: Upload) -> list[Problem]:
    """What is wrong with the request itself (before any file is read)."""
    problems: list[Problem] = []
    if not NAME.fullmatch(upload.name):
        problems.append(Problem(pointer="/name", message=f"{upload.name!r} is not a model name", expected=NAME.pattern))
    if not VERSION.fullmatch(upload.version):
        problems.append(
            Problem(pointer="/version", message=f"{upload.version!r} is not a version", expected=VERSION.pattern)
        )
    flavours = ", ".join(f.value for f in UPLOAD_FLAVOURS)
    if upload.flavour not in {f.value for f in UPLOAD_FLAVOURS}:
        problems.append(
            Problem(pointer="/flavour", message=f"flavour {upload.flavour!r} cannot be uploaded", expected=flavours)
        )
    if upload.task not in {t.value for t in Task}:
        problems.append(
            Problem(pointer="/task", message=f"unknown task {upload.task!r}", expected="classification, regression")
        )
    try:
        InputChecker(upload.input_schema)
    except ModelArtifactInvalid as exc:
        problems.append(Problem(pointer="/input_schema", message=exc.message, expected="a JSON Schema"))
    if not upload.features:
        problems.append(
            Problem(
                pointer="/features",
                message="no features named",
                expected="the input's feature names, in the model's column order",
            )
        )
    if upload.task == "classification" and len(upload.labels) < 2:
        problems.append(
            Problem(
                pointer="/labels",
                message="a classifier needs its labels",
                expected="two or more labels, in the model's class order",
            )
        )
    return problems


def artifact_of(upload: Upload, *, http_allow: Iterable[str] = ()) -> Artifact:
    """The checked artifact of ``upload``; RequestInvalid naming every problem."""
    problems = _problems(upload)
    if problems:
        raise RequestInvalid(problems, "the model version is not valid")
    flavour = Flavour(upload.flavour)
    meta = ModelMetadata(
        name=upload.name,
        version=upload.version,
        flavour=flavour,
        input_schema=dict(upload.input_schema),
        output_schema=dict(upload.output_schema),
        description=upload.description,
        owner=upload.owner,
        metrics={str(k): float(v) for k, v in upload.metrics.items()},
        training_data_digest=upload.training_data_digest,
        labels=tuple(upload.labels),
    )
    spec = TabularSpec(features=tuple(upload.features), task=Task(upload.task), labels=tuple(upload.labels))
    if flavour is Flavour.OIP:
        return _remote(upload, meta, spec, http_allow)
    if not upload.content:
        raise RequestInvalid(
            [
                Problem(
                    pointer="/content",
                    message=f"a {flavour.value} version needs its file",
                    expected="base64 of the file",
                )
            ],
            "the model file is missing",
        )
    filename = "model.onnx" if flavour is Flavour.ONNX else "model.skops"
    config: dict[str, Any] = {"tabular": spec.as_dict()}
    if flavour is Flavour.SKOPS:
        config["trusted"] = sorted(set(upload.trusted_types))
    artifact = Artifact(metadata=meta, config=config, files={filename: upload.content})
    try:
        build_model(artifact)
    except UntrustedTypes as exc:
        raise RequestInvalid(
            [
                Problem(
                    pointer="/trusted_types",
                    message="the skops file holds types nobody listed as trusted: " + ", ".join(exc.types),
                    expected="list them in trusted_types, if you trust where the file comes from",
                )
            ],
            "the skops file holds untrusted types",
        ) from None
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RequestInvalid(
            [
                Problem(
                    pointer="/content",
                    message=f"the file does not load as {flavour.value}: {first}",
                    expected=f"a {flavour.value} file",
                )
            ],
            "the model file does not load",
        ) from None
    return artifact


def _remote(upload: Upload, meta: ModelMetadata, spec: TabularSpec, http_allow: Iterable[str]) -> Artifact:
    data = upload.endpoint
    if (
        not isinstance(data, Mapping)
        or not isinstance(data.get("base_url"), str)
        or not isinstance(data.get("model"), str)
    ):
        raise RequestInvalid(
            [
                Problem(
                    pointer="/endpoint",
                    message="a remote version needs its endpoint",
                    expected="{base_url, model, timeout, retries}",
                )
            ],
            "the endpoint is missing",
        )
    try:
        Guard(http_allow).resolve(data["base_url"])
    except (DestinationRefused, ResolutionFailed) as exc:
        raise RequestInvalid(
            [
                Problem(
                    pointer="/endpoint/base_url",
                    message=exc.message,
                    expected="a host outbound HTTP may reach (OFFICEFLOW_HTTP_ALLOW)",
                )
            ],
            "the endpoint cannot be reached",
        ) from None
    retries = int(data.get("retries", 2))
    endpoint = OipEndpoint(
        base_url=str(data["base_url"]).rstrip("/"),
        model=str(data["model"]),
        version=data.get("version"),
        output=str(data.get("output", "predict_proba")),
        timeout=float(data.get("timeout", 10.0)),
        retry=RetryPolicy(max_attempts=retries + 1, initial_delay=0.1, max_delay=2.0),
    )
    return oip_artifact(meta, endpoint, spec)
