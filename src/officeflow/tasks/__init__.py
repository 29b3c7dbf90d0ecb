"""Human tasks: the ``human`` step kind, assignment from the directory, four-eyes rules,
decisions, SLA, notifications.

``human`` steps (configuration: officeflow.tasks.human; behaviour: officeflow.tasks.kind) open
tasks; people decide them through :class:`officeflow.tasks.service.Tasks` (``office.tasks``),
the API and the inbox.
"""

from officeflow.tasks.directory import Directory
from officeflow.tasks.kind import Human
from officeflow.tasks.service import Decision, Inbox, Tasks

__all__ = ["Decision", "Directory", "Human", "Inbox", "Tasks"]
