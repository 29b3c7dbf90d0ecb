"""Human tasks: assignment from the directory, four-eyes rules, decisions, SLA, notifications.

``human`` steps (officeflow.steps.human) open tasks; people decide them through
:class:`officeflow.tasks.service.Tasks` (``engine.tasks``), the API and the inbox.
"""

from officeflow.tasks.directory import Directory
from officeflow.tasks.service import Decision, Inbox, Tasks

__all__ = ["Decision", "Directory", "Inbox", "Tasks"]
