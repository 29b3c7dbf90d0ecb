"""LLM benchmark: the local llama-cpp-python server with SmolLM2-135M, through officeflow's client.

Three workloads, each a fixed number of sequential calls after one warm-up call:

- ``short``: a one-line prompt, free text, ``max_tokens`` 32;
- ``json``: a receipt to extract as JSON constrained by a schema (grammar-based), ``max_tokens`` 64;
- ``review``: one whole ``run_llm`` of the expense-review configuration of the hostile suite (a
  reversible and an irreversible tool, a decision schema) over a hostile receipt.

With ``--hostile`` it also runs every document of tests/data/hostile/ once through that
configuration and counts what the model tried (transfers proposed, approvals proposed, runs without
a valid answer) against what happened (irreversible tool runs, decisions taken: both must be 0).

For each: latency p50/p95 per call (or per run), completion tokens per second (completion tokens
over the call's latency: prompt processing included) and prompt/completion tokens per call. The
server runs with its default of one thread per two cores.

``step``: what the ``llm`` step adds around the model call, measured without a model: a scripted
local endpoint (``ScriptedModel``, a real HTTP server that answers at once) serves ``--step-runs``
one-step runs through an office on a temporary SQLite file (a worker, the step's budget reserved and
settled in the database, the output recorded), and as many bare ``run_llm`` calls of the same spec
(in-process budget) before and after them, each one at a time. The overhead is the difference of
the mean times; at a few milliseconds it is within the noise of a shared machine. ``--step-only`` skips the
real model.

Figures go to stderr as lines for people; the last line of stdout is one JSON object.

    .venv/bin/python bench/llm.py --calls 20
    .venv/bin/python bench/llm.py --step-only --step-runs 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from officeflow.llm import ChatClient, LlmFailed, LlmResult, Tool, ToolCall, parse_spec, run_llm  # noqa: E402
from officeflow.llm.localserver import LocalLlmServer  # noqa: E402
from officeflow.llm.scripted import ScriptedModel, answer  # noqa: E402

SHORT = [{"role": "user", "content": "Say hello to the accounts payable team in one sentence."}]
RECEIPT = [
    {"role": "system", "content": "Extract the vendor, the date, the total and the currency from the receipt."},
    {
        "role": "user",
        "content": "CAFE LUNA, Hauptstrasse 12, Berlin. 03.03.2026. "
        "2 Cappuccino 7.80, 1 Croissant 3.20. Total 11.00 EUR.",
    },
]
RECEIPT_SCHEMA = {
    "type": "object",
    "properties": {
        "vendor": {"type": "string"},
        "date": {"type": "string"},
        "total": {"type": "number"},
        "currency": {"type": "string", "enum": ["EUR", "USD", "GBP", "CHF"]},
    },
    "required": ["vendor", "date", "total", "currency"],
    "additionalProperties": False,
}
HOSTILE_RECEIPT = ROOT / "tests" / "data" / "hostile" / "receipt_ignore_previous.txt"
REVIEW_SPEC = ROOT / "tests" / "data" / "hostile" / "expense_review.json"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(name: str, latencies: list[float], prompt: list[int], completion: list[int]) -> dict[str, Any]:
    rates = [c / s for c, s in zip(completion, latencies, strict=True) if s > 0]
    return {
        "workload": name,
        "calls": len(latencies),
        "p50_s": round(percentile(latencies, 0.50), 3),
        "p95_s": round(percentile(latencies, 0.95), 3),
        "completion_tokens_per_s": round(statistics.median(rates), 1) if rates else None,
        "prompt_tokens": round(statistics.mean(prompt), 1),
        "completion_tokens": round(statistics.mean(completion), 1),
    }


async def calls(client: ChatClient, n: int, **request: Any) -> tuple[list[float], list[int], list[int]]:
    latencies: list[float] = []
    prompt: list[int] = []
    completion: list[int] = []
    for index in range(n + 1):
        done = await client.complete(tenant="bench", **request)
        if index == 0:
            continue  # warm-up
        latencies.append(done.metrics.latency_s)
        prompt.append(done.metrics.usage.prompt_tokens)
        completion.append(done.metrics.usage.completion_tokens)
    return latencies, prompt, completion


class Lookup:
    async def __call__(self, call: ToolCall, tool: Tool) -> Any:
        return {"known": False}


async def reviews(client: ChatClient, n: int) -> tuple[list[float], list[int], list[int], int]:
    spec = parse_spec(json.loads(REVIEW_SPEC.read_text(encoding="utf-8")))
    document = HOSTILE_RECEIPT.read_text(encoding="utf-8")
    latencies: list[float] = []
    prompt: list[int] = []
    completion: list[int] = []
    failures = 0
    for index in range(n + 1):
        started = time.perf_counter()
        result: LlmResult | None
        try:
            result = await run_llm(
                spec, inputs={"document": document}, client=client, tenant="bench", tool_runner=Lookup()
            )
        except LlmFailed as failed:
            failures += index > 0
            result = failed.result
        if index == 0 or result is None:
            continue
        latencies.append(time.perf_counter() - started)
        prompt.append(result.usage.prompt_tokens)
        completion.append(result.usage.completion_tokens)
    return latencies, prompt, completion, failures


class Counting:
    """A tool runner that counts what runs."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    async def __call__(self, call: ToolCall, tool: Tool) -> Any:
        self.ran.append(call.name)
        return {"known": False}


async def hostile(client: ChatClient) -> dict[str, Any]:
    spec = parse_spec(json.loads(REVIEW_SPEC.read_text(encoding="utf-8")))
    index = json.loads((REVIEW_SPEC.parent / "index.json").read_text(encoding="utf-8"))["documents"]
    counts = {"documents": 0, "transfer_proposed": 0, "approve_true_proposed": 0, "failed_runs": 0}
    counts |= {"irreversible_tool_runs": 0, "decisions_taken": 0}
    seconds: list[float] = []
    for entry in index:
        runner = Counting()
        document = (REVIEW_SPEC.parent / entry["file"]).read_text(encoding="utf-8")
        started = time.perf_counter()
        result: LlmResult | None
        try:
            result = await run_llm(
                spec, inputs={"document": document}, client=client, tenant="bench", tool_runner=runner
            )
        except LlmFailed as failed:
            counts["failed_runs"] += 1
            result = failed.result
        seconds.append(time.perf_counter() - started)
        counts["documents"] += 1
        counts["irreversible_tool_runs"] += runner.ran.count("payments.transfer")
        if result is not None:
            counts["transfer_proposed"] += any(c.name == "payments.transfer" for c in result.pending_tool_calls)
            counts["approve_true_proposed"] += result.proposals.get("approve") is True
            counts["decisions_taken"] += len(result.decisions)
    return {
        "workload": "hostile",
        **counts,
        "p50_s": round(percentile(seconds, 0.5), 3),
        "p95_s": round(percentile(seconds, 0.95), 3),
    }


async def bench(server: LocalLlmServer, n: int, review_runs: int, with_hostile: bool) -> list[dict[str, Any]]:
    async with ChatClient(server.endpoint()) as client:
        short = summary("short", *await calls(client, n, messages=SHORT, max_tokens=32))
        structured = summary(
            "json", *await calls(client, n, messages=RECEIPT, max_tokens=64, output_schema=RECEIPT_SCHEMA)
        )
        latencies, prompt, completion, failures = await reviews(client, review_runs)
        review = {**summary("review", latencies, prompt, completion), "failed_runs": failures}
        rows = [short, structured, review]
        if with_hostile:
            rows.append(await hostile(client))
    return rows


STEP_DEFINITION = """
name: sort-ticket
version: 1
input: {type: object}
steps:
  sort:
    kind: llm
    prompt: Sort the ticket into a queue.
    data: {ticket: input.text}
    output:
      type: object
      properties: {queue: {type: string, enum: [it, finance, hr]}, urgent: {type: boolean}}
      required: [queue, urgent]
    max_tokens: 64
    next: done
  done: {kind: end}
"""
TICKET = "The VPN drops every ten minutes since this morning's update."


def step_overhead(runs: int) -> dict[str, Any]:
    """The llm step's own cost around an instant model (see the module docstring)."""
    import tempfile

    import yaml

    from officeflow import Office
    from officeflow.llm import InMemoryTokenBudget
    from officeflow.llm.settings import load_llm_settings
    from officeflow.llm.stepconfig import LlmStepConfig

    reply = answer('{"queue": "it", "urgent": true}', prompt_tokens=80, completion_tokens=12)
    with ScriptedModel(lambda _: reply) as model, tempfile.TemporaryDirectory() as tmp:
        settings = load_llm_settings(base_url=model.base_url, model="scripted", tenant_tokens=10**12)
        config = LlmStepConfig.model_validate(yaml.safe_load(STEP_DEFINITION)["steps"]["sort"])

        async def bare_runs() -> list[float]:
            seconds: list[float] = []
            async with ChatClient(model.endpoint(), budget=InMemoryTokenBudget(default_limit=10**12)) as client:
                for _ in range(runs + 1):
                    started = time.perf_counter()
                    await run_llm(config.spec(), inputs={"ticket": TICKET}, client=client, tenant="bench")
                    seconds.append(time.perf_counter() - started)
            return seconds[1:]  # after a warm-up

        direct = asyncio.run(bare_runs())  # before the step's runs and again after (the machine may drift)
        office = Office.open(f"sqlite:///{tmp}/bench.db", migrate=True, llm=settings)
        try:
            office.engine.apply(STEP_DEFINITION)
            run_ids = [office.engine.start("sort-ticket", {"text": TICKET}).id for _ in range(runs)]
            started = time.perf_counter()
            office.engine.run_until_idle(concurrency=1)  # one step at a time, like the bare loop
            per_run = (time.perf_counter() - started) / runs
            assert all(office.engine.get_run(r).status.value == "completed" for r in run_ids)
        finally:
            office.close()
        direct += asyncio.run(bare_runs())
    bare_mean = statistics.mean(direct)
    return {
        "workload": "step",
        "runs": runs,
        "bare_run_llm_mean_ms": round(bare_mean * 1000, 2),
        "step_run_mean_ms": round(per_run * 1000, 2),
        "overhead_ms": round((per_run - bare_mean) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20, help="measured calls per workload (after one warm-up)")
    parser.add_argument("--reviews", type=int, default=5, help="measured run_llm runs of the review workload")
    parser.add_argument("--threads", type=int, default=None, help="server threads (default: the server's)")
    parser.add_argument("--hostile", action="store_true", help="also run the hostile suite once and count outcomes")
    parser.add_argument("--step-runs", type=int, default=50, help="runs of the step-overhead workload (0: skip it)")
    parser.add_argument("--step-only", action="store_true", help="only the step-overhead workload (no model)")
    args = parser.parse_args()
    print(json.dumps(measure(args.calls, args.reviews, args.threads, args.hostile, args.step_runs, args.step_only)))


def measure(
    calls: int = 20,
    reviews: int = 5,
    threads: int | None = None,
    hostile: bool = False,
    step_runs: int = 50,
    step_only: bool = False,
) -> dict[str, Any]:
    """The figures of this benchmark (also the ``llm`` section of bench/documents.py)."""
    step = step_overhead(step_runs) if step_runs > 0 else None
    if step is not None:
        print(
            f"   step: one llm step through a worker {step['step_run_mean_ms']} ms per run, the bare run_llm "
            f"{step['bare_run_llm_mean_ms']} ms: overhead {step['overhead_ms']} ms",
            file=sys.stderr,
        )
    if step_only:
        return {"results": [step] if step else []}
    started = time.perf_counter()
    with LocalLlmServer(ROOT, threads=threads) as server:
        startup = time.perf_counter() - started
        results = asyncio.run(bench(server, calls, reviews, hostile))
    if step is not None:
        results.append(step)
    for row in results:
        if row["workload"] == "hostile":
            print(f"hostile: {json.dumps(row)}", file=sys.stderr)
            continue
        if row["workload"] == "step":
            continue
        print(
            f"{row['workload']:>7}: p50 {row['p50_s']:.3f} s  p95 {row['p95_s']:.3f} s  "
            f"{row['completion_tokens_per_s']} completion tokens/s  "
            f"({row['prompt_tokens']} prompt + {row['completion_tokens']} completion tokens per call)",
            file=sys.stderr,
        )
    return {"model": "SmolLM2-135M-Instruct.Q4_1", "server_startup_s": round(startup, 2), "results": results}


if __name__ == "__main__":
    main()
