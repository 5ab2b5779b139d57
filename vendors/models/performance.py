"""An organisation's performance record (履约评价记录) as the lower apps need it.

``evaluation`` (a higher app) tells ``vendors`` about every final grade through
``vendors.services.performance.organisation_record_performance``; ``procurement`` reads the grades
from here when a tender scores past performance (履约评价) as a factor. Neither imports
``evaluation``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PerformanceGrade(models.Model):
    """One final performance grade of an organisation for one contract (优/良/中/差)."""

    class Grade(models.TextChoices):
        # The same values and labels as ``evaluation.grades.Grade`` (MoF bands 优 ≥ 90, 良 80–89.99,
        # 中 60–79.99, 差 < 60); vendors cannot import it.
        EXCELLENT = "excellent", _("Excellent (优)")
        GOOD = "good", _("Good (良)")
        FAIR = "fair", _("Fair (中)")
        POOR = "poor", _("Poor (差)")

    organisation = models.ForeignKey(
        "vendors.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="performance_grades",
    )
    contract_reference = models.CharField(_("contract reference"), max_length=64)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    published_on = models.DateField(_("published on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("performance grade")
        verbose_name_plural = _("performance grades")
        ordering = ["-published_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "contract_reference"], name="performance_grade_once_per_contract"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=100), name="performance_grade_score_range"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "-published_on"], name="perf_grade_org_idx")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.contract_reference} {self.get_grade_display()}"
