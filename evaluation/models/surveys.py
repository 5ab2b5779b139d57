"""The satisfaction survey (满意度调查) of service recipients: one-time tokens and anonymous answers.

A token is never stored: the database keeps a random nonce and the SHA-256 of the token, and the
token is the HMAC of the nonce under the site's secret key. A copy of the database therefore yields
no usable link, while the evaluator can still reprint the sheet of unused tokens. Answers carry no
reference to their token and only the date they were given.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

SCALE = [MinValueValidator(1), MaxValueValidator(5)]


class SurveyToken(models.Model):
    evaluation = models.ForeignKey(
        "evaluation.Evaluation", on_delete=models.CASCADE, related_name="survey_tokens"
    )
    number = models.PositiveIntegerField(_("number"))
    nonce = models.CharField(max_length=32, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("survey token")
        verbose_name_plural = _("survey tokens")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "number"], name="survey_token_number_once")
        ]

    def __str__(self) -> str:
        return f"#{self.number}"


class SurveyResponse(models.Model):
    """One anonymous answer. No link to the token that admitted it; only the day it was given."""

    evaluation = models.ForeignKey(
        "evaluation.Evaluation", on_delete=models.CASCADE, related_name="survey_responses"
    )
    attitude = models.PositiveSmallIntegerField(_("staff attitude"), validators=SCALE)
    timeliness = models.PositiveSmallIntegerField(_("timeliness"), validators=SCALE)
    effect = models.PositiveSmallIntegerField(_("effect on your life"), validators=SCALE)
    overall = models.PositiveSmallIntegerField(_("overall satisfaction"), validators=SCALE)
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    answered_on = models.DateField()

    QUESTIONS = ("attitude", "timeliness", "effect", "overall")

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    attitude__range=(1, 5),
                    timeliness__range=(1, 5),
                    effect__range=(1, 5),
                    overall__range=(1, 5),
                ),
                name="survey_answers_on_scale",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"
