"""Open-loop HTTP load: POST events at a fixed rate over keep-alive connections, and measure each
request from the moment it was *scheduled* (so a slow server cannot hide queueing: no coordinated
omission). Prints one JSON line: latencies, statuses and the ids that were accepted.

    python bench/loadgen.py --url http://127.0.0.1:8080 --token ofk_... --type bench.event --rate 1000 --duration 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections import Counter


async def connection(
    host: str,
    port: int,
    queue: asyncio.Queue[tuple[float, str] | None],
    path: str,
    token: str,
    results: list[tuple[float, int, str]],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            item = await queue.get()
            if item is None:
                return
            scheduled, event_id = item
            body = json.dumps({"n": event_id[-6:], "amount": 12.5}).encode()
            request = (
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nEvent-Id: {event_id}\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            status = int(status_line.split()[1]) if status_line else 0
            results.append((time.perf_counter() - scheduled, status, event_id))
    finally:
        writer.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--type", required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds at the rate not counted")
    args = parser.parse_args()
    host, port = args.url.split("://", 1)[1].rsplit(":", 1)
    queue: asyncio.Queue[tuple[float, str] | None] = asyncio.Queue()
    results: list[tuple[float, int, str]] = []
    workers = [
        asyncio.create_task(connection(host, int(port), queue, f"/v1/events/{args.type}", args.token, results))
        for _ in range(args.connections)
    ]
    total = int(args.rate * (args.duration + args.warmup))
    warm = int(args.rate * args.warmup)
    run = uuid.uuid4().hex[:8]
    start = time.perf_counter()
    for i in range(total):
        due = start + i / args.rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((due, f"bench-{run}-{i:07d}"))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = time.perf_counter() - start
    measured = sorted(results, key=lambda r: r[2])[warm:]
    latencies = sorted(r[0] * 1000 for r in measured)
    statuses = Counter(r[1] for r in results)

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q / 100 * len(latencies)))] if latencies else float("nan")

    print(
        json.dumps(
            {
                "sent": total,
                "elapsed_s": elapsed,
                "achieved_per_s": len(results) / elapsed,
                "p50_ms": pct(50),
                "p95_ms": pct(95),
                "p99_ms": pct(99),
                "max_ms": latencies[-1] if latencies else None,
                "statuses": {str(k): v for k, v in statuses.items()},
                "accepted": [r[2] for r in results if r[1] == 202],
            }
        )
    )


if __name__ == "__main__":
    try:
        import uvloop  # what uvicorn runs on too: the generator should cost the machine little
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())
    sys.exit(0)
