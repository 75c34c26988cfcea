"""Benchmarks of the hot paths: raising enquiries, listing a member's cases, an SLA sweep over a
large store, and bot turns per second against the botbuilder and Agents SDK echo bots
(`benchmarks.throughput`). Prints tables; run with `make bench`. Uses a temporary SQLite file and,
if reachable, its own PostgreSQL database `bench_main` (created here; never the test database)."""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from casestore.calendar import LONDON
from casestore.casework import Casework
from casestore.config import load_council_config
from casestore.db.store import Store
from casestore.db.tables import metadata
from casestore.directory import Directory
from casestore.intake import EnquiryDetails
from casestore.model import Actor, ActorKind
from scheduler.sweep import sweep

PG_SERVER = os.environ.get("BENCH_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432")
PG_DATABASE = "bench_main"
START = datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)


async def timed(label: str, runs: int, fn: Callable[[int], Awaitable[object]]) -> None:
    samples = []
    for i in range(runs):
        t0 = time.perf_counter()
        await fn(i)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1] if len(samples) >= 20 else samples[-1]
    print(f"  {label:<46} n={runs:<5} median {statistics.median(samples):7.2f} ms"
          f"   p95 {p95:7.2f} ms")


async def bench_store(name: str, store: Store) -> None:
    print(f"{name}:")
    async with store.engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    config = load_council_config()
    directory = Directory.from_config(config)
    casework = Casework(store, config, directory)
    members = [m for m in directory.members() if m.left_office_on is None]

    async def submit(i: int) -> None:
        who = members[i % len(members)]
        when = START + timedelta(hours=i % 400)
        await casework.submit(EnquiryDetails(
            service_id="roads", enquiry_type="report_it", ward_id=who.ward_id or "",
            location=f"{i} Mill Lane", description="A deep pothole", ask="Repair it",
            search_term=f"pothole {i}"), member_id=who.id, actor=Actor(who.id, ActorKind.MEMBER),
            now=when)

    await timed("raise an enquiry (submit use case)", 2000, submit)
    member = Actor(members[0].id, ActorKind.MEMBER)
    await timed("my cases, first page of 10", 200,
                lambda i: casework.list_for_member(actor=member, now=START))
    await timed("view one case", 200, lambda i: casework.view(
        "ENQ-2026-000001", actor=member, now=START))
    sweep_at = datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)
    await timed("SLA sweep over 2,000 open cases (first run)", 1,
                lambda i: sweep(casework, sweep_at))
    await timed("SLA sweep again (nothing new to queue)", 20,
                lambda i: sweep(casework, sweep_at + timedelta(minutes=5 * (i + 1))))
    await store.dispose()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await bench_store("SQLite (WAL file)", Store.from_url(f"sqlite:///{tmp}/bench.sqlite3"))
    try:
        await bench_store("PostgreSQL", Store.from_url(await own_database(PG_DATABASE)))
    except OSError as exc:
        print(f"PostgreSQL skipped: {exc}")


async def own_database(name: str) -> str:
    """The URL of a benchmark's own PostgreSQL database, created if it is missing."""
    import asyncpg

    dsn = PG_SERVER.replace("postgresql+asyncpg", "postgresql") + "/postgres"
    conn = await asyncpg.connect(dsn)
    try:
        if not await conn.fetchval("select 1 from pg_database where datname = $1", name):
            await conn.execute(f'create database "{name}"')
    finally:
        await conn.close()
    return f"{PG_SERVER}/{name}"


if __name__ == "__main__":
    asyncio.run(main())
    from benchmarks import throughput

    throughput.main()
