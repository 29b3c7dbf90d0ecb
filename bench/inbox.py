"""Console benchmark: server time of the inbox, the task page and the filtered runs list with
100,000 open tasks and 1,000,000 completed runs in the database (targets: p95 under 100 ms for the
inbox and the task page, under 150 ms for the runs list).

Data (bench/inbox_data.py): 2,000 people, 200 groups, 20 workflows applied through the engine;
runs, tasks, waits, timers, history and task events written by bulk insert (PostgreSQL ``COPY``,
SQLite ``executemany`` in big transactions) in the shapes the engine writes, which
bench/inbox_shapes.py checks against the engine before anything is loaded. Seeded.

Measurement: the real ASGI app (``create_app``) in this process, through httpx's ASGITransport,
with real session cookies; server time is from the app receiving a request to it sending the last
byte of the response. One request at a time, after a warm-up, across viewers (the person with most
tasks, a typical approver, someone whose tasks come through groups, a substitute, an operator with
``tasks.assign`` looking at everything), views, filters, second pages and many tasks.

Prints one line for people (stderr), then one JSON object: backend, data sizes, load time, and per
page p50/p95/p99, the target and whether it is met, with each variant's figures.

    python bench/inbox.py --backend sqlite
    python bench/inbox.py --backend postgresql
    python bench/inbox.py --backend sqlite --scale 0.01 --samples 50      # a quick look
    python bench/inbox.py --backend postgresql --keep                    # keep the database, print its URL
    python bench/inbox.py --reuse postgresql://postgres@127.0.0.1/of_bench_1a2b3c4d   # measure it again
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.engine import Database  # noqa: E402
from bench.inbox_data import COLUMNS, DAY, HANDLERS, NOW, TENANT, Generator, Rows, Sizes, World, definition  # noqa: E402
from bench.inbox_shapes import check_shapes  # noqa: E402
from officeflow import FakeClock, Office  # noqa: E402
from officeflow.asgi import create_app  # noqa: E402
from officeflow.security import keys  # noqa: E402
from officeflow.settings import load_settings  # noqa: E402

TARGETS = {"inbox": 100.0, "task": 100.0, "runs": 150.0}
"""p95 server time, ms."""
PASSWORD = "bench inbox correct horse battery"


class Writer:
    """Bulk inserts: COPY on PostgreSQL; on SQLite, executemany in one transaction per chunk with
    the journal and fsyncs off while loading."""

    def __init__(self, url: str) -> None:
        self.lite: sqlite3.Connection | None = None
        self.pg: psycopg.Connection[Any] | None = None
        if url.startswith("sqlite"):
            self.lite = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY"):
                self.lite.execute(f"PRAGMA {pragma}")
        else:
            self.pg = psycopg.connect(url)

    def write(self, rows: Rows) -> int:
        if self.lite is not None:
            self.lite.execute("BEGIN")
            for table, items in rows.items():
                marks = ", ".join("?" * len(COLUMNS[table]))
                self.lite.executemany(f"INSERT INTO {table} ({', '.join(COLUMNS[table])}) VALUES ({marks})", items)
            self.lite.execute("COMMIT")
        else:
            assert self.pg is not None
            with self.pg.cursor() as cur:
                for table, items in rows.items():
                    with cur.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                        for row in items:
                            copy.write_row(row)
            self.pg.commit()
        return sum(len(items) for items in rows.values())

    def finish(self) -> None:
        """SQLite: back to WAL, as officeflow runs it (no ANALYZE: officeflow does not run it).
        PostgreSQL: VACUUM ANALYZE, the state autovacuum leaves a table in after many inserts."""
        if self.lite is not None:
            self.lite.execute("PRAGMA journal_mode=WAL")
            self.lite.close()
        if self.pg is not None:
            self.pg.autocommit = True
            for table in COLUMNS:
                self.pg.execute(f"VACUUM (ANALYZE) {table}")
            self.pg.close()


def load(url: str, sizes: Sizes, seed: int) -> float:
    """Fill a migrated, empty database: definitions through the engine, the rest in bulk. Seconds taken."""
    started = time.perf_counter()
    rng = random.Random(seed)
    world = World.make(sizes, rng)
    with Office.open(url, handlers=HANDLERS, clock=FakeClock(NOW - 800 * DAY)) as office:
        for w in range(sizes.workflows):
            office.engine.apply(definition(w, sizes.groups), actor="user:designer")
        world.load_specs(office.engine)
    writer = Writer(url)
    written = writer.write(world.directory_rows(rng))
    total, runs = sizes.open_tasks + sizes.completed_runs, 0
    for chunk in Generator(world, rng).chunks():
        written += writer.write(chunk)
        runs += len(chunk.get("of_runs", ()))
        if runs % 200_000 < 20_000 or runs == total:
            rate = written / (time.perf_counter() - started)
            print(f"  {runs:,}/{total:,} runs, {written:,} rows ({rate:,.0f} rows/s)", file=sys.stderr)
    writer.finish()
    return time.perf_counter() - started


@dataclass
class Variant:
    page: str
    name: str
    viewer: str
    urls: list[str]
    measured: bool = True
    """False: warm-up only (a task of each workflow, so that every definition is loaded, as in a
    server that has been up for a while)."""


def _rows(office: Office, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    with office.store.read() as tx:
        return tx._all(sql, params)


def pick_viewers(office: Office) -> dict[str, str]:
    """Who looks: the person with most tasks, a typical approver (the median), the person with
    most group tasks and none of their own, a substitute, and an operator (tasks.assign)."""
    mine = _rows(
        office,
        "SELECT assignee, COUNT(*) FROM of_tasks WHERE tenant = :t AND status = 'active' AND assignee IS NOT NULL "
        "GROUP BY assignee ORDER BY COUNT(*) DESC, assignee",
        {"t": TENANT},
    )
    offered = dict(
        _rows(
            office,
            "SELECT candidate_group, COUNT(*) FROM of_tasks WHERE tenant = :t AND status = 'active' "
            "AND assignee IS NULL GROUP BY candidate_group",
            {"t": TENANT},
        )
    )
    via_groups: Counter[str] = Counter()
    for group, user in _rows(
        office, "SELECT group_name, username FROM of_group_members WHERE tenant = :t", {"t": TENANT}
    ):
        via_groups[user] += offered.get(group, 0)
    holders = {a for a, _ in mine}
    group_user = max((u for u in via_groups if u not in holders), key=lambda u: (via_groups[u], u))
    away = _rows(
        office,
        "SELECT substitute, username FROM of_absences WHERE tenant = :t AND starts_at <= :now AND ends_at > :now "
        "ORDER BY substitute",
        {"t": TENANT, "now": NOW},
    )
    counts = dict(mine)
    substitute = max(away, key=lambda r: (counts.get(r[1], 0), r[0]))[0] if away else mine[0][0]
    return {
        "most tasks": mine[0][0],
        "typical": mine[len(mine) // 2][0],
        "groups only": group_user,
        "substitute": substitute,
        "operator": "ops-lead",
    }


def sessions(office: Office, viewers: dict[str, str]) -> dict[str, str]:
    """A session token per viewer (accounts made when missing: approvers, the operator)."""
    tokens = {}
    for label, name in viewers.items():
        with office.store.read() as tx:
            exists = tx.user_by_name(TENANT, name) is not None
        if not exists:
            role = "operator" if label == "operator" else "approver"
            office.accounts.create_user(TENANT, name, password=PASSWORD, grants=[role], actor="user:bench")
        tokens[label] = office.accounts.login(TENANT, name, PASSWORD).token
    return tokens


def variants(office: Office, viewers: dict[str, str], rng: random.Random) -> list[Variant]:
    """The requests measured, by page. Second pages get their cursors from the first pages."""
    names = [r[0] for r in _rows(office, "SELECT DISTINCT name FROM of_definitions ORDER BY name")]
    by_use = [r[0] for r in _rows(office, "SELECT workflow FROM of_tasks GROUP BY workflow ORDER BY COUNT(*) DESC")]
    popular, rare = by_use[0], by_use[-1]
    assert {popular, rare} <= set(names), (popular, rare, names)

    def task_ids(where: str, params: dict[str, Any], n: int) -> list[str]:
        sql = f"SELECT id FROM of_tasks WHERE tenant = :t AND {where} ORDER BY id"
        ids = [r[0] for r in _rows(office, sql, {"t": TENANT, **params})]
        return rng.sample(ids, min(n, len(ids)))

    groups = [
        r[0]
        for r in _rows(
            office,
            "SELECT group_name FROM of_group_members WHERE tenant = :t AND username = :u",
            {"t": TENANT, "u": viewers["groups only"]},
        )
    ]
    params: dict[str, Any] = {f"g{i}": g for i, g in enumerate(groups)}
    in_groups = f"candidate_group IN ({', '.join(':' + k for k in params)})"
    first_tasks = [
        r[0]
        for r in _rows(
            office,
            "SELECT MIN(id) FROM of_tasks WHERE tenant = :t AND status = 'active' GROUP BY workflow",
            {"t": TENANT},
        )
    ]
    v = Variant
    return [
        v("inbox", "mine (default), most tasks", "most tasks", ["/inbox"]),
        v("inbox", "mine overdue, most tasks", "most tasks", ["/inbox?view=mine&due=overdue"]),
        v("inbox", "mine one workflow, most tasks", "most tasks", [f"/inbox?view=mine&workflow={popular}"]),
        v("inbox", "mine page 2, most tasks", "most tasks", ["/inbox?view=mine#next"]),
        v("inbox", "all (mine + groups), most tasks", "most tasks", ["/inbox?view=all"]),
        v("inbox", "mine (default), typical", "typical", ["/inbox"]),
        v("inbox", "default -> groups, groups only", "groups only", ["/inbox"]),
        v("inbox", "groups priority>=2, groups only", "groups only", ["/inbox?view=groups&priority=2"]),
        v("inbox", "mine (default), substitute", "substitute", ["/inbox"]),
        v("inbox", "all, operator", "operator", ["/inbox?view=all"]),
        v("inbox", "all overdue, operator", "operator", ["/inbox?view=all&due=overdue"]),
        v("inbox", "all one workflow, operator", "operator", [f"/inbox?view=all&workflow={rare}"]),
        v("inbox", "all page 2, operator", "operator", ["/inbox?view=all#next"]),
        v("task", "open task, operator", "operator", [f"/tasks/{t}" for t in task_ids("status = 'active'", {}, 200)]),
        v(
            "task",
            "decided task, operator",
            "operator",
            [f"/tasks/{t}" for t in task_ids("status = 'completed' AND created_at > :c", {"c": NOW - 60 * DAY}, 50)],
        ),
        v(
            "task",
            "own task, most tasks",
            "most tasks",
            [f"/tasks/{t}" for t in task_ids("status = 'active' AND assignee = :u", {"u": viewers["most tasks"]}, 100)],
        ),
        v(
            "task",
            "group task, groups only",
            "groups only",
            [f"/tasks/{t}" for t in task_ids(f"status = 'active' AND assignee IS NULL AND {in_groups}", params, 100)],
        ),
        v("task", "warm-up", "operator", [f"/tasks/{t}" for t in first_tasks], measured=False),
        v("runs", "completed, popular workflow", "operator", [f"/runs?status=completed&workflow={popular}"]),
        v("runs", "completed, rare workflow", "operator", [f"/runs?status=completed&workflow={rare}"]),
        v("runs", "completed page 2, popular", "operator", [f"/runs?status=completed&workflow={popular}#next"]),
        v("runs", "completed page 2, rare", "operator", [f"/runs?status=completed&workflow={rare}#next"]),
        v("runs", "any status, popular workflow", "operator", [f"/runs?workflow={popular}"]),
        v("runs", "any status, rare workflow", "operator", [f"/runs?workflow={rare}"]),
        v("runs", "any status page 2, popular", "operator", [f"/runs?workflow={popular}#next"]),
        v("runs", "waiting, popular workflow", "operator", [f"/runs?status=waiting&workflow={popular}"]),
    ]


class Timed:
    """ASGI wrapper: how long the app took for the last request (first byte in to last byte out)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter()
        await self.app(scope, receive, send)
        self.last = time.perf_counter() - started


NEXT = re.compile(r'href="(/(?:inbox|runs)\?[^"]*(?:after|before)=[^"]*)"[^>]*rel="next"')


async def measure(
    office: Office, tokens: dict[str, str], plan: list[Variant], samples: int, warmup: int
) -> dict[str, Any]:
    """``samples`` requests per page, variants in turn, after ``warmup`` rounds of each variant."""
    timed = Timed(create_app(office, load_settings(rate_limit_key="off", rate_limit_tenant="off"), background=False))
    transport = httpx.ASGITransport(app=timed)
    clients = {
        label: httpx.AsyncClient(transport=transport, base_url="http://bench", cookies={"officeflow_session": token})
        for label, token in tokens.items()
    }

    async def get(variant: Variant, url: str) -> tuple[float, str]:
        response = await clients[variant.viewer].get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} as {variant.viewer}: {response.status_code}\n{response.text[:2000]}")
        return timed.last * 1000, response.text

    try:
        for variant in list(plan):  # second pages: follow the first page's "next" link
            if variant.urls[0].endswith("#next"):
                _, html = await get(variant, variant.urls[0].removesuffix("#next"))
                found = NEXT.search(html)
                if found is None:  # small data: one page is all there is
                    plan.remove(variant)
                    continue
                variant.urls = [found.group(1).replace("&amp;", "&")]
        times: dict[str, list[float]] = defaultdict(list)
        for page in TARGETS:
            for v in [v for v in plan if v.page == page and not v.measured]:
                for url in v.urls:
                    await get(v, url)
            chosen = [v for v in plan if v.page == page and v.measured]
            for r in range(warmup):
                for v in chosen:
                    await get(v, v.urls[r % len(v.urls)])
            for i in range(samples):
                v = chosen[i % len(chosen)]
                ms, _ = await get(v, v.urls[(i // len(chosen)) % len(v.urls)])
                times[page].append(ms)
                times[f"{page}: {v.name}"].append(ms)
    finally:
        for client in clients.values():
            await client.aclose()
    return times


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {f"p{q}_ms": round(percentile(values, q), 1) for q in (50, 95, 99)} | {
        "mean_ms": round(sum(values) / len(values), 1),
        "max_ms": round(max(values), 1),
        "n": len(values),
    }


def data_sizes(office: Office) -> dict[str, Any]:
    def one(sql: str) -> int:
        return int(_rows(office, sql)[0][0])

    sizes = {
        "open_tasks": one("SELECT COUNT(*) FROM of_tasks WHERE status = 'active'"),
        "decided_tasks": one("SELECT COUNT(*) FROM of_tasks WHERE status = 'completed'"),
        "completed_runs": one("SELECT COUNT(*) FROM of_runs WHERE status = 'completed'"),
        "waiting_runs": one("SELECT COUNT(*) FROM of_runs WHERE status = 'waiting'"),
        "history_rows": one("SELECT COUNT(*) FROM of_history"),
        "people": one("SELECT COUNT(*) FROM of_people"),
        "groups": one("SELECT COUNT(*) FROM of_groups"),
        "workflows": one("SELECT COUNT(DISTINCT name) FROM of_definitions"),
    }
    if office.store.dialect.name == "postgresql":
        sizes["database_mb"] = round(one("SELECT pg_database_size(current_database())") / 2**20)
    else:
        sizes["database_mb"] = round(Path(office.store.path).stat().st_size / 2**20)  # type: ignore[attr-defined]
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--scale", type=float, default=1.0, help="data size (1.0: 100,000 open tasks, 1M runs)")
    parser.add_argument("--samples", type=int, default=200, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=2, help="rounds of every variant before measuring")
    parser.add_argument("--seed", type=int, default=20260528)
    parser.add_argument("--keep", action="store_true", help="keep the database and print its URL")
    parser.add_argument("--reuse", metavar="URL", help="measure a database a --keep run left (no loading)")
    parser.add_argument(
        "--pg-admin", default=os.environ.get("OFFICEFLOW_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    args = parser.parse_args()
    os.environ.setdefault(keys.ENV, keys.generate())

    problems = check_shapes()
    if problems:
        raise SystemExit("generated rows differ from the engine's:\n" + "\n".join(problems))
    scratch = None
    load_s = None
    if args.reuse:
        url = args.reuse
        backend = "sqlite" if url.startswith("sqlite") else "postgresql"
    else:
        backend = args.backend
        scratch = Database(backend, args.pg_admin)
        url = scratch.url
    try:
        if scratch is not None:
            load_s = load(url, Sizes.at(args.scale), args.seed)
        with Office.open(url, handlers=HANDLERS, clock=FakeClock(NOW)) as office:
            viewers = pick_viewers(office)
            tokens = sessions(office, viewers)
            plan = variants(office, viewers, random.Random(args.seed))
            times = asyncio.run(measure(office, tokens, plan, args.samples, args.warmup))
            sizes = data_sizes(office)
    finally:
        if scratch is not None and not args.keep:
            scratch.drop()
    pages = {
        page: summary(times[page]) | {"target_ms": t, "met": percentile(times[page], 95) < t}
        for page, t in TARGETS.items()
    }
    result = {
        "backend": backend,
        "scale": args.scale if scratch is not None else None,
        "sizes": sizes,
        "load_s": round(load_s, 1) if load_s is not None else None,
        "pages": pages,
        "variants": {k: summary(v) for k, v in times.items() if ":" in k},
        "viewers": viewers,
    }
    if scratch is not None and args.keep:
        result["kept"] = url
        print(f"kept the database: --reuse {url}", file=sys.stderr)
    figures = "; ".join(
        f"{p} p50/p95/p99 {s['p50_ms']}/{s['p95_ms']}/{s['p99_ms']} ms "
        f"({'met' if s['met'] else 'MISSED'}: target p95 < {s['target_ms']:.0f})"
        for p, s in pages.items()
    )
    loaded = f", loaded in {load_s:.0f} s" if load_s is not None else ""
    print(
        f"{backend}: {sizes['open_tasks']:,} open tasks, {sizes['completed_runs']:,} completed runs{loaded}; {figures}",
        file=sys.stderr,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
