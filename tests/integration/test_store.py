"""The store on both backends: claims, fencing, leases, and that concurrent workers (threads and
processes) never claim the same job."""

from __future__ import annotations

import multiprocessing as mp
import threading
from typing import Any

import pytest

from officeflow.ids import uuid7
from officeflow.store import JobKind, JobStatus, RunStatus, open_store
from officeflow.store.base import Store
from officeflow.store.records import DefinitionRecord, NewJob, NewRun

NOW = 1_800_000_000.0


@pytest.fixture
def store(db_url: str) -> Any:
    s = open_store(db_url)
    yield s
    s.close()


def add_jobs(store: Store, n: int, *, queue: str = "default", at: float = NOW, priority: int = 0) -> list[str]:
    ids = []
    with store.transaction() as tx:
        run_id = uuid7()
        tx.insert_run(
            NewRun(
                id=run_id,
                tenant="t",
                workflow="w",
                version=1,
                status=RunStatus.RUNNING,
                input_json="{}",
                idempotency_key=None,
                created_at=NOW,
            )
        )
        for i in range(n):
            job = NewJob(
                id=uuid7(),
                run_id=run_id,
                tenant="t",
                kind=JobKind.STEP,
                step_id=f"s{i}",
                iteration=0,
                scope=(),
                queue=queue,
                status=JobStatus.QUEUED,
                available_at=at,
                created_at=NOW,
                priority=priority,
            )
            tx.insert_job(job)
            ids.append(job.id)
    return ids


def test_claim_takes_due_jobs_of_its_queues_only_and_leases_them(store: Store) -> None:
    due = add_jobs(store, 2)
    add_jobs(store, 1, at=NOW + 60)
    add_jobs(store, 1, queue="gpu")
    with store.transaction() as tx:
        claimed = tx.claim(worker="w1", queues=["default"], limit=10, now=NOW, lease_until=NOW + 30)
    assert sorted(j.id for j in claimed) == sorted(due)
    assert {(j.status, j.attempt, j.lease_owner, j.lease_expires_at) for j in claimed} == {
        ("running", 1, "w1", NOW + 30)
    }
    with store.transaction() as tx:
        assert tx.next_due(["default"]) == NOW + 60
        assert tx.next_due(["gpu"]) == NOW


def test_claim_respects_its_limit_and_priority(store: Store) -> None:
    add_jobs(store, 5)
    urgent = add_jobs(store, 2, priority=10)
    with store.transaction() as tx:
        claimed = tx.claim(worker="w", queues=["default"], limit=2, now=NOW, lease_until=NOW + 30)
    assert sorted(j.id for j in claimed) == sorted(urgent)


def test_finishing_is_fenced_by_attempt(store: Store) -> None:
    (job_id,) = add_jobs(store, 1)
    with store.transaction() as tx:
        (job,) = tx.claim(worker="w", queues=["default"], limit=1, now=NOW, lease_until=NOW + 30)
        assert tx.finish_jobs([(job_id, job.attempt + 1)]) == set()
        assert tx.finish_jobs([(job_id, job.attempt)]) == {job_id}


def test_expired_leases_are_reaped_and_the_next_claim_is_a_new_attempt(store: Store) -> None:
    add_jobs(store, 1)
    with store.transaction() as tx:
        tx.claim(worker="w", queues=["default"], limit=1, now=NOW, lease_until=NOW + 30)
        assert tx.reap_expired(NOW + 10) == []
        (expired,) = tx.reap_expired(NOW + 31)
        assert expired.lease_owner == "w"
        (again,) = tx.claim(worker="v", queues=["default"], limit=1, now=NOW + 31, lease_until=NOW + 61)
    assert again.attempt == 2


def test_heartbeats_extend_only_the_workers_own_leases(store: Store) -> None:
    add_jobs(store, 2)
    with store.transaction() as tx:
        a, b = tx.claim(worker="w", queues=["default"], limit=2, now=NOW, lease_until=NOW + 30)
        assert tx.extend_leases("w", [a.id], NOW + 90) == 1
        assert tx.extend_leases("other", [b.id], NOW + 90) == 0
        assert [j.id for j in tx.reap_expired(NOW + 60)] == [b.id]


def new_run(key: str | None, tenant: str = "t") -> NewRun:
    return NewRun(
        id=uuid7(),
        tenant=tenant,
        workflow="w",
        version=1,
        status=RunStatus.RUNNING,
        input_json="{}",
        idempotency_key=key,
        created_at=NOW,
    )


def test_a_run_idempotency_key_is_unique_per_tenant(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.insert_run(new_run("k", "a"))() is True
        assert tx.insert_run(new_run("k", "a"))() is False
        assert tx.insert_run(new_run("k", "b"))() is True


def test_keyed_inserts_sent_together_tell_each_row_whether_it_went_in(store: Store) -> None:
    """In a pipelined transaction, keyed inserts of one table wait and go out as one statement
    (officeflow.store.keyed); each caller must still learn about its own row: new, a duplicate of
    a row already stored, or a duplicate of a row sent with it. A read in between sees them."""

    def event(event_id: str, tenant: str = "t") -> dict[str, Any]:
        return {
            "id": event_id,
            "tenant": tenant,
            "type": "ping",
            "version": 1,
            "source": "test",
            "subject": None,
            "payload": {"n": 1},
            "meta": None,
            "received_at": NOW,
        }

    with store.transaction() as tx:
        assert tx.insert_run(new_run("old"))() is True
        assert tx.insert_event(**event("old"))() is True

    def body(tx: Any) -> tuple[list[bool], list[bool], bool]:
        events = [tx.insert_event(**event(i)) for i in ("e1", "e2", "e1", "old")]
        events.append(tx.insert_event(**event("e1", tenant="u")))
        seen = tx.get_event("t", "e2") is not None  # a read sends what waits before it
        runs = [tx.insert_run(new_run(k)) for k in ("k1", "k2", "k1", "old", None)]
        runs.append(tx.insert_run(new_run("k1", tenant="u")))
        return [e() for e in events], [r() for r in runs], seen

    events, runs, seen = store.run(body, pipeline=True)
    assert events == [True, True, False, False, True]
    assert runs == [True, True, False, False, True, True]
    assert seen
    with store.read() as tx:
        assert tx.count_events("t", "ping", None, None) == 3
        assert tx.count_events("u", "ping", None, None) == 1
        assert tx.run_by_key("t", "k1") is not None
        assert tx.run_by_key("u", "k1") is not None
        assert sum(tx.count_runs_by_status("t").values()) == 4  # old, k1, k2 and the one without a key


def test_definition_versions_are_stored_once(store: Store) -> None:
    record = DefinitionRecord(
        tenant="t",
        name="n",
        version=1,
        digest="d",
        title=None,
        source="s",
        data={"a": 1},
        created_at=NOW,
        created_by=None,
    )
    with store.transaction() as tx:
        assert tx.insert_definition(record) is True
        assert tx.insert_definition(record) is False
        assert tx.get_definition("t", "n") == record
        assert tx.get_definition("other", "n") is None


def _claim_all(url: str, worker: str, out: Any) -> None:
    store = open_store(url)
    claimed = []
    try:
        while True:
            with store.transaction() as tx:
                jobs = tx.claim(worker=worker, queues=["default"], limit=7, now=NOW, lease_until=NOW + 300)
            if not jobs:
                break
            claimed += [j.id for j in jobs]
    finally:
        store.close()
    out.put(claimed)


def test_concurrent_threads_never_claim_the_same_job(store: Store, db_url: str) -> None:
    ids = add_jobs(store, 600)
    results: Any = __import__("queue").Queue()
    threads = [threading.Thread(target=_claim_all, args=(db_url, f"t{i}", results)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [job for _ in threads for job in results.get()]
    assert len(claimed) == len(set(claimed)) == 600
    assert set(claimed) == set(ids)


def test_concurrent_processes_never_claim_the_same_job(store: Store, db_url: str) -> None:
    ids = add_jobs(store, 600)
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_claim_all, args=(db_url, f"p{i}", results)) for i in range(4)]
    for p in procs:
        p.start()
    claimed = [job for _ in procs for job in results.get(timeout=120)]
    for p in procs:
        p.join(timeout=60)
    assert len(claimed) == len(set(claimed)) == 600
    assert set(claimed) == set(ids)
