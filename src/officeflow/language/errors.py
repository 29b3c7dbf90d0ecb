"""The errors the language models raise, placed in officeflow's error tree.

::

    ConfigurationError
    └── LanguageArtifactInvalid   a head's artifact is missing, unreadable or names untrusted types
    NotFound
    └── LanguageModelNotFound     no built-in language model and no head file has that name
    NonRetryableError             (never retried)
    ├── TextInputInvalid          an item is not a ticket / e-mail / text the model reads (.problems)
    └── ExamplesInvalid           training examples cannot train a head (.problems)

The first line of each class docstring is its default message.
"""

from __future__ import annotations

from collections.abc import Sequence

from officeflow.errors import ConfigurationError, NonRetryableError, NotFound, Problem


class LanguageArtifactInvalid(ConfigurationError):
    """The language model's artifact cannot be loaded."""


class LanguageModelNotFound(NotFound):
    """No language model has that name."""


class _Problems(NonRetryableError):
    def __init__(self, problems: Sequence[Problem], message: str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        head = message or (type(self).__doc__ or "").strip().splitlines()[0]
        detail = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{head}\n{detail}" if detail else head)


class TextInputInvalid(_Problems):
    """The model input is not valid."""


class ExamplesInvalid(_Problems):
    """The training examples cannot train a classifier."""
