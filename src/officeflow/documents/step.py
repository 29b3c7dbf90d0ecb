"""The ``document`` step: read a stored receipt or invoice into fields.

```yaml
read_receipt:
  kind: document
  file: input.receipt            # CEL: the stored file's id (or a mapping with file_id)
  document_kind: receipt         # auto (default), receipt or invoice
  engine: auto                   # OCR engine: auto (per page), tesseract or rapidocr
  require: [vendor, date, total] # the fields a person must see when missing or doubtful
  min_confidence: 0.8            # below it, a required field is doubtful
  review: check_receipt          # where to go when a required field is doubtful (else next)
  next: policy
```

A worker reads the file in the office's resource-limited child process with the tenant's vendor
memory (officeflow.documents.service) and records the output: ``fields`` (value, confidence,
page, box, rule), flat ``values``, ``checks`` with their reasons, ``source``, ``engine``,
``latency_ms``, ``pages`` (sizes, to scale boxes), ``reading_id`` and ``review`` (``needed``
and the doubtful fields). A hostile, oversize or malformed file, or a file that is not stored,
fails the step at once (no retry: the same bytes would fail again) with the reason in the run's
history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import Field, model_validator

from officeflow.documents.model import FIELD_NAMES
from officeflow.documents.service import REVIEWED_FIELDS, DocumentService, reading_id_of
from officeflow.errors import NonRetryableError
from officeflow.expressions import Expr, Value, compile_value
from officeflow.steps.base import ActivityConfig, ActivityKind, Edge, KindEnvironment, StepContext, StepId, ValueField
from officeflow.steps.base import step_kind as _step_kind


class DocumentConfig(ActivityConfig):
    kind: Literal["document"]
    file: ValueField
    """The stored file to read: its id, or a mapping with ``file_id``."""
    document_kind: Literal["auto", "receipt", "invoice"] = "auto"
    engine: Literal["auto", "tesseract", "rapidocr"] = "auto"
    require: tuple[str, ...] = REVIEWED_FIELDS
    min_confidence: float | None = Field(None, ge=0.0, le=1.0)
    review: StepId | None = None
    """The step to go to when a required field is missing or below ``min_confidence``."""

    @model_validator(mode="before")
    @classmethod
    def _no_input(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "input" in data:
            raise ValueError("a document step takes no 'input': it reads the stored file named by 'file'")
        return data

    @model_validator(mode="after")
    def _file_is_input(self) -> DocumentConfig:
        unknown = [name for name in self.require if name not in FIELD_NAMES]
        if unknown:
            raise ValueError(f"require names {', '.join(unknown)}, which are not fields ({', '.join(FIELD_NAMES)})")
        # The worker evaluates a step's `input` and records it in history: here, the file's id.
        object.__setattr__(self, "input", compile_value({"file": self.file.raw}))
        return self

    def edges(self) -> list[Edge]:
        out = super().edges()
        if self.review:
            out.append(Edge(self.review, ("review",)))
        return out

    def values(self) -> Iterable[tuple[tuple[str | int, ...], Value | Expr]]:
        yield ("file",), self.file


@_step_kind("document")
class Document(ActivityKind):
    """Reads the step's stored file with the office's document service (see the module docstring)."""

    config = DocumentConfig

    def __init__(self, env: KindEnvironment) -> None:
        super().__init__(env)
        self.service: DocumentService | None = None

    def bind(self, service: DocumentService) -> None:
        """Give the kind the office's document service (the composition root does)."""
        self.service = service

    def execute(self, step: DocumentConfig, input: Any, ctx: StepContext) -> dict[str, Any]:
        if self.service is None:
            raise NonRetryableError(
                "document steps run in a worker of an office (officeflow serve or worker), which reads stored files"
            )
        return self.service.read(
            ctx.tenant,
            input.get("file") if isinstance(input, dict) else input,
            run_id=ctx.run_id,
            step_id=ctx.step_id,
            reading_id=reading_id_of(ctx.idempotency_key),
            kind=step.document_kind,
            engine=step.engine,
            now=self.env.now(),
            require=step.require,
            min_confidence=step.min_confidence,
        )

    def successor(self, step: DocumentConfig, output: Any) -> str | None:
        review = output.get("review") if isinstance(output, dict) else None
        if step.review and isinstance(review, dict) and review.get("needed"):
            return step.review
        return step.next
