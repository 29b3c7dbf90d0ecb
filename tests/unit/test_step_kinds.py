"""The step-kind protocol's pure parts: the registry's job-kind ownership and the migration checks
each kind makes (``wait`` carries its signal over, ``human`` refuses lost outcomes)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import pytest

from officeflow.errors import ConfigurationError
from officeflow.kinds import BUILTIN_KINDS
from officeflow.steps import ControlKind, Position, StepConfig, step_kind
from officeflow.steps.control import WaitConfig
from officeflow.steps.registry import Registry
from officeflow.store.records import Job, JobStatus, Wait
from officeflow.tasks.human import HumanConfig
from officeflow.tasks.kind import Human


class PingConfig(StepConfig):
    kind: Literal["ping"]


@step_kind("ping")
class Ping(ControlKind):
    config = PingConfig
    job_kinds: ClassVar[tuple[str, ...]] = ("ping.echo",)


class PongConfig(StepConfig):
    kind: Literal["pong"]


@step_kind("pong")
class Pong(ControlKind):
    config = PongConfig
    job_kinds: ClassVar[tuple[str, ...]] = ("ping.echo",)


class TimerThiefConfig(StepConfig):
    kind: Literal["thief"]


@step_kind("thief")
class TimerThief(ControlKind):
    config = TimerThiefConfig
    job_kinds: ClassVar[tuple[str, ...]] = ("timer",)


def test_the_registry_maps_each_job_kind_to_the_kind_that_owns_it() -> None:
    registry = Registry([Ping], kinds=BUILTIN_KINDS)
    owner = registry.job_owner("ping.echo")
    assert owner is not None
    assert owner.name == "ping"
    human = registry.job_owner("task_sla")
    assert human is not None
    assert human.name == "human"
    assert registry.job_owner("timer") is None  # the engine's own
    assert registry.job_owner("nobody.s") is None


def test_two_owners_of_one_job_kind_are_refused() -> None:
    with pytest.raises(
        ConfigurationError, match=r"job kind 'ping\.echo' is owned by two step kinds: 'ping' and 'pong'"
    ):
        Registry([Ping, Pong])


def test_a_kind_cannot_own_one_of_the_engine_s_job_kinds() -> None:
    with pytest.raises(
        ConfigurationError, match="step kind 'thief' claims job kind 'timer', which is the engine's own"
    ):
        Registry([TimerThief])


def test_only_kinds_that_clean_up_are_asked_when_a_run_ends() -> None:
    registry = Registry([Ping], kinds=BUILTIN_KINDS)
    assert registry.ending == frozenset({"human"})


def test_the_core_kinds_are_the_default_and_human_comes_from_tasks() -> None:
    assert "human" not in Registry().kinds
    assert "human" in Registry(kinds=BUILTIN_KINDS).kinds


def wait_position(signal: str, new_step_id: str = "mgr") -> Position:
    wait = Wait(
        run_id="r",
        step_id="approval",
        iteration=0,
        tenant="default",
        scope=(),
        kind="signal",
        signal=signal,
        child_run_id=None,
        timeout_job_id=None,
        deadline=None,
        created_at=0.0,
    )
    return Position(
        run_id="r",
        step_id="approval",
        iteration=0,
        scope=(),
        new_step_id=new_step_id,
        new_scope=(),
        new_version=2,
        wait=wait,
    )


def wait_step(signal: str) -> WaitConfig:
    return WaitConfig.model_validate({"kind": "wait", "signal": signal})


def test_a_wait_moved_onto_another_signal_says_so_in_the_plan_and_changes_nothing_on_a_dry_run() -> None:
    kind = Registry().kinds["wait"]
    position = wait_position("approval")
    assert kind.migration_problems(wait_step("approval"), wait_step("approval2"), position) == []
    assert kind.migrate(wait_step("approval"), wait_step("approval2"), position, None) == [
        ("signal", "approval", "approval2")
    ]
    assert kind.migrate(wait_step("approval"), wait_step("approval"), position, None) == []


def human_step(*outcomes: str) -> HumanConfig:
    return HumanConfig.model_validate(
        {"kind": "human", "assign": {"group": "finance"}, "outcomes": {name: {} for name in outcomes}}
    )


def task_position() -> Position:
    wait = Wait(
        run_id="r",
        step_id="decide",
        iteration=0,
        tenant="default",
        scope=(),
        kind="task",
        signal="t-1",
        child_run_id=None,
        timeout_job_id=None,
        deadline=None,
        created_at=0.0,
    )
    return Position(
        run_id="r",
        step_id="decide",
        iteration=0,
        scope=(),
        new_step_id="decide",
        new_scope=(),
        new_version=2,
        wait=wait,
    )


@pytest.mark.parametrize(
    ("old", "new", "refused"),
    [
        (("approve", "reject"), ("approve", "reject"), None),
        (("approve", "reject"), ("approve", "reject", "escalate"), None),
        (("approve", "reject"), ("accept", "decline"), "approve, reject"),
        (("approve", "reject"), ("approve",), "reject"),
    ],
)
def test_a_waiting_task_moves_only_onto_a_step_that_keeps_every_outcome(
    old: tuple[str, ...], new: tuple[str, ...], refused: str | None
) -> None:
    kind: Any = Human.__new__(Human)
    problems = kind.migration_problems(human_step(*old), human_step(*new), task_position())
    if refused is None:
        assert problems == []
    else:
        (problem,) = problems
        assert f"offers the outcome(s) {refused}, which 'decide' in version 2 does not have" in problem


def test_a_task_s_sla_timer_is_not_checked_on_its_own() -> None:
    job = Job(
        id="j",
        run_id="r",
        tenant="default",
        kind="task_sla",
        step_id="decide",
        iteration=0,
        scope=(),
        queue="default",
        status=JobStatus.QUEUED,
        attempt=0,
        retries_from=0,
        available_at=0.0,
        lease_owner=None,
        lease_expires_at=None,
    )
    position = Position(
        run_id="r", step_id="decide", iteration=0, scope=(), new_step_id="decide", new_scope=(), new_version=2, job=job
    )
    kind: Any = Human.__new__(Human)
    assert kind.migration_problems(human_step("approve"), human_step("accept"), position) == []
    assert position.what == "task_sla job"


@pytest.mark.parametrize(
    ("kind", "signal", "what"),
    [
        ("signal", "go", "waiting step (signal 'go')"),
        ("task", "t-1", "waiting step (task t-1)"),
        ("child", None, "waiting step (child run)"),
    ],
)
def test_positions_are_named_as_refusals_name_them(kind: str, signal: str | None, what: str) -> None:
    position = wait_position("x")
    assert position.wait is not None
    changed = Position(
        run_id="r",
        step_id="s",
        iteration=0,
        scope=(),
        new_step_id="s",
        new_scope=(),
        new_version=2,
        wait=Wait(
            **{**{f: getattr(position.wait, f) for f in position.wait.__slots__}, "kind": kind, "signal": signal}
        ),
    )
    assert changed.what == what
