"""Workflow definitions: the model, the YAML loader and static validation."""

from officeflow.definitions.load import digest_of, load_definition
from officeflow.definitions.model import Definition

__all__ = ["Definition", "digest_of", "load_definition"]
