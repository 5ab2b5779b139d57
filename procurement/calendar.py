"""Chinese statutory working days (工作日): weekends, public holidays and adjusted working days (调休).

Source of truth: the ``chinesecalendar`` package for the years it knows (the State Council's annual
notice), then the administrator-maintained ``HolidayOverride`` table, which also corrects the
package. A year neither knows is *unknown*: the computation still answers (weekends only) but the
result carries a warning naming the year, which forms and pages show — never a silent guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import chinese_calendar
from chinese_calendar import constants as cc_constants
from django.utils.translation import gettext as _


class CalendarWarning(UserWarning):
    """A working-day computation touched a year the calendar does not know."""


@lru_cache(maxsize=1)
def package_years() -> frozenset[int]:
    """The years whose holiday notice the installed ``chinesecalendar`` contains."""
    return frozenset(d.year for d in cc_constants.holidays) | frozenset(d.year for d in cc_constants.workdays)


@dataclass
class WorkingDayResult:
    """The answer of a calendar computation and the warnings that qualify it."""

    value: dt.date | int | bool
    warnings: list[str] = field(default_factory=list)

    @property
    def is_certain(self) -> bool:
        return not self.warnings


class WorkingCalendar:
    """One computation's view of the calendar: overrides loaded once, unknown years collected."""

    def __init__(self) -> None:
        from procurement.models import CalendarYear, HolidayOverride

        self.overrides: dict[dt.date, bool] = {
            o.date: o.kind == HolidayOverride.Kind.WORKDAY for o in HolidayOverride.objects.all()
        }
        self.maintained_years = set(CalendarYear.objects.values_list("year", flat=True))
        self.unknown_years: set[int] = set()

    def is_known_year(self, year: int) -> bool:
        return year in package_years() or year in self.maintained_years

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in package_years():
            return bool(chinese_calendar.is_workday(day))
        if not self.is_known_year(day.year):
            self.unknown_years.add(day.year)
        return day.weekday() < 5

    def warnings(self) -> list[str]:
        return [
            _(
                "The official holiday calendar for %(year)s is not known yet: working days in %(year)s "
                "were counted as Monday to Friday. Check the State Council notice and ask an "
                "administrator to enter the year's holidays."
            )
            % {"year": year}
            for year in sorted(self.unknown_years)
        ]


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def is_working_day(day: dt.date | dt.datetime) -> WorkingDayResult:
    cal = WorkingCalendar()
    value = cal.is_working_day(_as_date(day))
    return WorkingDayResult(value, cal.warnings())


def add_working_days(start: dt.date | dt.datetime, days: int) -> WorkingDayResult:
    """The date ``days`` working days after ``start`` (start itself not counted; ``days`` ≥ 0).

    Zero returns the first working day on or after ``start``.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    cal = WorkingCalendar()
    day = _as_date(start)
    if days == 0:
        while not cal.is_working_day(day):
            day += dt.timedelta(days=1)
        return WorkingDayResult(day, cal.warnings())
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if cal.is_working_day(day):
            counted += 1
    return WorkingDayResult(day, cal.warnings())


def working_days_between(start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> WorkingDayResult:
    """How many working days lie in the inclusive range [start, end] (0 if end is before start)."""
    cal = WorkingCalendar()
    first, last = _as_date(start), _as_date(end)
    count, day = 0, first
    while day <= last:
        if cal.is_working_day(day):
            count += 1
        day += dt.timedelta(days=1)
    return WorkingDayResult(count, cal.warnings())


def unknown_year_warnings(*moments: dt.date | dt.datetime | None) -> list[str]:
    """Warnings for the dates (e.g. a tender's key dates) that fall in a year the calendar does not know."""
    cal = WorkingCalendar()
    for moment in moments:
        if moment is not None:
            cal.is_working_day(_as_date(moment))
    return cal.warnings()
