"""The row map: a table and a record declared once, checked against each other, rows mapped by name."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pytest
import sqlalchemy as sa

from officeflow.store import records, tx_audit, tx_directory, tx_events, tx_security, tx_tasks
from officeflow.store.codec import JSON, JSON_TUPLE, JSON_VALUE, SCOPE, Scope
from officeflow.store.rowmap import RowMap

meta = sa.MetaData()
things = sa.Table(
    "things",
    meta,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("size", sa.Integer),
    sa.Column("spec", sa.Text, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("tags", sa.Text),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("sort_key", sa.Double, nullable=False),
    sa.Column("kept", sa.Integer, nullable=False),
)


class State(StrEnum):
    NEW = "new"
    DONE = "done"


@dataclass(frozen=True, kw_only=True, slots=True)
class Thing:
    seq: int
    id: str
    state: State
    active: bool
    size: int | None
    spec: dict[str, Any]
    note: Any
    tags: tuple[str, ...]
    scope: Scope


def thing_map(**changes: Any) -> RowMap[Any]:
    arguments: dict[str, Any] = {
        "codecs": {"spec": JSON_VALUE, "note": JSON, "tags": JSON_TUPLE, "scope": SCOPE},
        "derived": {"sort_key": lambda t: float(t.size or 0)},
        "constants": {"kept": 7},
    }
    arguments.update(changes)
    return RowMap(things, changes.pop("record", Thing), **arguments)


THING = Thing(
    seq=3,
    id="t1",
    state=State.DONE,
    active=True,
    size=None,
    spec={"a": [1, 2]},
    note=None,
    tags=("x", "y"),
    scope=(("p", 0, "b"),),
)


def test_a_row_is_read_by_column_name_into_the_record_with_each_value_converted() -> None:
    things_map = thing_map()
    assert things_map.columns == ("seq", "id", "state", "active", "size", "spec", "note", "tags", "scope")
    assert things_map.select == "seq, id, state, active, size, spec, note, tags, scope"
    row = (3, "t1", "done", 1, None, '{"a":[1,2]}', None, '["x","y"]', '[["p",0,"b"]]')
    thing = things_map.load(row)
    assert thing == THING
    assert type(thing.state) is State
    assert thing.active is True  # SQLite gives 1


def test_null_reads_as_the_codecs_empty_value_where_the_field_cannot_be_none() -> None:
    row = (1, "t2", "new", 0, 4, "null", '"n"', None, "")
    thing = thing_map().load(row)
    assert (thing.tags, thing.scope, thing.spec, thing.note, thing.active) == ((), (), None, "n", False)


def test_a_record_becomes_parameters_named_by_column_with_derived_values_and_constants() -> None:
    things_map = thing_map()
    params = things_map.params(THING)
    assert params == {
        "seq": 3,
        "id": "t1",
        "state": "done",
        "active": True,
        "size": None,
        "spec": '{"a":[1,2]}',
        "note": None,
        "tags": '["x","y"]',
        "scope": '[["p",0,"b"]]',
        "sort_key": 0.0,
        "kept": 7,
    }
    assert type(params["state"]) is str
    assert things_map.write_columns == tuple(c.name for c in things.columns)


def test_parameters_written_and_read_back_give_the_same_record() -> None:
    things_map = thing_map()
    record = dataclasses.replace(THING, size=12, note={"deep": [None, 1.5]}, tags=(), scope=())
    params = things_map.params(record)
    assert things_map.load([params[c] for c in things_map.columns]) == record
    assert params["sort_key"] == 12.0


def test_statements_name_the_written_columns() -> None:
    things_map = thing_map()
    columns = ", ".join(c.name for c in things.columns)
    values = ", ".join(":" + c.name for c in things.columns)
    assert things_map.insert() == f"INSERT INTO things ({columns}) VALUES ({values})"
    assert things_map.insert("ON CONFLICT DO NOTHING").endswith(") ON CONFLICT DO NOTHING")
    assert things_map.upsert(("id",), keep=("kept", "seq")) == (
        f"INSERT INTO things ({columns}) VALUES ({values}) ON CONFLICT (id) DO UPDATE SET "
        "state = excluded.state, active = excluded.active, size = excluded.size, spec = excluded.spec, "
        "note = excluded.note, tags = excluded.tags, scope = excluded.scope, sort_key = excluded.sort_key"
    )
    assert things_map.assignments(exclude=("seq", "id", "kept")) == (
        "state = :state, active = :active, size = :size, spec = :spec, note = :note, tags = :tags, "
        "scope = :scope, sort_key = :sort_key"
    )
    assert things_map.select_from("t").startswith("t.seq, t.id, t.state")


@dataclass(frozen=True, kw_only=True, slots=True)
class Short:
    id: str
    state: State


def test_an_autoincrement_key_may_be_left_to_the_database_but_nothing_else() -> None:
    with pytest.raises(TypeError, match=r"column things\.active is not mapped"):
        RowMap(things, Short, omit=("size", "spec", "note", "tags", "scope", "sort_key", "kept"))
    short = RowMap(things, Short, omit=("active", "size", "spec", "note", "tags", "scope", "sort_key", "kept"))
    assert short.columns == ("id", "state")
    with pytest.raises(TypeError, match=r"\['active', 'spec', 'scope', 'sort_key', 'kept'\] cannot be NULL"):
        short.insert()  # omitted NOT NULL columns: this record cannot be inserted alone
    given = ("active", "spec", "scope", "sort_key", "kept")
    assert short.insert(also=given).startswith("INSERT INTO things (id, state, active, spec, scope, sort_key, kept)")
    with pytest.raises(TypeError, match=r"\['seq'\] are not columns Short leaves out"):
        short.insert(also=(*given, "seq"))


@dataclass(frozen=True, kw_only=True, slots=True)
class Wrong:
    id: str
    state: State
    active: bool
    size: int | None
    spec: dict[str, Any]
    note: Any
    tags: tuple[str, ...]
    scope: Scope
    extra: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Loose:
    id: str
    spec: Any


LOOSE_REST = ("seq", "state", "active", "size", "note", "tags", "scope", "sort_key", "kept")
CODECS = {"spec": JSON_VALUE, "note": JSON, "tags": JSON_TUPLE, "scope": SCOPE}
THING_REST = ("sort_key", "kept")


@pytest.mark.parametrize(
    ("record", "codecs", "omit", "message"),
    [
        (Wrong, CODECS, ("seq", *THING_REST), "field extra has no column"),
        (
            Thing,
            {**CODECS, "spec": None},
            THING_REST,
            r"field spec \(dict\[str, Any\]\) on column spec \(str\): types differ",
        ),
        (Loose, {"spec": JSON}, LOOSE_REST, "field spec .* the field may be None, the column is NOT NULL"),
        (
            Thing,
            {**CODECS, "tags": JSON_VALUE},
            THING_REST,
            "field tags .* the column may be NULL, the field cannot be None",
        ),
        (Thing, {**CODECS, "size": JSON}, THING_REST, "field size .* codec JSON stores str, the column holds int"),
        (Thing, {**CODECS, "nope": JSON}, THING_REST, "codecs names nope, which is not a field"),
        (Thing, CODECS, (*THING_REST, "id"), "column id is both a field and omit"),
        (Thing, CODECS, ("kept",), r"column things\.sort_key is not mapped"),
        (Thing, CODECS, (*THING_REST, "colour"), "omit names colour, which is not a column"),
    ],
)
def test_a_record_and_a_table_that_disagree_are_refused_naming_the_field(
    record: type, codecs: dict[str, Any], omit: tuple[str, ...], message: str
) -> None:
    given = {name: codec for name, codec in codecs.items() if codec is not None}
    with pytest.raises(TypeError, match=message):
        RowMap(things, record, codecs=given, omit=omit)


def test_the_same_record_and_table_agree_once_each_column_is_accounted_for() -> None:
    assert RowMap(things, Thing, codecs=CODECS, omit=THING_REST).columns[0] == "seq"
    assert RowMap(things, Loose, codecs={"spec": JSON_VALUE}, omit=LOOSE_REST).columns == ("id", "spec")


@dataclass(frozen=True, kw_only=True, slots=True)
class Sized:
    id: str
    size: int


@dataclass(frozen=True, kw_only=True)
class NoSlots:
    id: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Checked:
    id: str

    def __post_init__(self) -> None:
        pass


@dataclass(frozen=True, kw_only=True, slots=True)
class Grouped:
    id: str
    members: tuple[str, ...]


OTHERS = ("seq", "state", "active", "spec", "note", "tags", "scope", "sort_key", "kept")


def test_nullability_types_and_the_record_shape_are_checked() -> None:
    with pytest.raises(TypeError, match=r"field size .* the column may be NULL, the field cannot be None"):
        RowMap(things, Sized, omit=OTHERS)
    assert RowMap(things, Sized, omit=OTHERS, writes_only=True).columns == ("id", "size")
    with pytest.raises(TypeError, match="frozen dataclass with slots"):
        RowMap(things, NoSlots, omit=(*OTHERS, "size"))
    with pytest.raises(TypeError, match="__post_init__"):
        RowMap(things, Checked, omit=(*OTHERS, "size"))
    with pytest.raises(TypeError, match="field members is no column, so it needs a default"):
        RowMap(things, Grouped, omit=(*OTHERS, "size"), elsewhere=("members",))


def test_a_record_only_written_cannot_be_read() -> None:
    written = RowMap(things, Sized, omit=OTHERS, writes_only=True)
    with pytest.raises(TypeError, match="only written"):
        written.load(("a", 1))


@dataclass(frozen=True, kw_only=True, slots=True)
class WithMembers:
    id: str
    members: tuple[str, ...] = ()
    labels: dict[str, str] = dataclasses.field(default_factory=dict)


def test_fields_filled_elsewhere_get_their_defaults_each_time() -> None:
    with_members = RowMap(things, WithMembers, omit=(*OTHERS, "size"), elsewhere=("members", "labels"))
    first, second = with_members.load(("a",)), with_members.load(("b",))
    assert (first.members, first.labels) == ((), {})
    assert first.labels is not second.labels
    assert "members" not in with_members.params(first)


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="zip"):
        thing_map().load((3, "t1", "done"))


ALL_MAPS = [
    value
    for module in (records, tx_audit, tx_directory, tx_events, tx_security, tx_tasks)
    for value in vars(module).values()
    if isinstance(value, RowMap)
]


def test_every_table_with_a_record_is_mapped() -> None:
    """Each of the store's tables that the engine, tasks, events or security read as records has
    a map (and each map was checked when its module was imported)."""
    mapped = {m.table for m in ALL_MAPS}
    assert mapped >= {
        "of_runs",
        "of_jobs",
        "of_history",
        "of_waits",
        "of_joins",
        "of_signals",
        "of_definitions",
        "of_workers",
        "of_users",
        "of_api_keys",
        "of_sessions",
        "of_audit",
        "of_event_types",
        "of_events",
        "of_event_rejects",
        "of_triggers",
        "of_schedules",
        "of_files",
        "of_people",
        "of_departments",
        "of_groups",
        "of_absences",
        "of_tasks",
        "of_task_events",
        "of_corrections",
        "of_outbox",
    }
    assert len(ALL_MAPS) >= 30


@pytest.mark.parametrize("rows", [m for m in ALL_MAPS if not m.writes_only], ids=lambda m: m.record.__name__)
def test_every_read_map_selects_each_field_once(rows: RowMap[Any]) -> None:
    assert len(set(rows.columns)) == len(rows.columns)
    assert len(rows.columns) == len([f for f in dataclasses.fields(rows.record) if f.name in rows.columns])


def test_a_task_round_trips_and_its_sort_key_is_derived() -> None:
    task = tx_tasks.TaskRow(
        id="t",
        tenant="default",
        run_id="r",
        step_id="approve",
        iteration=0,
        scope=(("p", 1, "a"),),
        workflow="wf",
        version=1,
        title="Approve",
        status="active",
        assignee=None,
        candidate_group="finance",
        requester="amy",
        excluded=("amy",),
        priority=2,
        due_at=None,
        sla_level=0,
        sla_job_id=None,
        approvals_required=2,
        approvals=({"by": "ben"},),
        spec={"outcomes": {}},
        data=None,
        explanation={"why": 1},
        outcome=None,
        decided_by=None,
        decided_at=None,
        decision=None,
        lock_version=0,
        created_at=1.0,
        updated_at=1.0,
    )
    params = tx_tasks.TASKS.params(task)
    assert params["sort_due"] == tx_tasks.NO_DUE
    assert tx_tasks.TASKS.params(dataclasses.replace(task, due_at=50.0))["sort_due"] == 50.0
    assert tx_tasks.TASKS.load([params[c] for c in tx_tasks.TASKS.columns]) == task
    assert "sort_due" not in tx_tasks.TASKS.columns
