"""Times as stored (naive UTC) and as shown (the practice's time zone)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidInput


def utcnow() -> datetime:
    """Naive UTC, as stored; what is shown is converted to the practice's time zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_time(utc: datetime, zone: str) -> datetime:
    """A stored naive-UTC time in the practice's time zone."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"The practice time zone {zone!r} (TS_TIMEZONE) is not a known time zone; use a name "
            "such as America/Chicago."
        ) from None
    return utc.replace(tzinfo=UTC).astimezone(tz)


def stamp(utc: datetime, zone: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    t = local_time(utc, zone)
    return f"{t:{fmt}} {t.tzname()}"
