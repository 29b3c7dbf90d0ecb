"""The database schema, defined once for both backends (SQLAlchemy Core).

Times are epoch seconds (double precision); JSON is stored as text. Migrations in
``migrations/versions`` must produce exactly this schema (a test checks it).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

Text = sa.Text
Time = sa.Double

definitions = sa.Table(
    "of_definitions",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("digest", Text, nullable=False),
    sa.Column("title", Text),
    sa.Column("source", Text, nullable=False),
    sa.Column("data", Text, nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("created_by", Text),
    sa.PrimaryKeyConstraint("tenant", "name", "version", name="of_definitions_pkey"),
)

runs = sa.Table(
    "of_runs",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("workflow", Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", Text, nullable=False),
    sa.Column("input", Text, nullable=False),
    sa.Column("output", Text),
    sa.Column("error", Text),
    sa.Column("idempotency_key", Text),
    sa.Column("parent_run_id", Text),
    sa.Column("parent_step", Text),
    sa.Column("parent_iteration", sa.Integer),
    sa.Column("parent_scope", Text),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    sa.Column("completed_at", Time),
    sa.Column("created_by", Text),
    sa.Index(
        "of_runs_idempotency",
        "tenant",
        "idempotency_key",
        unique=True,
        sqlite_where=sa.text("idempotency_key IS NOT NULL"),
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    ),
    sa.Index("of_runs_tenant_created", "tenant", "created_at"),
    sa.Index("of_runs_tenant_status", "tenant", "status", "created_at"),
    sa.Index("of_runs_tenant_workflow", "tenant", "workflow", "created_at"),
    sa.Index("of_runs_parent", "parent_run_id"),
)

jobs = sa.Table(
    "of_jobs",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("run_id", Text, nullable=False),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("kind", Text, nullable=False),
    sa.Column("step_id", Text, nullable=False),
    sa.Column("iteration", sa.Integer, nullable=False),
    sa.Column("scope", Text, nullable=False),
    sa.Column("queue", Text, nullable=False),
    sa.Column("status", Text, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("retries_from", sa.Integer, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("available_at", Time, nullable=False),
    sa.Column("lease_owner", Text),
    sa.Column("lease_expires_at", Time),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("error", Text),
    sa.Index(
        "of_jobs_claim",
        "queue",
        "priority",
        "available_at",
        sqlite_where=sa.text("status = 'queued'"),
        postgresql_where=sa.text("status = 'queued'"),
    ),
    sa.Index(
        "of_jobs_lease",
        "lease_expires_at",
        sqlite_where=sa.text("status = 'running'"),
        postgresql_where=sa.text("status = 'running'"),
    ),
    sa.Index(
        "of_jobs_owner",
        "lease_owner",
        sqlite_where=sa.text("status = 'running'"),
        postgresql_where=sa.text("status = 'running'"),
    ),
    sa.Index("of_jobs_run", "run_id"),
    sa.Index(
        "of_jobs_failed",
        "tenant",
        "created_at",
        sqlite_where=sa.text("status = 'failed'"),
        postgresql_where=sa.text("status = 'failed'"),
    ),
)

history = sa.Table(
    "of_history",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("run_id", Text, nullable=False),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("at", Time, nullable=False),
    sa.Column("type", Text, nullable=False),
    sa.Column("step_id", Text),
    sa.Column("iteration", sa.Integer),
    sa.Column("attempt", sa.Integer),
    sa.Column("actor", Text),
    sa.Column("output", Text),
    sa.Column("data", Text),
    sa.Index("of_history_run", "run_id", "id"),
    sa.Index(
        "of_history_step_once",
        "run_id",
        "step_id",
        "iteration",
        unique=True,
        sqlite_where=sa.text("type = 'step_completed'"),
        postgresql_where=sa.text("type = 'step_completed'"),
    ),
)

waits = sa.Table(
    "of_waits",
    metadata,
    sa.Column("run_id", Text, nullable=False),
    sa.Column("step_id", Text, nullable=False),
    sa.Column("iteration", sa.Integer, nullable=False),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("scope", Text, nullable=False),
    sa.Column("kind", Text, nullable=False),
    sa.Column("signal", Text),
    sa.Column("child_run_id", Text),
    sa.Column("timeout_job_id", Text),
    sa.Column("deadline", Time),
    sa.Column("created_at", Time, nullable=False),
    sa.PrimaryKeyConstraint("run_id", "step_id", "iteration", name="of_waits_pkey"),
    sa.Index("of_waits_child", "child_run_id"),
)

signals = sa.Table(
    "of_signals",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("run_id", Text, nullable=False),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("payload", Text),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("sender", Text),
    sa.Index("of_signals_run", "run_id", "name", "created_at"),
)

joins = sa.Table(
    "of_joins",
    metadata,
    sa.Column("run_id", Text, nullable=False),
    sa.Column("step_id", Text, nullable=False),
    sa.Column("iteration", sa.Integer, nullable=False),
    sa.Column("scope", Text, nullable=False),
    sa.Column("remaining", sa.Integer, nullable=False),
    sa.Column("outputs", Text, nullable=False),
    sa.PrimaryKeyConstraint("run_id", "step_id", "iteration", name="of_joins_pkey"),
)

workers = sa.Table(
    "of_workers",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("hostname", Text, nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("queues", Text, nullable=False),
    sa.Column("concurrency", sa.Integer, nullable=False),
    sa.Column("started_at", Time, nullable=False),
    sa.Column("heartbeat_at", Time, nullable=False),
    sa.Column("stopped_at", Time),
    sa.Column("steps_done", sa.BigInteger, nullable=False),
)
