"""Named parameters of the query layer's reusable statements.

A statement is built once (per shape) with SQLAlchemy Core and compiled once per backend by
``Tx.execute(statement, params)``; its values come with each call, by name. A parameter is
declared not required, so that compiling needs no value; a call that leaves one out still fails
loudly, in the driver.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def param(name: str) -> sa.BindParameter[Any]:
    """The parameter ``name`` of a reusable statement (its type comes from what it is compared with)."""
    return sa.bindparam(name, required=False)
