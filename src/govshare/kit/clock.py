"""Time in one place, so tests and evidence agree on what "now" means (always UTC, aware)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in China: deadlines are counted in the agencies' own calendar."""
    return datetime.now(CHINA).date()
