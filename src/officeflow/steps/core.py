"""The core step kinds: those every engine knows without being told.

The ``human`` kind is built in too, but lives in :mod:`officeflow.tasks` with the rest of human
tasks; :data:`officeflow.kinds.BUILTIN_KINDS` lists both.
"""

from __future__ import annotations

from officeflow.steps.base import StepKind
from officeflow.steps.control import End, Parallel, Subflow, Switch, Timer, Wait
from officeflow.steps.http import Http
from officeflow.steps.task import Task

CORE_KINDS: tuple[type[StepKind], ...] = (Task, Http, Switch, Parallel, Wait, Timer, Subflow, End)
