"""Working-day deadlines of evaluation, award, challenge and contract, and the deadlines board."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.utils import timezone

from procurement.models import Award, Challenge, DeadlineReminder, EvaluationReport, HolidayOverride
from procurement.selectors.contracts import deadlines_for_department
from procurement.services.challenges import challenge_file
from procurement.services.contracts import deadline_reminders_send
from procurement.services.deadlines import CHINA, due_after, is_overdue
from tests.procurement.award_setup import (
    announced,
    english,  # noqa: F401 (autouse: messages in English)
    evaluated,
    supplier_of,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Report on Wed 30 Sep 2026: National Day holiday 1–7 Oct, Sat 10 Oct is a 调休 working day.
        (dt.date(2026, 9, 30), 5, dt.date(2026, 10, 13)),  # confirmation: 8, 9, 10(Sat), 12, 13
        (dt.date(2026, 9, 30), 2, dt.date(2026, 10, 9)),  # announcement
        (dt.date(2026, 9, 30), 7, dt.date(2026, 10, 15)),  # challenge / reply
        (dt.date(2026, 9, 29), 15, dt.date(2026, 10, 26)),  # complaint: 30 Sep, 8–10, 12–16, 19–23, 26
        (dt.date(2026, 11, 27), 2, dt.date(2026, 12, 1)),  # an ordinary weekend: Fri → Tue
    ],
)
def test_working_day_limits_across_holidays(start: dt.date, days: int, due: dt.date) -> None:
    result = due_after(start, days)
    assert result.date == due
    assert result.warnings == []


def test_datetimes_count_from_the_day_in_china() -> None:
    # 17:00 UTC on 30 Sep is 01:00 on 1 Oct in Beijing: the count starts from 1 Oct.
    late = dt.datetime(2026, 9, 30, 17, 0, tzinfo=dt.UTC)
    assert late.astimezone(CHINA).date() == dt.date(2026, 10, 1)
    assert due_after(late, 2).date == dt.date(2026, 10, 9)


def test_an_unknown_year_gives_a_warning_not_a_silent_guess() -> None:
    result = due_after(dt.date(2031, 9, 30), 5)
    assert result.warnings
    assert "2031" in result.warnings[0]
    # An administrator's override is honoured.
    HolidayOverride.objects.create(
        date=dt.date(2031, 10, 1), kind=HolidayOverride.Kind.HOLIDAY, name="国庆节"
    )
    assert due_after(dt.date(2031, 9, 30), 1).date == dt.date(2031, 10, 2)


def test_overdue() -> None:
    assert is_overdue(dt.date(2026, 1, 1), dt.date(2026, 1, 2))
    assert not is_overdue(dt.date(2026, 1, 2), dt.date(2026, 1, 2))
    assert not is_overdue(None)


def test_board_shows_everything_due_and_marks_overdue(django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    ev = evaluated()
    dept = ev.tender.department_id
    EvaluationReport.objects.filter(pk=ev.report.pk).update(
        confirmation_due=timezone.localdate() - timedelta(days=1)
    )
    with django_assert_max_num_queries(6):
        items = deadlines_for_department(dept)
    assert [i.kind for i in items] == ["confirm"]
    assert items[0].overdue
    assert deadlines_for_department(dept + 1000) == []


def test_board_after_announcement_and_challenge() -> None:
    ev, award = announced()
    loser = award.report.ranking[1]
    from procurement.models import Bid

    org = Bid.objects.get(pk=loser["bid"]).organisation
    challenge_file(award=award, organisation=org, by=supplier_of(org), grounds="复核")
    kinds = {i.kind: i for i in deadlines_for_department(ev.tender.department_id)}
    assert set(kinds) == {"sign", "challenge"}
    assert kinds["challenge"].due == Challenge.objects.get().reply_due
    assert kinds["sign"].due == Award.objects.get().signing_due
    assert not kinds["sign"].overdue


def test_reminders_once_a_day_per_deadline() -> None:
    ev = evaluated()
    EvaluationReport.objects.filter(pk=ev.report.pk).update(confirmation_due=timezone.localdate())
    assert deadline_reminders_send() == 1
    assert deadline_reminders_send() == 0  # idempotent
    assert DeadlineReminder.objects.count() == 1
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert deadline_reminders_send(today=tomorrow) == 1  # still due (now overdue): reminded again next day


def test_beat_task_runs_the_service() -> None:
    from procurement.tasks import send_deadline_reminders

    ev = evaluated()
    EvaluationReport.objects.filter(pk=ev.report.pk).update(confirmation_due=timezone.localdate())
    assert send_deadline_reminders.delay().get() == 1
