"""A step kind written outside the package, as a user would: ``countdown``.

```yaml
launch:
  kind: countdown
  ticks: 3        # how many times it ticks
  every: 10s      # between ticks
  next: go
```

Entered, it writes a row in a table of its own (``countdowns``), schedules a job of its own kind
(``countdown.tick``) and makes the run wait. Each tick counts down in its table and writes history;
the last one completes the step with ``{"ticks": n}``. When the run ends, its rows are deleted. An
operator who skips the step drops its pending tick. It reaches the run only through the port
(officeflow.steps.port) and its table only through ``port.tx.execute``.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import sqlalchemy as sa
from pydantic import Field

from officeflow.steps import ControlKind, StepConfig, StepPort, step_kind
from officeflow.steps.base import Duration, Edge, StepId
from officeflow.steps.port import RunEnd, RunPort
from officeflow.store.records import Job
from officeflow.store.tx import Tx

TICK = "countdown.tick"

countdowns = sa.Table(
    "countdowns",
    sa.MetaData(),
    sa.Column("run_id", sa.Text, nullable=False),
    sa.Column("step_id", sa.Text, nullable=False),
    sa.Column("iteration", sa.Integer, nullable=False),
    sa.Column("remaining", sa.Integer, nullable=False),
    sa.Column("job_id", sa.Text),
    sa.PrimaryKeyConstraint("run_id", "step_id", "iteration"),
)


def create_table(tx: Tx) -> None:
    """Create the kind's table (the kind's owner does this once, like a migration of its own)."""
    tx.execute(sa.schema.CreateTable(countdowns, if_not_exists=True))
    tx.execute(sa.delete(countdowns))


def drop_table(tx: Tx) -> None:
    tx.execute(sa.schema.DropTable(countdowns, if_exists=True))


def rows(tx: Tx) -> list[dict[str, object]]:
    return tx.execute(sa.select(countdowns).order_by(countdowns.c.run_id)).mappings()


class CountdownConfig(StepConfig):
    kind: Literal["countdown"]
    ticks: int = Field(ge=1, le=100)
    every: Duration
    next: StepId | None = None

    def edges(self) -> list[Edge]:
        return [Edge(self.next, ("next",))] if self.next else []


def _here(port: StepPort) -> sa.ColumnElement[bool]:
    return sa.and_(
        countdowns.c.run_id == port.run_id,
        countdowns.c.step_id == port.step_id,
        countdowns.c.iteration == port.iteration,
    )


@step_kind("countdown")
class Countdown(ControlKind):
    """Ticks ``ticks`` times, ``every`` apart, then goes on; see the module docstring."""

    config = CountdownConfig
    job_kinds: ClassVar[tuple[str, ...]] = (TICK,)

    def enter(self, step: CountdownConfig, port: StepPort) -> None:
        job_id = port.schedule(TICK, port.now + step.every)
        port.tx.execute(
            sa.insert(countdowns).values(
                run_id=port.run_id,
                step_id=port.step_id,
                iteration=port.iteration,
                remaining=step.ticks,
                job_id=job_id,
            )
        )
        port.wait(f"countdown:{port.step_id}:{port.iteration}")
        port.history("countdown_started", {"ticks": step.ticks})

    def job_fired(self, step: CountdownConfig, job: Job, port: StepPort) -> None:
        found = port.tx.execute(sa.select(countdowns.c.remaining).where(_here(port))).rows
        if not found:
            return  # skipped or ended meanwhile
        remaining = int(found[0][0]) - 1
        port.history("countdown_tick", {"remaining": remaining})
        next_job = port.schedule(TICK, port.now + step.every) if remaining > 0 else None
        port.tx.execute(sa.update(countdowns).where(_here(port)).values(remaining=remaining, job_id=next_job))
        if remaining == 0:
            port.end_wait()
            port.complete({"ticks": step.ticks})

    def skipped(self, step: CountdownConfig, port: StepPort) -> None:
        found = port.tx.execute(sa.select(countdowns.c.job_id).where(_here(port))).rows
        if found and found[0][0]:
            port.unschedule(str(found[0][0]))
        port.tx.execute(sa.delete(countdowns).where(_here(port)))

    def run_ended(self, port: RunPort, reason: RunEnd) -> None:
        port.tx.execute(sa.delete(countdowns).where(countdowns.c.run_id == port.run_id))
