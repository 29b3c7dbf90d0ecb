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

decision_tables = sa.Table(
    "of_decision_tables",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("format", Text, nullable=False),
    sa.Column("digest", Text, nullable=False),
    sa.Column("title", Text),
    sa.Column("decisions", Text, nullable=False),
    sa.Column("source", Text, nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("created_by", Text),
    sa.PrimaryKeyConstraint("tenant", "name", "version", name="of_decision_tables_pkey"),
)
"""Decision models (DMN or the YAML form), one immutable row per version."""

decision_hits = sa.Table(
    "of_decision_hits",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("table_id", Text, nullable=False),
    sa.Column("rule", sa.Integer, nullable=False),
    sa.Column("decision", Text, nullable=False),
    sa.Column("hits", sa.BigInteger, nullable=False),
    sa.Column("last_at", Time, nullable=False),
    sa.PrimaryKeyConstraint("tenant", "name", "version", "table_id", "rule", name="of_decision_hits_pkey"),
)
"""How often each row of a decision model version matched in ``rules`` steps."""

decision_evaluations = sa.Table(
    "of_decision_evaluations",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("evaluations", sa.BigInteger, nullable=False),
    sa.Column("last_at", Time, nullable=False),
    sa.PrimaryKeyConstraint("tenant", "name", "version", name="of_decision_evaluations_pkey"),
)
"""How many times ``rules`` steps evaluated each decision model version."""

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

# Security: principals, grants, sessions, secrets, the audit chain.

users = sa.Table(
    "of_users",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("username", Text, nullable=False),
    sa.Column("display_name", Text),
    sa.Column("email", Text),
    sa.Column("password_hash", Text),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("failed_logins", sa.Integer, nullable=False),
    sa.Column("locked_until", Time),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    sa.Index("of_users_name", "tenant", "username", unique=True),
)

api_keys = sa.Table(
    "of_api_keys",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("prefix", Text, nullable=False),
    sa.Column("secret_hash", Text, nullable=False),
    sa.Column("user_id", Text),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("created_by", Text),
    sa.Column("expires_at", Time),
    sa.Column("revoked_at", Time),
    sa.Column("last_used_at", Time),
    sa.Index("of_api_keys_prefix", "prefix", unique=True),
    sa.Index("of_api_keys_tenant", "tenant", "created_at"),
)

grants = sa.Table(
    "of_grants",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("principal", Text, nullable=False),
    sa.Column("role", Text, nullable=False),
    sa.Column("workflow", Text, nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("created_by", Text),
    sa.PrimaryKeyConstraint("tenant", "principal", "role", "workflow", name="of_grants_pkey"),
)

sessions = sa.Table(
    "of_sessions",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("token_hash", Text, nullable=False),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("user_id", Text, nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("expires_at", Time, nullable=False),
    sa.Column("revoked_at", Time),
    sa.Column("csrf_token", Text, nullable=False),
    sa.Index("of_sessions_token", "token_hash", unique=True),
)

secrets = sa.Table(
    "of_secrets",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("ciphertext", Text, nullable=False),
    sa.Column("description", Text),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    sa.Column("updated_by", Text),
    sa.PrimaryKeyConstraint("tenant", "name", name="of_secrets_pkey"),
)

audit = sa.Table(
    "of_audit",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("at", Time, nullable=False),
    sa.Column("actor", Text, nullable=False),
    sa.Column("action", Text, nullable=False),
    sa.Column("object_type", Text, nullable=False),
    sa.Column("object_id", Text, nullable=False),
    sa.Column("before", Text),
    sa.Column("after", Text),
    sa.Column("mac", Text, nullable=False),
    sa.Column("seq", sa.BigInteger),
    sa.Column("prev_hash", Text),
    sa.Column("hash", Text),
    sa.Column("nonce", Text),
    sa.Index("of_audit_chain", "tenant", "seq", unique=True),
    sa.Index("of_audit_nonce", "tenant", "nonce", unique=True),
    sa.Index(
        "of_audit_unsealed",
        "tenant",
        "id",
        sqlite_where=sa.text("seq IS NULL"),
        postgresql_where=sa.text("seq IS NULL"),
    ),
    sa.Index("of_audit_object", "tenant", "object_type", "object_id"),
)

audit_heads = sa.Table(
    "of_audit_heads",
    metadata,
    sa.Column("tenant", Text, primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", Text, nullable=False),
    sa.Column("mac", Text, nullable=False),
    sa.Column("sealed_at", Time, nullable=False),
)

# The HTTP API: idempotent POSTs, shared rate limits, webhook replay protection.

idempotency = sa.Table(
    "of_idempotency",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("principal", Text, nullable=False),
    sa.Column("key", Text, nullable=False),
    sa.Column("method", Text, nullable=False),
    sa.Column("path", Text, nullable=False),
    sa.Column("request_hash", Text, nullable=False),
    sa.Column("status", sa.Integer),
    sa.Column("response", Text),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("expires_at", Time, nullable=False),
    sa.PrimaryKeyConstraint("tenant", "principal", "key", name="of_idempotency_pkey"),
    sa.Index("of_idempotency_expiry", "expires_at"),
)

rate_buckets = sa.Table(
    "of_rate_buckets",
    metadata,
    sa.Column("key", Text, primary_key=True),
    sa.Column("tokens", sa.Double, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
)

webhook_seen = sa.Table(
    "of_webhook_seen",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("message_id", Text, nullable=False),
    sa.Column("seen_at", Time, nullable=False),
    sa.PrimaryKeyConstraint("tenant", "message_id", name="of_webhook_seen_pkey"),
    sa.Index("of_webhook_seen_at", "seen_at"),
)

# Events: types with versioned schemas, the append-only event store, rejects, triggers, schedules.

event_types = sa.Table(
    "of_event_types",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("schema", Text, nullable=False),
    sa.Column("description", Text),
    sa.Column("signature_secret", Text),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("created_by", Text),
    sa.PrimaryKeyConstraint("tenant", "name", "version", name="of_event_types_pkey"),
)

events = sa.Table(
    "of_events",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("id", Text, nullable=False),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("type", Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("source", Text, nullable=False),
    sa.Column("subject", Text),
    sa.Column("payload", Text, nullable=False),
    sa.Column("meta", Text),
    sa.Column("received_at", Time, nullable=False),
    sa.Index("of_events_id", "tenant", "id", unique=True),
    sa.Index("of_events_type", "tenant", "type", "received_at"),
)

event_rejects = sa.Table(
    "of_event_rejects",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("type", Text, nullable=False),
    sa.Column("source", Text, nullable=False),
    sa.Column("payload", Text, nullable=False),
    sa.Column("reason", Text, nullable=False),
    sa.Column("received_at", Time, nullable=False),
    sa.Index("of_event_rejects_tenant", "tenant", "received_at"),
)

triggers = sa.Table(
    "of_triggers",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("event_type", Text, nullable=False),
    sa.Column("workflow", Text, nullable=False),
    sa.Column("version", sa.Integer),
    sa.Column("filter", Text),
    sa.Column("input", Text),
    sa.Column("idempotency_key", Text),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    sa.Index("of_triggers_name", "tenant", "name", unique=True),
    sa.Index("of_triggers_type", "tenant", "event_type"),
)

schedules = sa.Table(
    "of_schedules",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("cron", Text, nullable=False),
    sa.Column("timezone", Text, nullable=False),
    sa.Column("event_type", Text, nullable=False),
    sa.Column("payload", Text),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("next_fire_at", Time, nullable=False),
    sa.Column("last_fire_at", Time),
    sa.Column("created_at", Time, nullable=False),
    sa.Index("of_schedules_name", "tenant", "name", unique=True),
    sa.Index("of_schedules_due", "next_fire_at"),
)

files = sa.Table(
    "of_files",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("content_type", Text, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", Text, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("source", Text),
    sa.Index("of_files_tenant", "tenant", "created_at"),
)

# Human tasks and the directory they are assigned from.

people = sa.Table(
    "of_people",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("username", Text, nullable=False),
    sa.Column("display_name", Text),
    sa.Column("email", Text),
    sa.Column("manager", Text),
    sa.Column("department", Text),
    sa.Column("cost_centre", Text),
    sa.Column("updated_at", Time, nullable=False),
    sa.PrimaryKeyConstraint("tenant", "username", name="of_people_pkey"),
    sa.Index("of_people_manager", "tenant", "manager"),
)

departments = sa.Table(
    "of_departments",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("head", Text),
    sa.Column("cost_centre", Text),
    sa.Column("updated_at", Time, nullable=False),
    sa.PrimaryKeyConstraint("tenant", "name", name="of_departments_pkey"),
)

groups = sa.Table(
    "of_groups",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("description", Text),
    sa.Column("next_member", sa.Integer, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    sa.PrimaryKeyConstraint("tenant", "name", name="of_groups_pkey"),
)

group_members = sa.Table(
    "of_group_members",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("group_name", Text, nullable=False),
    sa.Column("username", Text, nullable=False),
    sa.PrimaryKeyConstraint("tenant", "group_name", "username", name="of_group_members_pkey"),
    sa.Index("of_group_members_user", "tenant", "username"),
)

absences = sa.Table(
    "of_absences",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("username", Text, nullable=False),
    sa.Column("substitute", Text, nullable=False),
    sa.Column("starts_at", Time, nullable=False),
    sa.Column("ends_at", Time, nullable=False),
    sa.Column("reason", Text),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("created_by", Text),
    sa.Index("of_absences_user", "tenant", "username", "ends_at"),
    sa.Index("of_absences_substitute", "tenant", "substitute", "ends_at"),
)

tasks = sa.Table(
    "of_tasks",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("run_id", Text, nullable=False),
    sa.Column("step_id", Text, nullable=False),
    sa.Column("iteration", sa.Integer, nullable=False),
    sa.Column("scope", Text, nullable=False),
    sa.Column("workflow", Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("title", Text, nullable=False),
    sa.Column("status", Text, nullable=False),
    sa.Column("assignee", Text),
    sa.Column("candidate_group", Text),
    sa.Column("requester", Text),
    sa.Column("excluded", Text),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("due_at", Time),
    sa.Column("sort_due", Time, nullable=False),
    sa.Column("sla_level", sa.Integer, nullable=False),
    sa.Column("sla_job_id", Text),
    sa.Column("approvals_required", sa.Integer, nullable=False),
    sa.Column("approvals", Text, nullable=False),
    sa.Column("spec", Text, nullable=False),
    sa.Column("data", Text),
    sa.Column("explanation", Text),
    sa.Column("outcome", Text),
    sa.Column("decided_by", Text),
    sa.Column("decided_at", Time),
    sa.Column("decision", Text),
    sa.Column("lock_version", sa.Integer, nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    sa.Index("of_tasks_run", "run_id", "step_id", "iteration"),
)
# The inbox lists open tasks most urgent first (priority DESC, sort_due, id): each view's index is in
# that order, so a page reads its 50 rows instead of sorting every task of the view; the group
# index has the assignee too, so "offered to my groups, unclaimed" is an index range, not a filter.
_urgent = (tasks.c.priority.desc(), tasks.c.sort_due, tasks.c.id)
sa.Index("of_tasks_open", tasks.c.tenant, tasks.c.status, *_urgent)
sa.Index("of_tasks_assignee", tasks.c.tenant, tasks.c.status, tasks.c.assignee, *_urgent)
sa.Index("of_tasks_group", tasks.c.tenant, tasks.c.status, tasks.c.candidate_group, tasks.c.assignee, *_urgent)
sa.Index("of_tasks_workflow", tasks.c.tenant, tasks.c.status, tasks.c.workflow, *_urgent)

task_events = sa.Table(
    "of_task_events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("task_id", Text, nullable=False),
    sa.Column("at", Time, nullable=False),
    sa.Column("actor", Text),
    sa.Column("type", Text, nullable=False),
    sa.Column("data", Text),
    sa.Index("of_task_events_task", "task_id", "id"),
)

corrections = sa.Table(
    "of_corrections",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("task_id", Text, nullable=False),
    sa.Column("run_id", Text, nullable=False),
    sa.Column("workflow", Text, nullable=False),
    sa.Column("step_id", Text, nullable=False),
    sa.Column("field", Text, nullable=False),
    sa.Column("before", Text),
    sa.Column("after", Text),
    sa.Column("actor", Text, nullable=False),
    sa.Column("at", Time, nullable=False),
    sa.Index("of_corrections_workflow", "tenant", "workflow", "at"),
    sa.Index("of_corrections_task", "task_id"),
)

# Documents: what document steps read, and each tenant's per-vendor memory.

document_readings = sa.Table(
    "of_document_readings",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("run_id", Text, nullable=False),
    sa.Column("step_id", Text, nullable=False),
    sa.Column("file_id", Text, nullable=False),
    sa.Column("kind", Text, nullable=False),
    sa.Column("source", Text, nullable=False),
    sa.Column("vendor_key", Text),
    sa.Column("extraction", Text, nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Index("of_document_readings_run", "tenant", "run_id"),
)

document_vendors = sa.Table(
    "of_document_vendors",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("vendor_key", Text, nullable=False),
    sa.Column("vendor", Text),
    sa.Column("profile", Text, nullable=False),
    sa.Column("corrections", sa.Integer, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    sa.Column("updated_by", Text),
    sa.PrimaryKeyConstraint("tenant", "vendor_key"),
)

outbox = sa.Table(
    "of_outbox",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("channel", Text, nullable=False),
    sa.Column("target", Text, nullable=False),
    sa.Column("payload", Text, nullable=False),
    sa.Column("status", Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_at", Time, nullable=False),
    sa.Column("lease_until", Time),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("sent_at", Time),
    sa.Column("error", Text),
    sa.Index(
        "of_outbox_due",
        "next_at",
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    ),
    sa.Index("of_outbox_tenant", "tenant", "created_at"),
)

# llm steps (migration 0008): each tenant's token limit (when it differs from the setting), the tokens
# counted per budget window, and the irreversible tool calls a person approved (run once, recorded).
llm_budgets = sa.Table(
    "of_llm_budgets",
    metadata,
    sa.Column("tenant", Text, primary_key=True),
    sa.Column("tokens", sa.BigInteger),
    sa.Column("updated_at", Time, nullable=False),
    sa.Column("updated_by", Text),
)

llm_usage = sa.Table(
    "of_llm_usage",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("window_start", Time, nullable=False),
    sa.Column("used", sa.BigInteger, nullable=False),
    sa.Column("held", sa.BigInteger, nullable=False),
    sa.Column("calls", sa.BigInteger, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    sa.PrimaryKeyConstraint("tenant", "window_start"),
)

llm_tool_runs = sa.Table(
    "of_llm_tool_runs",
    metadata,
    sa.Column("run_id", Text, nullable=False),
    sa.Column("step_id", Text, nullable=False),
    sa.Column("iteration", sa.Integer, nullable=False),
    sa.Column("call_id", Text, nullable=False),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("tool", Text, nullable=False),
    sa.Column("arguments", Text, nullable=False),
    sa.Column("status", Text, nullable=False),
    sa.Column("result", Text),
    sa.Column("error", Text),
    sa.Column("approved_by", Text),
    sa.Column("started_at", Time, nullable=False),
    sa.Column("finished_at", Time),
    sa.PrimaryKeyConstraint("run_id", "step_id", "iteration", "call_id"),
)

# Model feedback and drift (migration 0010): people's corrections and overrides of model outputs as
# labelled examples, drift measured per model version over a sliding window, and the alerts raised.
model_feedback = sa.Table(
    "of_model_feedback",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("model", Text, nullable=False),
    sa.Column("version", Text, nullable=False),
    sa.Column("prediction_id", Text),
    sa.Column("kind", Text, nullable=False),
    sa.Column("field", Text),
    sa.Column("input", Text, nullable=False),
    sa.Column("output", Text),
    sa.Column("model_value", Text),
    sa.Column("label", Text, nullable=False),
    sa.Column("task_id", Text),
    sa.Column("run_id", Text),
    sa.Column("workflow", Text),
    sa.Column("step_id", Text),
    sa.Column("actor", Text, nullable=False),
    sa.Column("at", Time, nullable=False),
    sa.Index("of_model_feedback_model", "tenant", "model", "version", "at"),
    sa.Index("of_model_feedback_task", "task_id"),
)

model_drift = sa.Table(
    "of_model_drift",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("model", Text, nullable=False),
    sa.Column("version", Text, nullable=False),
    sa.Column("measured_at", Time, nullable=False),
    sa.Column("window_start", Time, nullable=False),
    sa.Column("subject", Text, nullable=False),
    sa.Column("metric", Text, nullable=False),
    sa.Column("value", sa.Double, nullable=False),
    sa.Column("severity", Text, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Index("of_model_drift_version", "tenant", "model", "version", "measured_at"),
)

model_drift_alerts = sa.Table(
    "of_model_drift_alerts",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("model", Text, nullable=False),
    sa.Column("version", Text, nullable=False),
    sa.Column("subject", Text, nullable=False),
    sa.Column("severity", Text, nullable=False),
    sa.Column("value", sa.Double, nullable=False),
    sa.Column("threshold", sa.Double, nullable=False),
    sa.Column("raised_at", Time, nullable=False),
    sa.Column("cleared_at", Time),
    sa.Column("event_id", Text, nullable=False),
    sa.Index("of_model_drift_alerts_version", "tenant", "model", "version", "subject", "raised_at"),
)

# The model registry (migration 0007): model versions with their artifacts, the history of their
# stages, and one row per model call of a ``model`` step (the predictions drift and feedback read).

model_versions = sa.Table(
    "of_model_versions",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("version", Text, nullable=False),
    sa.Column("flavour", Text, nullable=False),
    sa.Column("description", Text, nullable=False),
    sa.Column("owner", Text, nullable=False),
    sa.Column("input_schema", Text, nullable=False),
    sa.Column("output_schema", Text, nullable=False),
    sa.Column("metrics", Text, nullable=False),
    sa.Column("training_data_digest", Text, nullable=False),
    sa.Column("metadata", Text, nullable=False),
    sa.Column("config", Text, nullable=False),
    sa.Column("artifact_digest", Text, nullable=False),
    sa.Column("stage", Text, nullable=False),
    sa.Column("share", sa.Double, nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("created_by", Text),
    sa.Column("changed_at", Time, nullable=False),
    sa.Column("changed_by", Text),
    sa.PrimaryKeyConstraint("tenant", "name", "version", name="of_model_versions_pkey"),
    sa.Index("of_model_versions_stage", "tenant", "name", "stage"),
)

model_files = sa.Table(
    "of_model_files",
    metadata,
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("version", Text, nullable=False),
    sa.Column("file", Text, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.PrimaryKeyConstraint("tenant", "name", "version", "file", name="of_model_files_pkey"),
)

model_stage_changes = sa.Table(
    "of_model_stage_changes",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("name", Text, nullable=False),
    sa.Column("version", Text, nullable=False),
    sa.Column("action", Text, nullable=False),
    sa.Column("from_stage", Text),
    sa.Column("to_stage", Text, nullable=False),
    sa.Column("share", sa.Double, nullable=False),
    sa.Column("reason", Text),
    sa.Column("at", Time, nullable=False),
    sa.Column("actor", Text),
    sa.Index("of_model_stage_changes_model", "tenant", "name", "id"),
)

model_predictions = sa.Table(
    "of_model_predictions",
    metadata,
    sa.Column("id", Text, primary_key=True),
    sa.Column("tenant", Text, nullable=False),
    sa.Column("run_id", Text, nullable=False),
    sa.Column("workflow", Text, nullable=False),
    sa.Column("step_id", Text, nullable=False),
    sa.Column("iteration", sa.Integer, nullable=False),
    sa.Column("model", Text, nullable=False),
    sa.Column("version", Text, nullable=False),
    sa.Column("shadow", sa.Boolean, nullable=False),
    sa.Column("input_digest", Text, nullable=False),
    sa.Column("input", Text, nullable=False),
    sa.Column("output", Text),
    sa.Column("confidence", sa.Double),
    sa.Column("label", Text),
    sa.Column("prediction_set", Text),
    sa.Column("explanation", Text),
    sa.Column("latency_ms", sa.Double, nullable=False),
    sa.Column("path", Text, nullable=False),
    sa.Column("reason", Text),
    sa.Column("error", Text),
    sa.Column("at", Time, nullable=False),
    sa.Index("of_model_predictions_call", "run_id", "step_id", "iteration", "model", "version", unique=True),
    sa.Index("of_model_predictions_version", "tenant", "model", "version", "at"),
)
