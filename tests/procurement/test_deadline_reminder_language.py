"""Deadline reminders and challenge notices reach each recipient in their own language, whatever
language the beat task runs in: the deadline's label is stored as a msgid param and translated per
reader (``accounts.notifications.msgid_param``)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone, translation

from accounts.models import Notification, Role
from procurement.models import Bid, EvaluationReport
from procurement.services.challenges import challenge_file, challenge_reply
from procurement.services.contracts import deadline_reminders_send
from tests.factories import UserFactory
from tests.procurement.award_setup import announced, evaluated, supplier_of

pytestmark = pytest.mark.django_db


def test_each_purchaser_reads_the_reminder_in_their_own_language(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with translation.override("en"):
        ev = evaluated()
    zh = UserFactory(role=Role.PURCHASER, department=ev.tender.department, language="zh-hans")
    en = UserFactory(role=Role.PURCHASER, department=ev.tender.department, language="en")
    EvaluationReport.objects.filter(pk=ev.report.pk).update(confirmation_due=timezone.localdate())
    mail.outbox.clear()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_send() == 1  # the task's language does not decide the recipients'
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "确定中标人（收到评标报告后 5 个工作日内）" in by_address[zh.email].body
    assert "Confirm the winner" not in by_address[zh.email].body
    assert "Confirm the winner (5 working days after the report)" in by_address[en.email].body
    # The inbox renders the stored row in the reader's current language.
    row = Notification.objects.get(recipient=zh)
    with translation.override("zh-hans"):
        assert "Confirm the winner" not in row.text
        assert ev.tender.reference in row.text
    with translation.override("en"):
        assert "Confirm the winner" in row.text


def test_a_reminder_label_with_its_own_params_is_translated_and_filled() -> None:
    with translation.override("en"):
        ev, award = announced()
    zh = UserFactory(role=Role.PURCHASER, department=ev.tender.department, language="zh-hans")
    bid = Bid.objects.get(pk=ev.report.ranking[1]["bid"])
    with translation.override("en"):
        challenge = challenge_file(
            award=award, organisation=bid.organisation, by=supplier_of(bid.organisation), grounds="评分有误"
        )
    type(challenge).objects.filter(pk=challenge.pk).update(reply_due=timezone.localdate())
    with translation.override("en"):
        deadline_reminders_send()
    row = Notification.objects.filter(recipient=zh, kind="procurement.deadline").get()
    with translation.override("zh-hans"):
        text = row.text
    assert bid.organisation.name in text
    assert "Reply to the challenge" not in text
    with translation.override("en"):
        assert f"Reply to the challenge of {bid.organisation.name}" in row.text


def test_the_challenge_outcome_is_translated_per_reader() -> None:
    with translation.override("en"):
        ev, award = announced()
    bid = Bid.objects.get(pk=ev.report.ranking[1]["bid"])
    challenger = supplier_of(bid.organisation)
    with translation.override("zh-hans"):  # the purchaser works in Chinese
        challenge = challenge_file(
            award=award, organisation=bid.organisation, by=challenger, grounds="评分有误"
        )
        challenge_reply(challenge=challenge, by=ev.purchaser, outcome="dismissed", reply="不成立")
    row = Notification.objects.get(recipient=challenger, kind="challenge.answered")
    with translation.override("en"):
        assert row.text.endswith(": Dismissed")
    with translation.override("zh-hans"):
        assert row.text.endswith("：驳回") or row.text.endswith(": 驳回") or row.text.endswith("驳回")
