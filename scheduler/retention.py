"""The retention job: once a day, remove the constituent's details from every case closed longer
ago than the council keeps them (`casestore.privacy.Privacy.remove_expired`). It logs how many
cases and their references, never what was removed."""

from __future__ import annotations

import logging
from datetime import datetime

from casestore.privacy import Privacy

log = logging.getLogger(__name__)


async def remove_expired_details(privacy: Privacy, now: datetime) -> list[str]:
    done = await privacy.remove_expired(now=now)
    if done:
        months = privacy.config.retention.redact_after_months
        log.info("retention: removed the constituent's details from %d case(s) closed over %d "
                 "months ago: %s", len(done), months, ", ".join(done))
    return done
