"""Working-day deadlines of evaluation, award, challenge and contract (DOMAIN.md "Time limits").

Each limit is counted in Chinese statutory working days from the day (Asia/Shanghai) of the event
that starts it, with ``procurement.calendar``; the event day itself is not counted. A deadline that
falls in a year the calendar does not know carries the calendar's warning, stored beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from procurement.calendar import add_working_days

CHINA = ZoneInfo("Asia/Shanghai")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# Limits (settings with these defaults; sources in DOMAIN.md).
def report_to_confirmation_days() -> int:
    return _setting("GOVBUY_AWARD_CONFIRMATION_WORKING_DAYS", 5)  # 实施条例 Art. 43


def confirmation_to_announcement_days() -> int:
    return _setting("GOVBUY_AWARD_ANNOUNCEMENT_WORKING_DAYS", 2)  # 实施条例 Art. 43


def challenge_days() -> int:
    return _setting("GOVBUY_CHALLENGE_WORKING_DAYS", 7)  # 政府采购法 Art. 52


def challenge_reply_days() -> int:
    return _setting("GOVBUY_CHALLENGE_REPLY_WORKING_DAYS", 7)  # 政府采购法 Art. 53


def complaint_days() -> int:
    return _setting("GOVBUY_COMPLAINT_WORKING_DAYS", 15)  # 政府采购法 Art. 55


def signing_calendar_days() -> int:
    return _setting("GOVBUY_CONTRACT_SIGNING_DAYS", 30)  # 政府采购法 Art. 46 (calendar days)


def publication_days() -> int:
    return _setting("GOVBUY_CONTRACT_PUBLICATION_WORKING_DAYS", 2)  # 实施条例 Art. 50


def local_date(moment: dt.datetime | dt.date | None = None) -> dt.date:
    """The day in China of ``moment`` (now by default)."""
    if moment is None:
        moment = timezone.now()
    if isinstance(moment, dt.datetime):
        return moment.astimezone(CHINA).date() if timezone.is_aware(moment) else moment.date()
    return moment


@dataclass(frozen=True)
class Due:
    date: dt.date
    warnings: list[str]


def due_after(start: dt.datetime | dt.date, working_days: int) -> Due:
    """The last day of a limit of ``working_days`` working days starting the day after ``start``."""
    result = add_working_days(local_date(start), working_days)
    assert isinstance(result.value, dt.date)
    return Due(result.value, [str(w) for w in result.warnings])


def is_overdue(due: dt.date | None, today: dt.date | None = None) -> bool:
    return due is not None and (today or local_date()) > due
