"""Where runs wait: signal and child waits, parallel joins, and signals sent ahead of a wait."""

from __future__ import annotations

from typing import Any

from officeflow.jsonutil import dumps
from officeflow.store.codec import scope_text
from officeflow.store.records import JOINS, SIGNALS, WAITS, Join, Scope, Signal, Wait
from officeflow.store.tx_base import TxBase


class PositionsMixin(TxBase):
    # Waits

    def insert_wait(self, wait: Wait) -> None:
        self._exec(WAITS.insert(), WAITS.params(wait))

    def get_wait(self, run_id: str, step_id: str, iteration: int) -> Wait | None:
        row = self._one(
            f"SELECT {WAITS.select} FROM of_waits WHERE run_id = :r AND step_id = :s AND iteration = :i",
            {"r": run_id, "s": step_id, "i": iteration},
        )
        return WAITS.load(row) if row else None

    def signal_wait(self, run_id: str, signal: str) -> Wait | None:
        """The oldest wait of the run for ``signal``."""
        row = self._one(
            f"SELECT {WAITS.select} FROM of_waits WHERE run_id = :r AND kind = 'signal' AND signal = :n "
            "ORDER BY created_at LIMIT 1",
            {"r": run_id, "n": signal},
        )
        return WAITS.load(row) if row else None

    def child_wait(self, child_run_id: str) -> Wait | None:
        row = self._one(f"SELECT {WAITS.select} FROM of_waits WHERE child_run_id = :c", {"c": child_run_id})
        return WAITS.load(row) if row else None

    def waits_of_run(self, run_id: str) -> list[Wait]:
        rows = self._all(
            f"SELECT {WAITS.select} FROM of_waits WHERE run_id = :r ORDER BY created_at",
            {"r": run_id},
        )
        return WAITS.load_all(rows)

    def delete_wait(self, run_id: str, step_id: str, iteration: int) -> bool:
        return (
            self._count(
                "DELETE FROM of_waits WHERE run_id = :r AND step_id = :s AND iteration = :i",
                {"r": run_id, "s": step_id, "i": iteration},
            )
            == 1
        )

    def move_wait(self, wait: Wait, step_id: str, scope: Scope) -> None:
        self._exec(
            "UPDATE of_waits SET step_id = :new, scope = :scope WHERE run_id = :r AND step_id = :s AND iteration = :i",
            {
                "r": wait.run_id,
                "s": wait.step_id,
                "i": wait.iteration,
                "new": step_id,
                "scope": scope_text(scope),
            },
        )

    def insert_join(self, run_id: str, step_id: str, iteration: int, scope: Scope, branches: int) -> None:
        join = Join(run_id=run_id, step_id=step_id, iteration=iteration, scope=scope, remaining=branches, outputs={})
        self._exec(JOINS.insert(), JOINS.params(join))

    def join_arrive(
        self, run_id: str, step_id: str, iteration: int, branch: str, output: Any
    ) -> tuple[int, dict[str, Any]] | None:
        """Record that ``branch`` ended with ``output``; returns (branches still running, outputs so far).
        The caller holds the run's lock, so read-then-write is safe."""
        row = self._one(
            f"SELECT {JOINS.select} FROM of_joins WHERE run_id = :r AND step_id = :s AND iteration = :i",
            {"r": run_id, "s": step_id, "i": iteration},
        )
        if row is None:
            return None
        join = JOINS.load(row)
        if branch in join.outputs:
            return join.remaining, join.outputs
        outputs = {**join.outputs, branch: output}
        remaining = join.remaining - 1
        self._exec(
            "UPDATE of_joins SET remaining = :n, outputs = :o WHERE run_id = :r AND step_id = :s AND iteration = :i",
            {"r": run_id, "s": step_id, "i": iteration, "n": remaining, "o": dumps(outputs)},
        )
        return remaining, outputs

    def joins_of_run(self, run_id: str) -> list[tuple[str, int, Scope, int]]:
        """(step id, iteration, scope, branches still running) of each of the run's joins."""
        rows = self._all(f"SELECT {JOINS.select} FROM of_joins WHERE run_id = :r", {"r": run_id})
        return [(join.step_id, join.iteration, join.scope, join.remaining) for join in JOINS.load_all(rows)]

    def move_join(self, run_id: str, step_id: str, iteration: int, new_step: str, scope: Scope) -> None:
        self._exec(
            "UPDATE of_joins SET step_id = :new, scope = :scope WHERE run_id = :r AND step_id = :s AND iteration = :i",
            {
                "r": run_id,
                "s": step_id,
                "i": iteration,
                "new": new_step,
                "scope": scope_text(scope),
            },
        )

    def delete_join(self, run_id: str, step_id: str, iteration: int) -> None:
        self._exec(
            "DELETE FROM of_joins WHERE run_id = :r AND step_id = :s AND iteration = :i",
            {"r": run_id, "s": step_id, "i": iteration},
        )

    def insert_signal(self, signal: Signal, tenant: str) -> None:
        self._exec(SIGNALS.insert(also=("tenant",)), {**SIGNALS.params(signal), "tenant": tenant})

    def take_signal(self, run_id: str, name: str) -> Signal | None:
        """Remove and return the oldest buffered signal ``name`` of the run."""
        row = self._one(
            f"SELECT {SIGNALS.select} FROM of_signals WHERE run_id = :r AND name = :n ORDER BY created_at, id LIMIT 1",
            {"r": run_id, "n": name},
        )
        if row is None:
            return None
        signal = SIGNALS.load(row)
        self._exec("DELETE FROM of_signals WHERE id = :id", {"id": signal.id})
        return signal

    def buffered_signals(self, run_id: str) -> list[Signal]:
        rows = self._all(
            f"SELECT {SIGNALS.select} FROM of_signals WHERE run_id = :r ORDER BY created_at, id", {"r": run_id}
        )
        return SIGNALS.load_all(rows)
