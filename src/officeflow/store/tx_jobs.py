"""Jobs: the positions of runs that a worker claims, executes, retries or keeps as dead letters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from officeflow.jsonutil import dumps_or_none
from officeflow.store.codec import scope_text
from officeflow.store.records import JOBS, NEW_JOBS, Job, JobStatus, NewJob, Scope
from officeflow.store.tx_base import TxBase


class JobsMixin(TxBase):
    def insert_job(self, job: NewJob) -> None:
        """Insert a job (buffered); a queued one wakes the workers of its queue at commit."""
        self.buffer.jobs.append(NEW_JOBS.params(job))
        if job.status == JobStatus.QUEUED:
            self.notify("jobs", job.queue)

    def claim(self, *, worker: str, queues: Sequence[str], limit: int, now: float, lease_until: float) -> list[Job]:
        """Claim up to ``limit`` due jobs for ``worker`` (attempt + 1, leased until ``lease_until``)."""
        params: dict[str, Any] = {"w": worker, "now": now, "until": lease_until, "limit": limit}
        queue_filter = self._in("queue", "queues", list(queues), params)
        rows = self._all(
            "UPDATE of_jobs SET status = 'running', attempt = attempt + 1, lease_owner = :w, "
            "lease_expires_at = :until WHERE id IN (SELECT id FROM of_jobs WHERE status = 'queued' "
            f"AND {queue_filter} AND available_at <= :now ORDER BY priority DESC, available_at "
            f"LIMIT :limit{self.dialect.skip_locked}) RETURNING {JOBS.select}",
            params,
        )
        return JOBS.load_all(rows)

    def next_due(self, queues: Sequence[str]) -> float | None:
        params: dict[str, Any] = {}
        queue_filter = self._in("queue", "queues", list(queues), params)
        row = self._one(
            f"SELECT MIN(available_at) FROM of_jobs WHERE status = 'queued' AND {queue_filter}",
            params,
        )
        return None if row is None else row[0]

    def finish_jobs(self, fenced: Sequence[tuple[str, int]]) -> set[str]:
        """Delete running jobs whose (id, attempt) match; returns the ids deleted. A job whose
        attempt moved on (it was re-claimed after its lease expired) is left alone: fencing."""
        if not fenced:
            return set()
        return {job_id for (job_id,) in self._finish_cursor(fenced).fetchall()}

    def _finish_cursor(self, fenced: Sequence[tuple[str, int]]) -> Any:
        params: dict[str, Any] = {}
        match = self.dialect.pairs_in(("id", "attempt"), "f", fenced, params)
        return self._exec(f"DELETE FROM of_jobs WHERE status = 'running' AND {match} RETURNING id", params)

    def requeue_job(self, job_id: str, attempt: int, available_at: float, error: Any, *, paused: bool = False) -> bool:
        """Put a failed attempt back in the queue for a retry (fenced by attempt)."""
        return (
            self._count(
                "UPDATE of_jobs SET status = :status, available_at = :at, lease_owner = NULL, "
                "lease_expires_at = NULL, error = :error WHERE id = :id AND attempt = :attempt "
                "AND status = 'running'",
                {
                    "id": job_id,
                    "attempt": attempt,
                    "at": available_at,
                    "error": dumps_or_none(error),
                    "status": "paused" if paused else "queued",
                },
            )
            == 1
        )

    def fail_job(self, job_id: str, attempt: int, error: Any) -> bool:
        """Park the job as a dead letter (fenced by attempt)."""
        return (
            self._count(
                "UPDATE of_jobs SET status = 'failed', lease_owner = NULL, lease_expires_at = NULL, "
                "error = :error WHERE id = :id AND attempt = :attempt AND status = 'running'",
                {"id": job_id, "attempt": attempt, "error": dumps_or_none(error)},
            )
            == 1
        )

    def extend_leases(self, worker: str, job_ids: Sequence[str], until: float) -> int:
        if not job_ids:
            return 0
        params: dict[str, Any] = {"w": worker, "until": until}
        where = self._in("id", "ids", list(job_ids), params)
        return self._count(
            f"UPDATE of_jobs SET lease_expires_at = :until WHERE lease_owner = :w AND status = 'running' AND {where}",
            params,
        )

    def release_jobs(self, worker: str, fenced: Sequence[tuple[str, int]], now: float) -> int:
        """Give leased jobs back to the queue at once (a worker that stops cleanly)."""
        if not fenced:
            return 0
        params: dict[str, Any] = {"w": worker, "now": now}
        match = self.dialect.pairs_in(("id", "attempt"), "f", fenced, params)
        return self._count(
            "UPDATE of_jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, "
            f"available_at = :now WHERE lease_owner = :w AND status = 'running' AND {match}",
            params,
        )

    def reap_expired(self, now: float, limit: int = 1000) -> list[Job]:
        """Re-queue jobs whose lease expired (their worker died or hangs); returns them as they
        were (with the owner that lost them). Recovery goes through the normal claim path."""
        rows = self._all(
            f"SELECT {JOBS.select} FROM of_jobs WHERE status = 'running' AND lease_expires_at < :now "
            f"ORDER BY lease_expires_at LIMIT :limit{self.dialect.skip_locked}",
            {"now": now, "limit": limit},
        )
        expired = JOBS.load_all(rows)
        if expired:
            params: dict[str, Any] = {"now": now}
            match = self.dialect.pairs_in(("id", "attempt"), "f", [(j.id, j.attempt) for j in expired], params)
            self._exec(
                "UPDATE of_jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, "
                f"available_at = :now WHERE status = 'running' AND {match}",
                params,
            )
            for queue in {j.queue for j in expired}:
                self.notify("jobs", queue)
        return expired

    def jobs_of_run(self, run_id: str) -> list[Job]:
        rows = self._all(
            f"SELECT {JOBS.select} FROM of_jobs WHERE run_id = :id ORDER BY created_at, id",
            {"id": run_id},
        )
        return JOBS.load_all(rows)

    def get_job(self, job_id: str) -> Job | None:
        row = self._one(f"SELECT {JOBS.select} FROM of_jobs WHERE id = :id", {"id": job_id})
        return JOBS.load(row) if row else None

    def delete_job(self, job_id: str) -> bool:
        return self._count("DELETE FROM of_jobs WHERE id = :id", {"id": job_id}) == 1

    def has_runnable(self, run_id: str) -> bool:
        """Whether the run has a step job queued, executing or paused (work to do, not waiting)."""
        row = self._one(
            "SELECT 1 FROM of_jobs WHERE run_id = :id AND kind = 'step' "
            "AND status IN ('queued', 'running', 'paused') LIMIT 1",
            {"id": run_id},
        )
        return row is not None

    def has_failed(self, run_id: str) -> bool:
        row = self._one("SELECT 1 FROM of_jobs WHERE run_id = :id AND status = 'failed' LIMIT 1", {"id": run_id})
        return row is not None

    def set_run_jobs_status(self, run_id: str, old: JobStatus, new: JobStatus, now: float) -> int:
        extra = (
            ", available_at = CASE WHEN available_at < :now THEN :now ELSE available_at END"
            if new == JobStatus.QUEUED
            else ""
        )
        changed = self._count(
            f"UPDATE of_jobs SET status = :new{extra} WHERE run_id = :id AND status = :old",
            {"id": run_id, "old": str(old), "new": str(new), "now": now},
        )
        if changed and new == JobStatus.QUEUED:
            self.notify("jobs", "")
        return changed

    def requeue_failed(self, job: Job, now: float) -> bool:
        """An operator's retry: the dead letter becomes claimable, with a fresh attempt budget."""
        done = (
            self._count(
                "UPDATE of_jobs SET status = 'queued', available_at = :now, retries_from = attempt, "
                "error = NULL WHERE id = :id AND status = 'failed'",
                {"id": job.id, "now": now},
            )
            == 1
        )
        if done:
            self.notify("jobs", job.queue)
        return done

    def move_job(self, job_id: str, step_id: str, scope: Scope) -> None:
        self._exec(
            "UPDATE of_jobs SET step_id = :step, scope = :scope WHERE id = :id",
            {"id": job_id, "step": step_id, "scope": scope_text(scope)},
        )

    def dead_letters(
        self,
        tenant: str,
        *,
        workflow: str | None = None,
        limit: int = 100,
        before: tuple[float, str] | None = None,
    ) -> list[tuple[Job, str, int, float]]:
        """Failed jobs with their run's workflow, version and the time they were created."""
        params: dict[str, Any] = {"tenant": tenant, "limit": limit}
        where = ["j.tenant = :tenant", "j.status = 'failed'"]
        if workflow:
            where.append("r.workflow = :workflow")
            params["workflow"] = workflow
        if before is not None:
            where.append("(j.created_at < :c_at OR (j.created_at = :c_at AND j.id < :c_id))")
            params["c_at"], params["c_id"] = before
        rows = self._all(
            f"SELECT r.workflow, r.version, j.created_at, {JOBS.select_from('j')} FROM of_jobs j "
            f"JOIN of_runs r ON r.id = j.run_id WHERE {' AND '.join(where)} "
            "ORDER BY j.created_at DESC, j.id DESC LIMIT :limit",
            params,
        )
        return [(JOBS.load(job), workflow, version, created_at) for workflow, version, created_at, *job in rows]

    def queue_depths(self, tenant: str | None = None) -> dict[str, dict[str, int]]:
        params: dict[str, Any] = {}
        where = ""
        if tenant:
            where = "WHERE tenant = :tenant"
            params["tenant"] = tenant
        rows = self._all(f"SELECT queue, status, COUNT(*) FROM of_jobs {where} GROUP BY queue, status", params)
        out: dict[str, dict[str, int]] = {}
        for queue, status, count in rows:
            out.setdefault(queue, {})[status] = int(count)
        return out
