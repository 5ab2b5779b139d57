"""Working days: the statutory calendar across National Day and its 调休 weekend days, overrides,
and the visible warning for a year nobody knows yet."""

from __future__ import annotations

from datetime import date

import pytest

from procurement import calendar
from procurement.models import CalendarYear, HolidayOverride

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 9, 28), True),  # Sunday, adjusted working day (调休) before National Day 2025
        (date(2025, 9, 30), True),
        (date(2025, 10, 1), False),  # National Day
        (date(2025, 10, 6), False),  # Mid-Autumn inside the Golden Week
        (date(2025, 10, 8), False),
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),  # Saturday, adjusted working day after National Day 2025
        (date(2025, 10, 12), False),  # an ordinary Sunday
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 10), True),  # Saturday, adjusted working day after National Day 2026
    ],
)
def test_is_working_day_around_national_day(day: date, working: bool) -> None:
    result = calendar.is_working_day(day)
    assert result.value is working
    assert result.warnings == []


def test_add_working_days_jumps_the_golden_week_and_counts_the_adjusted_saturday() -> None:
    # Tue 30 Sep 2025 + 1 working day: 1–8 Oct are holidays, so Thu 9 Oct.
    assert calendar.add_working_days(date(2025, 9, 30), 1).value == date(2025, 10, 9)
    # + 3: 9 Oct (Thu), 10 Oct (Fri), 11 Oct (the adjusted Saturday).
    assert calendar.add_working_days(date(2025, 9, 30), 3).value == date(2025, 10, 11)
    # Five working days for the tender documents, published Fri 26 Sep 2025:
    # Sun 28 (调休), Mon 29, Tue 30, Thu 9 Oct, Fri 10 Oct.
    result = calendar.add_working_days(date(2025, 9, 26), 5)
    assert result.value == date(2025, 10, 10)
    assert result.is_certain


def test_add_zero_working_days_gives_the_next_working_day() -> None:
    assert calendar.add_working_days(date(2025, 10, 1), 0).value == date(2025, 10, 9)
    assert calendar.add_working_days(date(2025, 10, 9), 0).value == date(2025, 10, 9)


def test_working_days_between_across_national_day_2026() -> None:
    # 28 Sep – 11 Oct 2026: Mon–Wed 28–30 Sep, Thu–Fri 8–9 Oct, Sat 10 Oct (调休) = 6.
    result = calendar.working_days_between(date(2026, 9, 28), date(2026, 10, 11))
    assert result.value == 6
    assert result.warnings == []


def test_unknown_year_is_counted_with_a_visible_warning() -> None:
    unknown = max(calendar.package_years()) + 1
    result = calendar.add_working_days(date(unknown, 9, 25), 5)
    assert result.warnings
    assert str(unknown) in result.warnings[0]
    assert not result.is_certain


def test_override_table_fills_an_unknown_year_and_silences_the_warning() -> None:
    year = max(calendar.package_years()) + 1
    oct1 = date(year, 10, 1)
    for offset in range(7):
        HolidayOverride.objects.create(
            date=date(year, 10, 1 + offset), kind=HolidayOverride.Kind.HOLIDAY, name="National Day"
        )
    CalendarYear.objects.create(year=year, source="国务院办公厅关于节假日安排的通知")
    result = calendar.is_working_day(oct1)
    assert result.value is False
    assert result.warnings == []
    # A weekday holiday in the override moves the count.
    assert calendar.working_days_between(date(year, 10, 1), date(year, 10, 7)).value == 0


def test_override_corrects_the_package() -> None:
    # An administrator may record a day the State Council changed after the package was released.
    HolidayOverride.objects.create(date=date(2025, 10, 9), kind=HolidayOverride.Kind.HOLIDAY)
    HolidayOverride.objects.create(date=date(2025, 10, 12), kind=HolidayOverride.Kind.WORKDAY)
    assert calendar.is_working_day(date(2025, 10, 9)).value is False
    assert calendar.is_working_day(date(2025, 10, 12)).value is True


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_days(date(2025, 1, 1), -1)
