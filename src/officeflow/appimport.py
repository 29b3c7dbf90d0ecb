"""Importing the user's app: the modules with their handlers and step kinds, named by
``--app`` / ``OFFICEFLOW_APP`` (``package.module`` or ``path/to/file.py``)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from officeflow.errors import ConfigurationError


def import_app(name: str) -> object:
    """Import ``package.module`` (from the working directory too) or a ``path/to/file.py``;
    ConfigurationError, naming the module and the cause, when it cannot be imported."""
    try:
        if name.endswith(".py") or "/" in name:
            path = Path(name).resolve()
            spec = importlib.util.spec_from_file_location(path.stem, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"not a Python file: {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[path.stem] = module
            spec.loader.exec_module(module)
            return module
        if "" not in sys.path:
            sys.path.insert(0, "")
        return importlib.import_module(name)
    except Exception as exc:
        raise ConfigurationError(f"cannot import app {name!r}: {type(exc).__name__}: {exc}") from None
