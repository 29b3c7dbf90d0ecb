"""Handlers for the CLI tests."""

from __future__ import annotations

from typing import Any

from officeflow import handler


@handler("greet")
def greet(input: dict[str, Any], ctx: Any) -> dict[str, Any]:
    if input.get("fail"):
        raise RuntimeError("greeting service is down")
    return {"greeting": f"hello {input['name']}"}
