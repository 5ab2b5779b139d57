"""Grades and the arithmetic of an evaluation's score: pure functions, no database.

Bands (MoF budget-performance evaluation, 财政部《项目支出绩效评价管理办法》财预〔2020〕10号):
优 ≥ 90, 良 80–89.99, 中 60–79.99, 差 < 60.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

TWO_PLACES = Decimal("0.01")
SURVEY_SCALE_MAX = Decimal(5)


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent (优)")
    GOOD = "good", _("Good (良)")
    FAIR = "fair", _("Fair (中)")
    POOR = "poor", _("Poor (差)")


GRADE_ORDER = [Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR]


def quantise(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def grade_for(score: Decimal) -> Grade:
    """The grade of a final score out of 100 (scores are held to two decimal places)."""
    if not isinstance(score, Decimal):
        raise TypeError("score must be a Decimal")
    if score.is_nan() or score < 0 or score > 100:
        raise ValueError(f"a score lies between 0 and 100, not {score}")
    if score >= 90:
        return Grade.EXCELLENT
    if score >= 80:
        return Grade.GOOD
    if score >= 60:
        return Grade.FAIR
    return Grade.POOR


def mean(values: Iterable[Decimal]) -> Decimal | None:
    items = list(values)
    if not items:
        return None
    return quantise(sum(items, Decimal(0)) / len(items))


def survey_leaf_score(*, mean_satisfaction: Decimal | None, weight: Decimal) -> Decimal | None:
    """A satisfaction leaf's score: the mean answer on the 1–5 scale as a share of 5, times the
    leaf's weight (the usual conversion of a five-point scale to a percentage: 5 → 100 %, 4 → 80 %).
    None while nobody has answered."""
    if mean_satisfaction is None:
        return None
    if not Decimal(1) <= mean_satisfaction <= SURVEY_SCALE_MAX:
        raise ValueError("a mean satisfaction lies between 1 and 5")
    return quantise(weight * mean_satisfaction / SURVEY_SCALE_MAX)
