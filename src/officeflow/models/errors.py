"""The errors the model layer raises, placed in officeflow's error tree.

::

    ConfigurationError
    └── ModelArtifactInvalid      an artifact cannot be loaded (missing file, bad metadata, bad ONNX)
        └── UntrustedTypes        a skops file names types outside the trusted list (.types)
    StepError                     (retried by the calling step's policy)
    └── ModelUnavailable          a remote model did not answer after the retries (connect error, 5xx)
        └── ModelTimeout          a remote model or a batch did not answer in time
    OfficeflowError
    └── TrainingFailed            training could not produce a model from the data it was given
    NonRetryableError             (never retried)
    ├── ModelInputInvalid         an item does not match the model's input schema (.problems)
    ├── ModelRejected             a remote model refused the request (4xx) or answered nonsense
    └── BatcherClosed             an item was submitted to a micro-batcher that is closed

The first line of each class docstring is its default message.
"""

from __future__ import annotations

from collections.abc import Sequence

from officeflow.errors import ConfigurationError, NonRetryableError, OfficeflowError, Problem, StepError


class ModelArtifactInvalid(ConfigurationError):
    """The model artifact cannot be loaded."""


class UntrustedTypes(ModelArtifactInvalid):
    """The skops file contains types that are not trusted."""

    def __init__(self, types: Sequence[str], source: str) -> None:
        self.types = sorted(types)
        listed = ", ".join(self.types)
        super().__init__(
            f"{source}: refusing to load types that are not in the trusted list: {listed} "
            "(add them to the flavour's trusted types only if you trust the file's origin)"
        )


class TrainingFailed(OfficeflowError):
    """Training could not produce a model from the data it was given."""


class ModelUnavailable(StepError):
    """The model did not answer."""


class ModelTimeout(ModelUnavailable):
    """The model did not answer in time."""


class ModelInputInvalid(NonRetryableError):
    """The model input is not valid."""

    def __init__(self, problems: Sequence[Problem], message: str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        head = message or "the model input is not valid"
        detail = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{head}\n{detail}" if detail else head)


class ModelRejected(NonRetryableError):
    """The model refused the request."""


class BatcherClosed(NonRetryableError):
    """The micro-batcher is closed."""
