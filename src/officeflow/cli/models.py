"""``officeflow models``: the model registry, built-in models, predictions, feedback and retraining.

Each part of the group lives in its own module and is added here: the registry and its stages
(``cli/models_registry.py``), training and retraining (``cli/models_training.py``), predictions
and user-defined label sets (``cli/models_predict.py``)."""

from __future__ import annotations

import click


@click.group()
def models() -> None:
    """Models: versions and stages, training and retraining, predictions, feedback and drift."""


from officeflow.cli.models_predict import labels, predict  # noqa: E402  (the group exists first)

models.add_command(predict)
models.add_command(labels)

from officeflow.cli.models_training import drift_command, feedback_command, retrain_command  # noqa: E402

models.add_command(retrain_command)
models.add_command(feedback_command)
models.add_command(drift_command)

from officeflow.cli.models_registry import (  # noqa: E402
    list_command,
    promote_command,
    register_builtins_command,
    register_command,
    rollback_command,
    show_command,
    train_command,
)

models.add_command(list_command)
models.add_command(show_command)
models.add_command(register_command)
models.add_command(register_builtins_command)
models.add_command(promote_command)
models.add_command(rollback_command)
models.add_command(train_command)
