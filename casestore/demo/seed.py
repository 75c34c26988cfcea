"""Demo casework for the demo council: cases in every state, raised over the last few weeks.

Seeding is idempotent: a marker in the idempotency table means it has been done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from casestore.calendar import LONDON
from casestore.casework import Casework
from casestore.intake import EnquiryDetails
from casestore.model import Actor, ActorKind

MARKER = "seed:demo:v1"

_ENQUIRIES = [
    ("roads", "report_it", "Pothole outside 14 Mill Lane, about 30cm across",
     "Repair the pothole before someone is hurt", "Mill Lane pothole"),
    ("street-lighting", "report_it", "Three street lights out on Beacon Road since last week",
     "Lights repaired", "Beacon Rd lights"),
    ("bins", "report_it", "Missed bin collection on Orchard Close two weeks running",
     "Collection made and the round checked", "Orchard Close bins"),
    ("parking", "information_request", "Residents ask when the parking zone consultation closes",
     "Dates and how to respond", "parking zone"),
    ("parks", "improvement_request", "Broken swings in Victoria Park play area",
     "Swings repaired or replaced", "Victoria Park swings"),
    ("planning", "information_request", "Neighbours ask about the extension at 2 Elm Grove",
     "Whether permission was granted", "Elm Grove extension"),
    ("environment", "report_it", "Fly-tipping behind the shops on Station Parade",
     "Waste cleared and enforcement considered", "Station Parade fly-tip"),
    ("roads", "speed_issue", "Cars speeding on Church Road near the primary school",
     "A speed survey and options for calming", "Church Rd speeding"),
    ("licensing", "information_request", "Late opening hours application for the Crown",
     "Hearing date and how residents can comment", "Crown licence"),
    ("council-tax", "general", "Constituent querying a council tax reduction decision",
     "Decision reviewed and explained", "CT reduction"),
]


@dataclass(frozen=True)
class SeedResult:
    created: list[str]
    already_seeded: bool


async def seed_demo(casework: Casework, *, now: datetime) -> SeedResult:
    async with casework.store.transaction() as uow:
        if await uow.idempotency.claim(MARKER, now) is not None:
            return SeedResult([], True)
    members = [m for m in casework.directory.members() if m.left_office_on is None]
    cal = casework.calendar
    created: list[str] = []
    today = cal.local_date(now)
    for i, (service, etype, description, ask, term) in enumerate(_ENQUIRIES * 3):
        member = members[(i * 7) % len(members)]
        day = today
        for _ in range(i % 25):
            day = cal.previous_working_day(day)
        at = datetime.combine(day, time(9 + i % 7, 15), LONDON)
        actor = Actor(member.id, ActorKind.MEMBER)
        outcome = await casework.submit(
            EnquiryDetails(
                service_id=service, enquiry_type=etype, ward_id=member.ward_id or "",
                location=term, description=description, ask=ask, search_term=term,
            ),
            member_id=member.id, actor=actor, now=at,
        )
        ref = outcome.case.reference or ""
        created.append(ref)
        await _progress(casework, ref, service, i, at)
    return SeedResult(created, False)


async def _progress(casework: Casework, ref: str, service: str, i: int, at: datetime) -> None:
    officers = casework.directory.service_officers(service)
    if not officers or i % 5 == 0:
        return
    officer = Actor(officers[i % len(officers)].id, ActorKind.OFFICER)
    later = at + timedelta(hours=3)
    await casework.acknowledge(ref, actor=officer, now=later)
    if i % 5 >= 2:
        await casework.reply(ref, actor=officer, now=later + timedelta(days=1),
                             text="We have inspected the site and booked the work.")
    if i % 5 == 4:
        await casework.final_response(ref, actor=officer, now=later + timedelta(days=2),
                                      text="The work has been completed.")
