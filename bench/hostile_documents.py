"""How long the API takes to refuse hostile documents (an alias bomb, deep nesting): the median
of 20 requests each, in process on SQLite. The last line is one JSON object.

    python bench/hostile_documents.py
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from officeflow import Office, SystemClock
from tests.hostile import alias_bomb, deep_json, deep_yaml
from tests.integration.conftest import HELLO, make_api

REPEAT = 20


def main() -> None:
    office = Office.open(f"sqlite:///{tempfile.mkdtemp()}/hostile.db", clock=SystemClock(), migrate=True)
    office.engine.apply(HELLO)
    api = make_api(office, rate_limit_key="off", rate_limit_tenant="off")
    deep_body = '{"workflow": "hello", "input": ' + deep_json(10_000) + "}"
    cases = {
        "alias_bomb_7_levels": lambda: api.post("/v1/definitions", json={"source": alias_bomb(7)}),
        "alias_bomb_9_levels": lambda: api.post("/v1/definitions", json={"source": alias_bomb(9)}),
        "yaml_nested_10000": lambda: api.post("/v1/definitions", json={"source": deep_yaml(10_000)}),
        "json_body_nested_10000": lambda: api.post(
            "/v1/runs", content=deep_body, headers={"content-type": "application/json"}
        ),
    }
    results: dict[str, float] = {}
    with api.client:
        for name, call in cases.items():
            times = []
            for _ in range(REPEAT):
                started = time.perf_counter()
                answer = call()
                times.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 422:
                    raise SystemExit(f"{name}: expected 422, got {answer.status_code}: {answer.text[:300]}")
            results[name] = round(statistics.median(times), 2)
            print(f"{name}: 422 in {results[name]} ms (median of {REPEAT})")
    office.close()
    print(json.dumps({"unit": "ms", "median_of": REPEAT, **results}))


if __name__ == "__main__":
    main()
