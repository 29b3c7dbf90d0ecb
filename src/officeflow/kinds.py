"""The step kinds officeflow ships: the core kinds of :mod:`officeflow.steps`, the ``human``
kind of :mod:`officeflow.tasks` and the ``document`` kind of :mod:`officeflow.documents`. The
composition root (:class:`officeflow.office.Office`) hands them to the engine
(``Engine(kinds=BUILTIN_KINDS)``), which imports neither this module nor ``officeflow.tasks``;
user kinds join them through ``@step_kind``."""

from __future__ import annotations

from officeflow.decision_tables.kind import Rules
from officeflow.documents.step import Document
from officeflow.llm.kind import Llm
from officeflow.modelops.kind import ModelStep
from officeflow.steps.base import StepKind
from officeflow.steps.core import CORE_KINDS
from officeflow.tasks.kind import Human

BUILTIN_KINDS: tuple[type[StepKind], ...] = (*CORE_KINDS, Human, Document, Llm, ModelStep, Rules)

__all__ = ["BUILTIN_KINDS"]
