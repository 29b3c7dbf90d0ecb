"""llm steps: each tenant's token budget and usage per window, and the irreversible tool calls a person
approved (claimed before they run, finished with their result, so that a call runs once).

The usage row of a (tenant, window) is changed by single statements whose ``WHERE`` carries the limit,
so two workers reserving at once cannot both pass a limit that covers one of them (on PostgreSQL the
row lock orders them; SQLite runs one writer at a time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from officeflow.jsonutil import dumps
from officeflow.store import schema
from officeflow.store.codec import JSON, JSON_VALUE
from officeflow.store.rowmap import RowMap
from officeflow.store.tx_base import TxBase

TOOL_STARTED = "started"
TOOL_DONE = "done"
TOOL_FAILED = "failed"


@dataclass(frozen=True, kw_only=True, slots=True)
class LlmUsageRow:
    tenant: str
    window_start: float
    used: int
    held: int
    calls: int
    updated_at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class LlmBudgetRow:
    """A tenant's own limit (``tokens`` None: unlimited), and who set it when."""

    tenant: str
    tokens: int | None
    updated_at: float
    updated_by: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class LlmToolRunRow:
    run_id: str
    step_id: str
    iteration: int
    call_id: str
    tenant: str
    tool: str
    arguments: Any
    status: str
    result: Any
    error: str | None
    approved_by: str | None
    started_at: float
    finished_at: float | None


BUDGETS = RowMap(schema.llm_budgets, LlmBudgetRow)
USAGE = RowMap(schema.llm_usage, LlmUsageRow)
TOOL_RUNS = RowMap(schema.llm_tool_runs, LlmToolRunRow, codecs={"arguments": JSON_VALUE, "result": JSON})

_PUT_BUDGET = BUDGETS.upsert(("tenant",))
_OPEN_WINDOW = USAGE.insert("ON CONFLICT (tenant, window_start) DO NOTHING")
_CLAIM_TOOL_RUN = TOOL_RUNS.insert("ON CONFLICT (run_id, step_id, iteration, call_id) DO NOTHING")


class LlmMixin(TxBase):
    # Budgets

    def llm_budget(self, tenant: str) -> tuple[bool, int | None]:
        """(whether the tenant has a limit of its own, that limit: None means unlimited)."""
        row = self._one("SELECT tokens FROM of_llm_budgets WHERE tenant = :t", {"t": tenant})
        return (False, None) if row is None else (True, None if row[0] is None else int(row[0]))

    def llm_budget_row(self, tenant: str) -> LlmBudgetRow | None:
        """The tenant's own limit with who set it when; None when it has none (the setting's applies)."""
        row = self._one(f"SELECT {BUDGETS.select} FROM of_llm_budgets WHERE tenant = :t", {"t": tenant})
        return None if row is None else BUDGETS.load(row)

    def set_llm_budget(self, tenant: str, tokens: int | None, now: float, by: str | None) -> None:
        """Give ``tenant`` a token limit of its own (None: unlimited) per window."""
        self._exec(
            _PUT_BUDGET, BUDGETS.params(LlmBudgetRow(tenant=tenant, tokens=tokens, updated_at=now, updated_by=by))
        )

    def clear_llm_budget(self, tenant: str) -> bool:
        """Back to the setting's limit; False when the tenant had none of its own."""
        return bool(self._exec("DELETE FROM of_llm_budgets WHERE tenant = :t", {"t": tenant}).rowcount)

    def llm_usage(self, tenant: str, window_start: float) -> LlmUsageRow | None:
        row = self._one(
            f"SELECT {USAGE.select} FROM of_llm_usage WHERE tenant = :t AND window_start = :w",
            {"t": tenant, "w": window_start},
        )
        return None if row is None else USAGE.load(row)

    def llm_reserve(self, tenant: str, window_start: float, tokens: int, limit: int | None, now: float) -> bool:
        """Hold ``tokens`` in the window when ``limit`` (None: unlimited) still covers them."""
        empty = LlmUsageRow(tenant=tenant, window_start=window_start, used=0, held=0, calls=0, updated_at=now)
        self._exec(_OPEN_WINDOW, USAGE.params(empty))
        params: dict[str, Any] = {"t": tenant, "w": window_start, "n": tokens, "now": now}
        condition = ""
        if limit is not None:
            condition = " AND used + held + :n <= :limit"
            params["limit"] = limit
        changed = self._exec(
            "UPDATE of_llm_usage SET held = held + :n, updated_at = :now "
            "WHERE tenant = :t AND window_start = :w" + condition,
            params,
        ).rowcount
        return bool(changed)

    def llm_settle(self, tenant: str, window_start: float, held: int, used: int, now: float) -> None:
        """Release what a call held and count what it used (in the window it reserved in)."""
        self._exec(
            "UPDATE of_llm_usage SET held = CASE WHEN held > :h THEN held - :h ELSE 0 END, used = used + :u, "
            "calls = calls + 1, updated_at = :now WHERE tenant = :t AND window_start = :w",
            {"t": tenant, "w": window_start, "h": held, "u": max(0, used), "now": now},
        )

    # Approved tool calls

    def claim_llm_tool_run(
        self,
        *,
        run_id: str,
        step_id: str,
        iteration: int,
        call_id: str,
        tenant: str,
        tool: str,
        arguments: Any,
        approved_by: str | None,
        now: float,
    ) -> LlmToolRunRow | None:
        """Record that an approved call starts; None when it may run (new, or it raised last time),
        else the row already there (it ran, or it started and never finished: it may have run)."""
        started = LlmToolRunRow(
            run_id=run_id,
            step_id=step_id,
            iteration=iteration,
            call_id=call_id,
            tenant=tenant,
            tool=tool,
            arguments=arguments,
            status=TOOL_STARTED,
            result=None,
            error=None,
            approved_by=approved_by,
            started_at=now,
            finished_at=None,
        )
        inserted = self._exec(_CLAIM_TOOL_RUN, TOOL_RUNS.params(started)).rowcount
        if inserted:
            return None
        retried = self._exec(
            "UPDATE of_llm_tool_runs SET status = :st, error = NULL, started_at = :now, finished_at = NULL "
            "WHERE run_id = :r AND step_id = :s AND iteration = :i AND call_id = :c AND status = :failed",
            {
                "r": run_id,
                "s": step_id,
                "i": iteration,
                "c": call_id,
                "st": TOOL_STARTED,
                "failed": TOOL_FAILED,
                "now": now,
            },
        ).rowcount
        if retried:
            return None  # it raised last time: the step's retry policy runs it again
        return self.llm_tool_run(run_id, step_id, iteration, call_id)

    def finish_llm_tool_run(
        self, run_id: str, step_id: str, iteration: int, call_id: str, *, result: Any, error: str | None, now: float
    ) -> None:
        self._exec(
            "UPDATE of_llm_tool_runs SET status = :st, result = :res, error = :e, finished_at = :now "
            "WHERE run_id = :r AND step_id = :s AND iteration = :i AND call_id = :c",
            {
                "r": run_id,
                "s": step_id,
                "i": iteration,
                "c": call_id,
                "st": TOOL_FAILED if error is not None else TOOL_DONE,
                "res": None if error is not None else dumps(result),
                "e": error,
                "now": now,
            },
        )

    def llm_tool_run(self, run_id: str, step_id: str, iteration: int, call_id: str) -> LlmToolRunRow | None:
        row = self._one(
            f"SELECT {TOOL_RUNS.select} FROM of_llm_tool_runs "
            "WHERE run_id = :r AND step_id = :s AND iteration = :i AND call_id = :c",
            {"r": run_id, "s": step_id, "i": iteration, "c": call_id},
        )
        return None if row is None else TOOL_RUNS.load(row)

    def llm_tool_runs(self, run_id: str) -> list[LlmToolRunRow]:
        rows = self._all(
            f"SELECT {TOOL_RUNS.select} FROM of_llm_tool_runs WHERE run_id = :r ORDER BY started_at, call_id",
            {"r": run_id},
        )
        return TOOL_RUNS.load_all(rows)

    def delete_llm_tool_runs(self, run_id: str) -> int:
        return int(self._exec("DELETE FROM of_llm_tool_runs WHERE run_id = :r", {"r": run_id}).rowcount)
