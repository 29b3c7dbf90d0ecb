"""The benchmark workload: three trivial steps, each returning a small dict."""

from __future__ import annotations

from typing import Any

from officeflow import handler


@handler("bench.step1")
def step1(input: dict[str, Any], ctx: Any) -> dict[str, int]:
    return {"a": input["n"] + 1}


@handler("bench.step2")
def step2(input: dict[str, Any], ctx: Any) -> dict[str, int]:
    return {"b": input["a"] * 2}


@handler("bench.step3")
def step3(input: dict[str, Any], ctx: Any) -> dict[str, int]:
    return {"c": input["b"] + 3}
