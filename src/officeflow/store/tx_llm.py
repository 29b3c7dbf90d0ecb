"""llm steps: each tenant's token budget and usage per window, and the irreversible tool calls a person
approved (claimed before they run, finished with their result, so that a call runs once).

The usage row of a (tenant, window) is changed by single statements whose ``WHERE`` carries the limit,
so two workers reserving at once cannot both pass a limit that covers one of them (on PostgreSQL the
row lock orders them; SQLite runs one writer at a time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from officeflow.jsonutil import dumps, loads
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


_TOOL_COLUMNS = (
    "run_id, step_id, iteration, call_id, tenant, tool, arguments, status, result, error, approved_by, "
    "started_at, finished_at"
)


class LlmMixin(TxBase):
    # Budgets

    def llm_budget(self, tenant: str) -> tuple[bool, int | None]:
        """(whether the tenant has a limit of its own, that limit: None means unlimited)."""
        row = self._one("SELECT tokens FROM of_llm_budgets WHERE tenant = :t", {"t": tenant})
        return (False, None) if row is None else (True, None if row[0] is None else int(row[0]))

    def llm_budget_row(self, tenant: str) -> LlmBudgetRow | None:
        """The tenant's own limit with who set it when; None when it has none (the setting's applies)."""
        row = self._one(
            "SELECT tenant, tokens, updated_at, updated_by FROM of_llm_budgets WHERE tenant = :t", {"t": tenant}
        )
        if row is None:
            return None
        return LlmBudgetRow(
            tenant=row[0],
            tokens=None if row[1] is None else int(row[1]),
            updated_at=float(row[2]),
            updated_by=row[3],
        )

    def set_llm_budget(self, tenant: str, tokens: int | None, now: float, by: str | None) -> None:
        """Give ``tenant`` a token limit of its own (None: unlimited) per window."""
        self._exec(
            "INSERT INTO of_llm_budgets (tenant, tokens, updated_at, updated_by) VALUES (:t, :n, :now, :by) "
            "ON CONFLICT (tenant) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at, "
            "updated_by = excluded.updated_by",
            {"t": tenant, "n": tokens, "now": now, "by": by},
        )

    def clear_llm_budget(self, tenant: str) -> bool:
        """Back to the setting's limit; False when the tenant had none of its own."""
        return bool(self._exec("DELETE FROM of_llm_budgets WHERE tenant = :t", {"t": tenant}).rowcount)

    def llm_usage(self, tenant: str, window_start: float) -> LlmUsageRow | None:
        row = self._one(
            "SELECT tenant, window_start, used, held, calls, updated_at FROM of_llm_usage "
            "WHERE tenant = :t AND window_start = :w",
            {"t": tenant, "w": window_start},
        )
        if row is None:
            return None
        return LlmUsageRow(
            tenant=row[0],
            window_start=float(row[1]),
            used=int(row[2]),
            held=int(row[3]),
            calls=int(row[4]),
            updated_at=float(row[5]),
        )

    def llm_reserve(self, tenant: str, window_start: float, tokens: int, limit: int | None, now: float) -> bool:
        """Hold ``tokens`` in the window when ``limit`` (None: unlimited) still covers them."""
        self._exec(
            "INSERT INTO of_llm_usage (tenant, window_start, used, held, calls, updated_at) "
            "VALUES (:t, :w, 0, 0, 0, :now) ON CONFLICT (tenant, window_start) DO NOTHING",
            {"t": tenant, "w": window_start, "now": now},
        )
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
        inserted = self._exec(
            f"INSERT INTO of_llm_tool_runs ({_TOOL_COLUMNS}) "
            "VALUES (:r, :s, :i, :c, :t, :tool, :a, :st, NULL, NULL, :by, :now, NULL) "
            "ON CONFLICT (run_id, step_id, iteration, call_id) DO NOTHING",
            {
                "r": run_id,
                "s": step_id,
                "i": iteration,
                "c": call_id,
                "t": tenant,
                "tool": tool,
                "a": dumps(arguments),
                "st": TOOL_STARTED,
                "by": approved_by,
                "now": now,
            },
        ).rowcount
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
            f"SELECT {_TOOL_COLUMNS} FROM of_llm_tool_runs "
            "WHERE run_id = :r AND step_id = :s AND iteration = :i AND call_id = :c",
            {"r": run_id, "s": step_id, "i": iteration, "c": call_id},
        )
        return None if row is None else _tool_run(row)

    def llm_tool_runs(self, run_id: str) -> list[LlmToolRunRow]:
        rows = self._all(
            f"SELECT {_TOOL_COLUMNS} FROM of_llm_tool_runs WHERE run_id = :r ORDER BY started_at, call_id",
            {"r": run_id},
        )
        return [_tool_run(row) for row in rows]

    def delete_llm_tool_runs(self, run_id: str) -> int:
        return int(self._exec("DELETE FROM of_llm_tool_runs WHERE run_id = :r", {"r": run_id}).rowcount)


def _tool_run(row: tuple[Any, ...]) -> LlmToolRunRow:
    return LlmToolRunRow(
        run_id=row[0],
        step_id=row[1],
        iteration=int(row[2]),
        call_id=row[3],
        tenant=row[4],
        tool=row[5],
        arguments=loads(row[6]),
        status=row[7],
        result=None if row[8] is None else loads(row[8]),
        error=row[9],
        approved_by=row[10],
        started_at=float(row[11]),
        finished_at=None if row[12] is None else float(row[12]),
    )
