"""Where runs wait: signal and child waits, parallel joins, and signals sent ahead of a wait."""

from __future__ import annotations

from typing import Any

from officeflow.jsonutil import dumps, loads
from officeflow.store.codec import json_or_none, scope_of, scope_text
from officeflow.store.records import Scope, Signal, Wait
from officeflow.store.tx_base import TxBase

WAIT_COLUMNS = (
    "run_id, step_id, iteration, tenant, scope, kind, signal, child_run_id, timeout_job_id, deadline, created_at"
)


def wait_of(row: tuple[Any, ...]) -> Wait:
    return Wait(
        run_id=row[0],
        step_id=row[1],
        iteration=row[2],
        tenant=row[3],
        scope=scope_of(row[4]),
        kind=row[5],
        signal=row[6],
        child_run_id=row[7],
        timeout_job_id=row[8],
        deadline=row[9],
        created_at=row[10],
    )


class PositionsMixin(TxBase):
    # Waits

    def insert_wait(self, wait: Wait) -> None:
        self._exec(
            f"INSERT INTO of_waits ({WAIT_COLUMNS}) VALUES (:run_id, :step_id, :iteration, :tenant, :scope, "
            ":kind, :signal, :child, :timeout_job, :deadline, :created_at)",
            {
                "run_id": wait.run_id,
                "step_id": wait.step_id,
                "iteration": wait.iteration,
                "tenant": wait.tenant,
                "scope": scope_text(wait.scope),
                "kind": wait.kind,
                "signal": wait.signal,
                "child": wait.child_run_id,
                "timeout_job": wait.timeout_job_id,
                "deadline": wait.deadline,
                "created_at": wait.created_at,
            },
        )

    def get_wait(self, run_id: str, step_id: str, iteration: int) -> Wait | None:
        row = self._one(
            f"SELECT {WAIT_COLUMNS} FROM of_waits WHERE run_id = :r AND step_id = :s AND iteration = :i",
            {"r": run_id, "s": step_id, "i": iteration},
        )
        return wait_of(row) if row else None

    def signal_wait(self, run_id: str, signal: str) -> Wait | None:
        """The oldest wait of the run for ``signal``."""
        row = self._one(
            f"SELECT {WAIT_COLUMNS} FROM of_waits WHERE run_id = :r AND kind = 'signal' AND signal = :n "
            "ORDER BY created_at LIMIT 1",
            {"r": run_id, "n": signal},
        )
        return wait_of(row) if row else None

    def child_wait(self, child_run_id: str) -> Wait | None:
        row = self._one(f"SELECT {WAIT_COLUMNS} FROM of_waits WHERE child_run_id = :c", {"c": child_run_id})
        return wait_of(row) if row else None

    def waits_of_run(self, run_id: str) -> list[Wait]:
        rows = self._all(
            f"SELECT {WAIT_COLUMNS} FROM of_waits WHERE run_id = :r ORDER BY created_at",
            {"r": run_id},
        )
        return [wait_of(r) for r in rows]

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
        self._exec(
            "INSERT INTO of_joins (run_id, step_id, iteration, scope, remaining, outputs) "
            "VALUES (:r, :s, :i, :scope, :n, '{}')",
            {"r": run_id, "s": step_id, "i": iteration, "scope": scope_text(scope), "n": branches},
        )

    def join_arrive(
        self, run_id: str, step_id: str, iteration: int, branch: str, output: Any
    ) -> tuple[int, dict[str, Any]] | None:
        """Record that ``branch`` ended with ``output``; returns (branches still running, outputs so far).
        The caller holds the run's lock, so read-then-write is safe."""
        row = self._one(
            "SELECT remaining, outputs FROM of_joins WHERE run_id = :r AND step_id = :s AND iteration = :i",
            {"r": run_id, "s": step_id, "i": iteration},
        )
        if row is None:
            return None
        outputs: dict[str, Any] = loads(row[1])
        if branch in outputs:
            return int(row[0]), outputs
        outputs[branch] = output
        remaining = int(row[0]) - 1
        self._exec(
            "UPDATE of_joins SET remaining = :n, outputs = :o WHERE run_id = :r AND step_id = :s AND iteration = :i",
            {"r": run_id, "s": step_id, "i": iteration, "n": remaining, "o": dumps(outputs)},
        )
        return remaining, outputs

    def joins_of_run(self, run_id: str) -> list[tuple[str, int, Scope, int]]:
        rows = self._all(
            "SELECT step_id, iteration, scope, remaining FROM of_joins WHERE run_id = :r",
            {"r": run_id},
        )
        return [(r[0], r[1], scope_of(r[2]), r[3]) for r in rows]

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
        self._exec(
            "INSERT INTO of_signals (id, run_id, tenant, name, payload, created_at, sender) "
            "VALUES (:id, :r, :tenant, :name, :payload, :at, :sender)",
            {
                "id": signal.id,
                "r": signal.run_id,
                "tenant": tenant,
                "name": signal.name,
                "payload": dumps(signal.payload),
                "at": signal.created_at,
                "sender": signal.sender,
            },
        )

    def take_signal(self, run_id: str, name: str) -> Signal | None:
        """Remove and return the oldest buffered signal ``name`` of the run."""
        row = self._one(
            "SELECT id, run_id, name, payload, created_at, sender FROM of_signals "
            "WHERE run_id = :r AND name = :n ORDER BY created_at, id LIMIT 1",
            {"r": run_id, "n": name},
        )
        if row is None:
            return None
        self._exec("DELETE FROM of_signals WHERE id = :id", {"id": row[0]})
        return Signal(
            id=row[0],
            run_id=row[1],
            name=row[2],
            payload=json_or_none(row[3]),
            created_at=row[4],
            sender=row[5],
        )

    def buffered_signals(self, run_id: str) -> list[Signal]:
        rows = self._all(
            "SELECT id, run_id, name, payload, created_at, sender FROM of_signals WHERE run_id = :r "
            "ORDER BY created_at, id",
            {"r": run_id},
        )
        return [
            Signal(
                id=r[0],
                run_id=r[1],
                name=r[2],
                payload=json_or_none(r[3]),
                created_at=r[4],
                sender=r[5],
            )
            for r in rows
        ]
