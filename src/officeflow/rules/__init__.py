"""Decision tables and decision models: DMN and a YAML form, evaluated with matched rows recorded.

Load a model with :func:`load_model` (a ``.dmn`` or ``.yaml`` file), :func:`load_dmn` or
:func:`load_yaml` (text); evaluate it with :meth:`DecisionModel.evaluate`, which returns an
:class:`Evaluation`: each decision's value, the rows that matched and any errors. Run the static
checks with :func:`check_model`; write DMN XML with :func:`to_dmn`. See docs/rules.md.
"""

from officeflow.rules.checks import Finding, check_model
from officeflow.rules.decision_model import DecisionModel
from officeflow.rules.dmn_write import to_dmn
from officeflow.rules.errors import DecisionEvaluationError, DecisionModelInvalid
from officeflow.rules.loading import load_dmn, load_model, load_yaml
from officeflow.rules.model import Aggregation, HitPolicy
from officeflow.rules.trace import DecisionResult, Evaluation, HitCounts, MatchedRule

__all__ = [
    "Aggregation",
    "DecisionEvaluationError",
    "DecisionModel",
    "DecisionModelInvalid",
    "DecisionResult",
    "Evaluation",
    "Finding",
    "HitCounts",
    "HitPolicy",
    "MatchedRule",
    "check_model",
    "load_dmn",
    "load_model",
    "load_yaml",
    "to_dmn",
]
