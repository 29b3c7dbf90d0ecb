"""What the `llm` library raises, in officeflow's error tree.

::

    ConfigurationError
    └── LlmSettingsInvalid        OFFICEFLOW_LLM_* has a bad value, or the API key's secret is unusable
    DefinitionInvalid
    └── LlmSpecInvalid            an llm step's configuration is invalid (.problems)
    StepError                     (retried by the step's policy)
    └── LlmUnavailable            the endpoint did not answer well after the client's own retries
    NonRetryableError
    ├── LlmRejected               the endpoint refused the request (4xx other than 408/409/429)
    ├── TokenBudgetExceeded       the tenant's or the step's token budget cannot cover the call
    └── LlmFailed                 the model did not produce a usable answer (.result holds what it did)
        ├── OutputInvalid         the answer broke the output schema after the one repair (.problems)
        └── TurnLimitReached      the tool loop reached its turn limit without a final answer

The first line of each class docstring is its default message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from officeflow.errors import ConfigurationError, DefinitionInvalid, NonRetryableError, Problem, StepError

if TYPE_CHECKING:
    from officeflow.llm.result import LlmResult


class LlmSettingsInvalid(ConfigurationError):
    """The LLM endpoint's settings are not valid."""


class LlmSpecInvalid(DefinitionInvalid):
    """The llm step's configuration is invalid."""


class LlmUnavailable(StepError):
    """The LLM endpoint did not answer (network error, timeout, 5xx or 429) after retries."""

    def __init__(self, message: str | None = None, *, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts
        self.result: LlmResult | None = None
        """What the run did before this call failed, when it failed inside a run."""


class LlmRejected(NonRetryableError):
    """The LLM endpoint refused the request; the same request would be refused again."""

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.result: LlmResult | None = None
        """What the run did before this call failed, when it failed inside a run."""


class TokenBudgetExceeded(NonRetryableError):
    """The token budget cannot cover this call."""

    def __init__(self, message: str | None = None, *, scope: str, needed: int, remaining: int) -> None:
        super().__init__(message or f"{scope} token budget exhausted: {needed} tokens needed, {remaining} remain")
        self.scope = scope
        self.needed = needed
        self.remaining = remaining
        self.result: LlmResult | None = None
        """What the run did before the budget ran out, when it ran out inside a run."""


class LlmFailed(NonRetryableError):
    """The model did not produce a usable answer."""

    def __init__(self, message: str | None = None, *, result: LlmResult | None = None) -> None:
        super().__init__(message)
        self.result = result
        """What the run did before it failed: transcript, tool calls, usage, findings (for history)."""


class OutputInvalid(LlmFailed):
    """The model's answer does not match the output schema, even after one repair attempt."""

    def __init__(self, problems: Sequence[Problem], *, result: LlmResult | None = None) -> None:
        self.problems = list(problems)
        detail = "\n".join(f"  {p}" for p in self.problems)
        head = (type(self).__doc__ or "").strip().splitlines()[0]
        super().__init__(f"{head}\n{detail}" if detail else head, result=result)


class TurnLimitReached(LlmFailed):
    """The model was still calling tools when the step's turn limit was reached."""
