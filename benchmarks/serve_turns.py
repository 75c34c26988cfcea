"""The product for the throughput runs: `python -m benchmarks.serve_turns PORT DATABASE_URL`.

The whole app exactly as `memberportal serve` builds it (delivery running, the scheduler off so
no sweep competes), on the demo council with its demo enquiries seeded.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from casestore.db import migrate
from casestore.demo.seed import seed_demo
from casestore.intake import EnquiryDetails
from casestore.model import Actor, ActorKind
from memberportal.app import create_app, serve
from memberportal.context import Context
from memberportal.settings import Settings

BENCH_MEMBER = "sarah-okafor"
CASES_FOR_MEMBER = 40


def main(port: int, database_url: str) -> None:
    # one councillor's turns as fast as they go: a benchmark, not abuse, so no rate limit
    settings = Settings(database_url=database_url, scheduler_enabled=False, port=port,
                        rate_limit_per_minute=0)
    context = Context.build(settings)

    async def seed() -> None:
        await migrate.upgrade(context.store.engine)
        now = datetime.now(UTC)
        await seed_demo(context.casework, now=now)
        member = context.directory.get(BENCH_MEMBER)
        for i in range(CASES_FOR_MEMBER):  # a member with more than a page of casework
            await context.casework.submit(EnquiryDetails(
                service_id="roads", enquiry_type="report_it", ward_id=member.ward_id or "",
                location=f"{i + 1} Mill Lane, MV3 2PQ", description="A deep pothole",
                ask="Repair it", search_term=f"Mill Lane {i + 1}"),
                member_id=member.id, actor=Actor(member.id, ActorKind.MEMBER), now=now)
        await context.store.dispose()

    asyncio.run(seed())
    context = Context.build(settings)
    serve(create_app(settings, context=context), host="127.0.0.1", port=port)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
