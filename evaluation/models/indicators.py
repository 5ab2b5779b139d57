"""Indicator systems (绩效评价指标体系): templates administered on the platform, trees of weighted indicators."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from evaluation.indicator_tree import Node, weight_errors


class IndicatorKind(models.TextChoices):
    """How a leaf is scored. Inner nodes only group; their kind is ignored."""

    EVIDENCE = "evidence", _("Scored by evaluators on evidence")
    SURVEY = "survey", _("Fed by the satisfaction survey")


class IndicatorNode(models.Model):
    """What a template indicator and an evaluation's copy of it share."""

    code = models.CharField(_("code"), max_length=20, help_text=_("Position in the tree, e.g. 2.3."))
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Points out of 100; the sub-indicators of an indicator sum to its weight."),
    )
    guidance = models.TextField(_("scoring guidance"), blank=True)
    kind = models.CharField(
        _("scored by"), max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.EVIDENCE
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    def as_node(self) -> Node:
        return Node(self.pk, getattr(self, "parent_id", None), self.code, self.name, self.weight)


class IndicatorTemplate(models.Model):
    """A named, versioned indicator system. Only an active template can be chosen for a new
    evaluation, and a template is activated only when its weights are valid."""

    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    description = models.TextField(_("description"), blank=True)
    is_standard = models.BooleanField(
        _("standard"), default=False, help_text=_("The platform's standard system for social services.")
    )
    active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("indicator system")
        verbose_name_plural = _("indicator systems")
        ordering = ["-is_standard", "name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="indicator_template_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def weight_errors(self) -> list[str]:
        return weight_errors(i.as_node() for i in self.indicators.all())

    def clean(self) -> None:
        if self.active and self.pk:
            errors = self.weight_errors()
            if errors:
                raise ValidationError({"active": errors})


class Indicator(IndicatorNode):
    template = models.ForeignKey(
        IndicatorTemplate,
        verbose_name=_("indicator system"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent indicator"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )

    class Meta(IndicatorNode.Meta):
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="indicator_code_once")]

    def clean(self) -> None:
        if self.parent_id and self.parent and self.parent.template_id != self.template_id:
            raise ValidationError({"parent": _("The parent indicator belongs to another indicator system.")})
