"""Decision tables stored per tenant, and the ``rules`` step that evaluates them in a run.

:class:`DecisionTables` (``office.decision_tables``) pushes versions (DMN XML or the YAML form of
:mod:`officeflow.rules`), evaluates them and checks the ``rules`` steps of a definition against
them; :class:`Rules` is the step kind (registered through :data:`officeflow.kinds.BUILTIN_KINDS`).
See docs/rules.md.
"""

from officeflow.decision_tables.errors import DecisionTableNotFound, DecisionTableVersionExists
from officeflow.decision_tables.kind import Rules, RulesConfig
from officeflow.decision_tables.service import DecisionTables, Pushed

__all__ = [
    "DecisionTableNotFound",
    "DecisionTableVersionExists",
    "DecisionTables",
    "Pushed",
    "Rules",
    "RulesConfig",
]
