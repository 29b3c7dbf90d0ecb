"""What the control kinds decide when a run reaches them: the directive each returns for the
engine to carry out, from the step's configuration and the run's variables alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import pytest
from pydantic import ValidationError

from officeflow.errors import ExpressionError, NonRetryableError
from officeflow.steps.base import AwaitSignal, Finish, Fork, Goto, KindEnvironment, Sleep, StartChild, StepConfig
from officeflow.steps.control import End, Parallel, Subflow, Switch, Timer, Wait
from officeflow.steps.port import StepPort

NOW = 1_700_000_000.0
ENV = KindEnvironment(handlers={}, now=lambda: NOW, secrets=lambda tenant, name: "")
VARIABLES = {"input": {"amount": 250.0, "when": "2026-01-02T03:04:05Z", "at": 1234.5}, "steps": {}, "run": {}}


class Reading:
    """The part of a port the control kinds read when entered: the run's variables."""

    def __init__(self, variables: Mapping[str, Any]) -> None:
        self._variables = variables

    def variables(self) -> Mapping[str, Any]:
        return self._variables


def port(variables: Mapping[str, Any] = VARIABLES) -> StepPort:
    return cast(StepPort, Reading(variables))


def config(kind: Any, **fields: Any) -> Any:
    step: StepConfig = kind.config.model_validate({"kind": kind.name, **fields})
    return step


SWITCH = {
    "cases": [{"when": "input.amount > 1000.0", "to": "board"}, {"when": "input.amount > 100.0", "to": "manager"}],
    "default": "auto",
}


@pytest.mark.parametrize(
    ("amount", "directive"),
    [
        (5000.0, Goto(target="board", output={"case": 0, "to": "board"})),
        (250.0, Goto(target="manager", output={"case": 1, "to": "manager"})),
        (10.0, Goto(target="auto", output={"case": "default", "to": "auto"})),
    ],
)
def test_a_switch_goes_to_the_first_case_that_holds_else_to_its_default(amount: float, directive: Goto) -> None:
    step = config(Switch, **SWITCH)
    assert Switch(ENV).enter(step, port({"input": {"amount": amount}})) == directive


def test_a_switch_without_a_matching_case_or_default_fails_for_good() -> None:
    step = config(Switch, cases=[{"when": "input.amount > 1000.0", "to": "board"}])
    with pytest.raises(NonRetryableError, match="no case matched and the switch has no default"):
        Switch(ENV).enter(step, port())


def test_a_switch_case_must_give_a_boolean() -> None:
    step = config(Switch, cases=[{"when": "input.amount", "to": "board"}])
    with pytest.raises(ExpressionError, match="a condition must give true or false"):
        Switch(ENV).enter(step, port())


def test_a_parallel_step_forks_its_branches_in_order() -> None:
    step = config(Parallel, branches=["docs", "laptop", "accounts"], next="done")
    assert Parallel(ENV).enter(step, port()) == Fork(branches=("docs", "laptop", "accounts"))
    with pytest.raises(ValidationError, match="branches must name different steps"):
        config(Parallel, branches=["docs", "docs"])


def test_a_wait_waits_for_its_signal_with_its_timeout() -> None:
    step = config(Wait, signal="approved", timeout="2h", on_timeout="late")
    assert Wait(ENV).enter(step, port()) == AwaitSignal(name="approved", timeout=7200.0, on_timeout="late")
    with pytest.raises(ValidationError, match="on_timeout needs a timeout"):
        config(Wait, signal="approved", on_timeout="late")


@pytest.mark.parametrize(
    ("fields", "until"),
    [
        ({"duration": "90s"}, NOW + 90),
        ({"until": "input.when"}, 1767323045.0),
        ({"until": "input.at"}, 1234.5),
        ({"until": "int(input.at)"}, 1234.0),
    ],
)
def test_a_timer_sleeps_for_its_duration_or_until_its_time(fields: dict[str, Any], until: float) -> None:
    assert Timer(ENV).enter(config(Timer, **fields), port()) == Sleep(until=until)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("input.amount > 1.0", r"`input.amount > 1.0` gave a boolean; expected a timestamp"),
        ("'soon'", r"`'soon'` gave 'soon'; expected an ISO 8601 timestamp or epoch seconds"),
        ("[1]", r"`\[1\]` gave \[1\]; expected an ISO 8601"),
    ],
)
def test_a_timer_whose_time_is_no_time_fails_for_good(source: str, message: str) -> None:
    with pytest.raises(NonRetryableError, match=message):
        Timer(ENV).enter(config(Timer, until=source), port())


def test_a_timer_takes_one_of_duration_or_until() -> None:
    for fields in ({}, {"duration": "1m", "until": "input.at"}):
        with pytest.raises(ValidationError, match="a timer takes exactly one of duration or until"):
            config(Timer, **fields)


def test_a_subflow_starts_its_child_with_its_input_or_the_runs() -> None:
    with_input = config(Subflow, workflow="onboard-laptop", version=2, input={"cost": "input.amount * 2.0"})
    assert Subflow(ENV).enter(with_input, port()) == StartChild(
        workflow="onboard-laptop", version=2, input={"cost": 500.0}
    )
    plain = config(Subflow, workflow="onboard-laptop")
    assert Subflow(ENV).enter(plain, port()) == StartChild(
        workflow="onboard-laptop", version=None, input=VARIABLES["input"]
    )


def test_an_end_finishes_the_run_with_its_output_or_leaves_the_output_to_the_definition() -> None:
    assert End(ENV).enter(config(End, output={"paid": "input.amount"}), port()) == Finish(
        output={"paid": 250.0}, has_output=True
    )
    assert End(ENV).enter(config(End), port()) == Finish()
    assert End(ENV).enter(config(End, output=None), port()) == Finish(output=None, has_output=False)


def test_successors_follow_next_and_edges_name_their_fields() -> None:
    switch = config(Switch, **SWITCH)
    assert [(e.target, e.path) for e in switch.edges()] == [
        ("board", ("cases", 0, "to")),
        ("manager", ("cases", 1, "to")),
        ("auto", ("default",)),
    ]
    wait = config(Wait, signal="s", timeout="1m", on_timeout="late", next="go")
    assert [(e.target, e.path) for e in wait.edges()] == [("go", ("next",)), ("late", ("on_timeout",))]
    assert Wait(ENV).successor(wait, {"x": 1}) == "go"
    assert config(End).ends_workflow
