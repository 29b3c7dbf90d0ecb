"""The YAML alias bomb over the HTTP API is refused quickly and without building what it expands
to (both backends): the answer is a 422 within a second or two and the request allocates a few
megabytes at most. (Before the bounded loader, 7 levels took about 10 s and 1.4 GB before a 422,
and 9 levels never answered; test_hostile_documents.py checks the answer's content.)"""

from __future__ import annotations

import time
import tracemalloc

import pytest

from tests.hostile import alias_bomb

from .conftest import Api

SECONDS = 10.0
"""Generous for a busy machine (the refusal itself takes milliseconds; the loader before the bound took 67 s)."""
BYTES = 32 * 1024 * 1024


@pytest.mark.parametrize("levels", [7, 9])
def test_an_alias_bomb_is_refused_fast_and_small(api: Api, levels: int) -> None:
    source = alias_bomb(levels)
    api.post("/v1/definitions", json={"source": "name: warm\nversion: 1\nsteps: {s: {kind: end}}\n"})
    tracemalloc.start()
    try:
        began = time.perf_counter()
        response = api.post("/v1/definitions", json={"source": source})
        took = time.perf_counter() - began
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert took < SECONDS, f"the answer ({response.status_code}) took {took:.2f} s"
    assert peak < BYTES, f"the request allocated up to {peak / 1e6:.0f} MB"
    assert response.status_code == 422, response.text[:300]
    assert "anchors and aliases are not allowed" in response.text
