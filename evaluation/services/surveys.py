"""Satisfaction survey: one-time tokens for service recipients and their anonymous answers."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import DomainError
from accounts.models import User
from evaluation.models import SCORING_STATUSES, Evaluation, SurveyResponse, SurveyToken
from evaluation.services.common import locked, require, setting

_KEY_SALT = "govbuy.evaluation.survey-token"


def token_value(token: SurveyToken) -> str:
    """The token printed for a recipient, derived from the stored nonce and the secret key."""
    digest = salted_hmac(_KEY_SALT, token.nonce, algorithm="sha256").digest()[:18]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def survey_url(token: SurveyToken) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("survey:answer", args=[token_value(token)])


def max_tokens() -> int:
    return int(setting("GOVBUY_SURVEY_MAX_TOKENS", 500))


@transaction.atomic
def survey_tokens_generate(*, evaluation: Evaluation, count: int, by: User) -> list[SurveyToken]:
    """The evaluator generates ``count`` one-time tokens, numbered on from the last batch."""
    evaluation = locked(evaluation)
    require(by, "evaluation.manage_survey", evaluation)
    if not evaluation.is_scoring_open:
        raise DomainError(_("The survey runs only while the evaluation is in progress."), code="transition")
    if not 1 <= count <= 200:
        raise DomainError(_("Generate between 1 and 200 tokens at a time."), field="count")
    existing = SurveyToken.objects.filter(evaluation=evaluation)
    if existing.count() + count > max_tokens():
        raise DomainError(
            _("An evaluation has at most %(n)s survey tokens.") % {"n": max_tokens()}, field="count"
        )
    start = (existing.aggregate(n=Max("number"))["n"] or 0) + 1
    tokens = []
    for number in range(start, start + count):
        token = SurveyToken(evaluation=evaluation, number=number, nonce=secrets.token_hex(16), created_by=by)
        token.token_hash = token_hash(token_value(token))
        tokens.append(token)
    SurveyToken.objects.bulk_create(tokens)
    audit_record(
        actor=by, action="survey.tokens_generate", obj=evaluation, summary={"from": start, "count": count}
    )
    return tokens


def survey_token_lookup(value: str) -> SurveyToken | None:
    """The token for a link, whether used or not; None for an unknown one."""
    if not value or len(value) > 64:
        return None
    return SurveyToken.objects.select_related("evaluation").filter(token_hash=token_hash(value)).first()


def survey_answer(*, token: str, answers: dict[str, int], comment: str = "") -> SurveyResponse:
    """Record one anonymous answer and spend the token, once, even when two people submit the same
    link at the same moment: the token is spent by a conditional UPDATE (… WHERE used_at IS NULL),
    which under concurrency lets exactly one transaction through. The answer keeps no link to it."""
    for q in SurveyResponse.QUESTIONS:
        if answers.get(q) not in {1, 2, 3, 4, 5}:
            raise DomainError(_("Answer every question with a number from 1 to 5."), field=q)
    with transaction.atomic():
        found = survey_token_lookup(token)
        if found is None:
            raise DomainError(_("This survey link is not valid."), code="unknown")
        if found.evaluation.status not in SCORING_STATUSES:
            raise DomainError(_("This survey has closed. Thank you."), code="closed")
        spent = SurveyToken.objects.filter(pk=found.pk, used_at__isnull=True).update(used_at=timezone.now())
        if spent != 1:
            raise DomainError(
                _("This survey link has already been used. Each link takes one answer."), code="used"
            )
        response = SurveyResponse.objects.create(
            evaluation_id=found.evaluation_id,
            comment=(comment or "").strip()[:1000],
            answered_on=timezone.localdate(),
            **{q: answers[q] for q in SurveyResponse.QUESTIONS},
        )
        # The audit entry records that an answer came in, never which token or what was said.
        audit_record(actor=None, action="survey.answer", obj=found.evaluation, summary={})
    return response


def tokens_for_sheet(evaluation: Evaluation, *, include_used: bool = False) -> list[dict[str, Any]]:
    qs = SurveyToken.objects.filter(evaluation=evaluation).order_by("number")
    if not include_used:
        qs = qs.filter(used_at__isnull=True)
    return [{"number": t.number, "url": survey_url(t), "used": t.used_at is not None} for t in qs]
