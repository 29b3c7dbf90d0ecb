"""The llm step's rows on both backends (store/tx_llm.py, read and written through its row maps):
a tenant's own budget set, replaced and cleared; a window's usage reserved within the limit and
settled; an approved tool call claimed once, finished with its result or its error, and read
back with its JSON arguments and result as they were given."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from officeflow.store import open_store
from officeflow.store.base import Store
from officeflow.store.tx_llm import TOOL_DONE, TOOL_FAILED, TOOL_STARTED, LlmBudgetRow, LlmUsageRow


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    yield s
    s.close()


def test_a_tenant_s_own_budget_is_set_replaced_and_cleared(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.llm_budget("acme") == (False, None)
        assert tx.llm_budget_row("acme") is None
        tx.set_llm_budget("acme", 5_000_000_000, 10.5, "ada")
    with store.read() as tx:
        assert tx.llm_budget("acme") == (True, 5_000_000_000)
        assert tx.llm_budget_row("acme") == LlmBudgetRow(
            tenant="acme", tokens=5_000_000_000, updated_at=10.5, updated_by="ada"
        )
    with store.transaction() as tx:
        tx.set_llm_budget("acme", None, 11.0, None)
    with store.transaction() as tx:
        assert tx.llm_budget_row("acme") == LlmBudgetRow(tenant="acme", tokens=None, updated_at=11.0, updated_by=None)
        assert tx.llm_budget("acme") == (True, None)
        assert tx.clear_llm_budget("acme") is True
        assert tx.clear_llm_budget("acme") is False
        assert tx.llm_budget_row("acme") is None


def test_usage_is_reserved_within_the_limit_and_settled(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.llm_usage("acme", 3600.0) is None
        assert tx.llm_reserve("acme", 3600.0, 60, 100, 3601.0) is True
        assert tx.llm_reserve("acme", 3600.0, 60, 100, 3602.0) is False
        assert tx.llm_usage("acme", 3600.0) == LlmUsageRow(
            tenant="acme", window_start=3600.0, used=0, held=60, calls=0, updated_at=3601.0
        )
        tx.llm_settle("acme", 3600.0, 60, 45, 3603.0)
    with store.read() as tx:
        assert tx.llm_usage("acme", 3600.0) == LlmUsageRow(
            tenant="acme", window_start=3600.0, used=45, held=0, calls=1, updated_at=3603.0
        )


def test_an_approved_tool_call_is_claimed_once_and_read_back_as_given(store: Store) -> None:
    arguments = {"amount": 12.5, "to": ["IBAN", None], "note": "ü"}
    with store.transaction() as tx:
        claimed = tx.claim_llm_tool_run(
            run_id="r1",
            step_id="read",
            iteration=1,
            call_id="c1",
            tenant="acme",
            tool="transfer",
            arguments=arguments,
            approved_by="mark",
            now=5.0,
        )
        assert claimed is None  # new: it may run
        (row,) = tx.llm_tool_runs("r1")
        assert (row.arguments, row.status, row.result, row.error, row.finished_at) == (
            arguments,
            TOOL_STARTED,
            None,
            None,
            None,
        )
        assert (row.tenant, row.tool, row.approved_by, row.started_at) == ("acme", "transfer", "mark", 5.0)
        again = tx.claim_llm_tool_run(
            run_id="r1",
            step_id="read",
            iteration=1,
            call_id="c1",
            tenant="acme",
            tool="transfer",
            arguments=arguments,
            approved_by="mark",
            now=6.0,
        )
        assert again == row  # started and never finished: it may have run
        tx.finish_llm_tool_run("r1", "read", 1, "c1", result={"transfer_id": "T-1"}, error=None, now=7.0)
        done = tx.llm_tool_run("r1", "read", 1, "c1")
        assert done is not None
        assert (done.status, done.result, done.finished_at) == (TOOL_DONE, {"transfer_id": "T-1"}, 7.0)
        tx.claim_llm_tool_run(
            run_id="r1",
            step_id="read",
            iteration=1,
            call_id="c2",
            tenant="acme",
            tool="noop",
            arguments=None,
            approved_by=None,
            now=8.0,
        )
        tx.finish_llm_tool_run("r1", "read", 1, "c2", result=None, error="refused", now=9.0)
        failed = tx.llm_tool_run("r1", "read", 1, "c2")
        assert failed is not None
        assert (failed.arguments, failed.status, failed.result, failed.error) == (None, TOOL_FAILED, None, "refused")
        assert (
            tx.claim_llm_tool_run(
                run_id="r1",
                step_id="read",
                iteration=1,
                call_id="c2",
                tenant="acme",
                tool="noop",
                arguments=None,
                approved_by=None,
                now=10.0,
            )
            is None
        )  # it raised last time: it may run again
        assert [r.call_id for r in tx.llm_tool_runs("r1")] == ["c1", "c2"]
        assert tx.delete_llm_tool_runs("r1") == 2
        assert tx.llm_tool_runs("r1") == []
