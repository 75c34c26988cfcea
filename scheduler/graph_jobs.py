"""The Microsoft Graph jobs: the Entra ID directory sync and the reconciliation of missed replies.

Both run only when the GRAPH_* credentials are set, at start-up and then every
DIRECTORY_SYNC_INTERVAL_S / RECONCILE_INTERVAL_S seconds, on their own APScheduler. Both are
safe on several instances at once: the sync replaces the table with the same rows, and each
reply is claimed by its idempotency key. The directory sync also needs ENTRA_GROUPS; without it
the council config's directory stays in use and only reconciliation runs.

Every instance, including one with SCHEDULER=off, loads the synced directory at start-up and
re-reads it every DIRECTORY_RELOAD_S, so a sync run by another instance reaches it too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from casestore.casework import Casework
from casestore.directory import Directory
from casestore.graph.client import GraphClient, GraphError
from casestore.graph.directory import directory_from
from casestore.graph.groups import EntraGroups, load_entra_groups
from casestore.graph.reconcile import ReconcileReport, reconcile_replies
from casestore.graph.sync import DirectoryIncomplete, SyncReport, load_synced, sync_directory
from casestore.graph.token import GraphAuthError, GraphCredentials, MsalTokenSource
from casestore.records import SyncedPerson

log = logging.getLogger(__name__)

Publish = Callable[[Directory], None]
DIRECTORY_RELOAD_S = 300
GRAPH_FAILURES = (GraphAuthError, GraphError, DirectoryIncomplete, OSError)


class Settings(Protocol):
    """The settings the Graph jobs read (the composition root's `Settings` has them)."""

    @property
    def graph_enabled(self) -> bool: ...
    @property
    def graph_tenant_id(self) -> str: ...
    @property
    def graph_client_id(self) -> str: ...
    @property
    def graph_client_secret(self) -> str: ...
    @property
    def graph_authority_host(self) -> str: ...
    @property
    def graph_base_url(self) -> str: ...
    @property
    def entra_groups(self) -> str | None: ...
    @property
    def directory_sync_interval_s(self) -> int: ...
    @property
    def reconcile_interval_s(self) -> int: ...


def graph_credentials(settings: Settings) -> GraphCredentials:
    return GraphCredentials(
        tenant_id=settings.graph_tenant_id, client_id=settings.graph_client_id,
        client_secret=settings.graph_client_secret,
        authority_host=settings.graph_authority_host, base_url=settings.graph_base_url)


def graph_client(settings: Settings, **options: Any) -> GraphClient:
    tokens = MsalTokenSource(graph_credentials(settings))
    return GraphClient(tokens, base_url=settings.graph_base_url, **options)


class GraphJobs:
    """The jobs, callable directly (tests, the CLI) or by the scheduler."""

    def __init__(self, casework: Casework, graph: GraphClient, *, groups: EntraGroups | None,
                 clock: Callable[[], datetime], publish: Publish | None = None) -> None:
        self.casework = casework
        self.graph = graph
        self.groups = groups
        self.clock = clock
        self.publish = publish
        self._people: frozenset[SyncedPerson] | None = None

    def _use(self, directory: Directory) -> None:
        self.casework.directory = directory
        if self.publish is not None:
            self.publish(directory)

    async def refresh_directory(self) -> Directory | None:
        """Re-read the synced directory; put it in use the first time and whenever it changed.

        Returns the directory put in use, or None (no ENTRA_GROUPS, or nothing changed)."""
        if self.groups is None:
            return None
        people = frozenset(await load_synced(self.casework.store))
        if people == self._people:
            return None
        self._people = people
        directory = directory_from(self.casework.config, sorted(people, key=_by_id))
        self._use(directory)
        return directory

    async def sync_directory(self) -> SyncReport | None:
        if self.groups is None:
            return None
        report, _ = await sync_directory(
            self.graph, self.casework.store, self.casework.config, self.groups, now=self.clock())
        await self.refresh_directory()
        return report

    async def reconcile(self) -> ReconcileReport:
        return await reconcile_replies(self.casework, self.graph, now=self.clock())

    async def run_logged(self, name: str, job: Callable[[], Any]) -> None:
        """For the scheduler: a failure is one log line (no secrets), and the next run retries."""
        try:
            await job()
        except GRAPH_FAILURES as exc:
            log.error("%s failed: %s: %s", name, type(exc).__name__, exc)


def _by_id(person: SyncedPerson) -> str:
    return person.person_id


def build_graph_scheduler(jobs: GraphJobs, *, sync_interval_s: int, reconcile_interval_s: int,
                          run_graph_jobs: bool = True, start_at: datetime | None = None,
                          reload_interval_s: int = DIRECTORY_RELOAD_S) -> AsyncIOScheduler:
    """The jobs on their own scheduler; `run_graph_jobs=False` keeps only the directory reload."""
    tz = jobs.casework.calendar.tz
    scheduler = AsyncIOScheduler(timezone=tz, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})

    def every(seconds: int) -> IntervalTrigger:
        return IntervalTrigger(seconds=seconds, timezone=tz)

    if jobs.groups is not None:
        scheduler.add_job(jobs.refresh_directory, every(reload_interval_s),
                          id="directory-reload", name="Reload the synced directory")
    if not run_graph_jobs:
        return scheduler
    if jobs.groups is not None:
        scheduler.add_job(jobs.run_logged, every(sync_interval_s),
                          args=("directory sync", jobs.sync_directory), id="entra-directory-sync",
                          name="Entra ID directory sync", next_run_time=start_at)
    scheduler.add_job(jobs.run_logged, every(reconcile_interval_s),
                      args=("reply reconciliation", jobs.reconcile),
                      id="graph-reply-reconciliation", name="Missed thread replies",
                      next_run_time=start_at)
    return scheduler


def graph_jobs_ctx(settings: Settings, casework: Casework, clock: Callable[[], datetime],
                   publish: Publish | None = None, *, run_jobs: bool = True
                   ) -> Callable[[Any], AsyncIterator[None]]:
    """An aiohttp `cleanup_ctx` entry: load the synced directory, run the jobs, stop them.

    Append it after the entry that migrates the database, on every instance; pass
    `run_jobs=settings.scheduler_enabled` so that only scheduling instances call Graph."""
    async def ctx(_app: Any) -> AsyncIterator[None]:
        if not settings.graph_enabled:
            log.info("Microsoft Graph is not configured: the council config's directory is used "
                     "and missed thread replies are not reconciled")
            yield
            return
        groups = load_entra_groups(settings.entra_groups, casework.config) \
            if settings.entra_groups else None
        graph = graph_client(settings)
        jobs = GraphJobs(casework, graph, groups=groups, clock=clock, publish=publish)
        directory = await jobs.refresh_directory()
        scheduler = build_graph_scheduler(
            jobs, sync_interval_s=settings.directory_sync_interval_s,
            reconcile_interval_s=settings.reconcile_interval_s, run_graph_jobs=run_jobs,
            start_at=datetime.now(UTC))  # the scheduler's own time, not the injected clock
        scheduler.start()
        log.info("Graph jobs: %s; directory sync %s, reconciliation %s",
                 f"{len(directory)} people in the directory" if directory is not None
                 else "the council config's directory (ENTRA_GROUPS not set)",
                 f"every {settings.directory_sync_interval_s}s"
                 if run_jobs and directory is not None else "off here",
                 f"every {settings.reconcile_interval_s}s" if run_jobs else "off here")
        yield
        scheduler.shutdown(wait=False)  # cancels a run in progress
        await asyncio.sleep(0)  # let the cancelled run unwind before its session closes
        await graph.close()

    return ctx
