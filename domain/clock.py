"""The clinical clock: day numbers after infusion, as a treating physician counts them.

Day 0 is the infusion day in the centre's own calendar (its IANA zone), and "day N"
counts calendar days, not elapsed hours: infused at 18:00 and discharged at 09:00 on
the fourteenth calendar day after is day 14, not day 13. A compressed demo or test
policy (a "day" of a few seconds) has no calendar, so there day N is the number of
whole policy days since the infusion.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.policy import PathwayPolicy

CALENDAR_DAY = 86400.0


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _calendar(policy: PathwayPolicy) -> bool:
    return policy.day_seconds == CALENDAR_DAY


def day_number(policy: PathwayPolicy, zone: str, day0: datetime, at: datetime) -> int:
    """Which day after `day0` (the infusion) the moment `at` falls on."""
    if not _calendar(policy):
        return int((at - day0).total_seconds() // policy.day_seconds)
    tz = _zone(zone)
    return (at.astimezone(tz).date() - day0.astimezone(tz).date()).days


def day_start(policy: PathwayPolicy, zone: str, day0: datetime, n: float) -> datetime:
    """When day `n` after `day0` begins (local midnight of that calendar day)."""
    if not _calendar(policy):
        return day0 + policy.days(n)
    tz = _zone(zone)
    whole = int(n)
    midnight = datetime.combine(day0.astimezone(tz).date() + timedelta(days=whole), time(0), tzinfo=tz)
    return midnight + timedelta(days=n - whole)


def day_end(policy: PathwayPolicy, zone: str, day0: datetime, n: float) -> datetime:
    """When day `n` after `day0` is over."""
    return day_start(policy, zone, day0, n + 1)
