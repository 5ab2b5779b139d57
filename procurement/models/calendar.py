"""Administrator-maintained corrections to the statutory working-day calendar.

``chinesecalendar`` knows the State Council's holiday notice for each year up to the latest it
ships with. For a later year (the notice comes out each November) an administrator records the
days here; ``procurement.calendar`` treats a year as known when either source covers it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidayOverride(models.Model):
    """One day whose status differs from (or is missing in) the package's calendar."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (no work)")
        WORKDAY = "workday", _("Adjusted working day (调休, work on a weekend)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("e.g. National Day"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("holiday override")
        verbose_name_plural = _("holiday overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"


class CalendarYear(models.Model):
    """A year an administrator declares complete in the override table (all holidays and 调休 entered).

    Without this row a year the package does not know stays "unknown" and every computation
    touching it carries a warning.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(
        _("source"), max_length=300, help_text=_("The State Council notice the days were taken from.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("maintained calendar year")
        verbose_name_plural = _("maintained calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
