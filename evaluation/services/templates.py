"""Indicator systems: creating, activating and copying them into an evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import DomainError
from evaluation.indicator_tree import Node, weight_errors
from evaluation.models import Evaluation, EvaluationIndicator, Indicator, IndicatorKind, IndicatorTemplate
from evaluation.services.common import require


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator of a new system; ``parent`` is the parent's code (None at the top)."""

    code: str
    name: str
    weight: Decimal
    parent: str | None = None
    name_en: str = ""
    guidance: str = ""
    kind: str = IndicatorKind.EVIDENCE


def _check(specs: Sequence[IndicatorSpec]) -> None:
    codes = [s.code for s in specs]
    if len(set(codes)) != len(codes):
        raise DomainError(_("Each indicator needs its own code."), field="code")
    errors = weight_errors(Node(s.code, s.parent, s.code, s.name, Decimal(s.weight)) for s in specs)
    if errors:
        raise ValidationError({"weight": errors})


@transaction.atomic
def template_create(
    *,
    name: str,
    indicators: Sequence[IndicatorSpec],
    by: Any,
    version: int = 1,
    description: str = "",
    is_standard: bool = False,
    active: bool = True,
) -> IndicatorTemplate:
    """Create an indicator system from a list of indicators (parents before children). The weights
    are checked first: each level sums to its parent's weight and the top level to 100."""
    require(by, "evaluation.manage_templates")
    _check(indicators)
    template = IndicatorTemplate.objects.create(
        name=name, version=version, description=description, is_standard=is_standard, active=active
    )
    created: dict[str, Indicator] = {}
    for order, spec in enumerate(indicators):
        created[spec.code] = Indicator.objects.create(
            template=template,
            parent=created[spec.parent] if spec.parent else None,
            code=spec.code,
            name=spec.name,
            name_en=spec.name_en,
            weight=Decimal(spec.weight),
            guidance=spec.guidance,
            kind=spec.kind,
            sort_order=order,
        )
    audit_record(
        actor=by, action="indicator_template.create", obj=template, summary={"indicators": len(indicators)}
    )
    return template


@transaction.atomic
def template_activate(*, template: IndicatorTemplate, by: Any) -> IndicatorTemplate:
    """An indicator system may be chosen for new evaluations once its weights are valid."""
    require(by, "evaluation.manage_templates")
    errors = template.weight_errors()
    if errors:
        raise ValidationError({"weight": errors})
    IndicatorTemplate.objects.filter(pk=template.pk).update(active=True)
    template.active = True
    audit_record(actor=by, action="indicator_template.activate", obj=template)
    return template


@transaction.atomic
def template_draft(
    *, name: str, by: Any, version: int = 1, description: str = "", copy_from: IndicatorTemplate | None = None
) -> IndicatorTemplate:
    """Start an indicator system, inactive, empty or as a copy of another's tree (the usual way to
    make a new version of the standard system)."""
    require(by, "evaluation.manage_templates")
    if not name.strip():
        raise DomainError(_("Give the indicator system a name."), field="name")
    if IndicatorTemplate.objects.filter(name=name.strip(), version=version).exists():
        raise DomainError(_("This name and version exist already."), field="version")
    template = IndicatorTemplate.objects.create(
        name=name.strip(), version=version, description=description, active=False
    )
    if copy_from is not None:
        _write_tree(template, tree_specs(copy_from))
    audit_record(
        actor=by,
        action="indicator_template.create",
        obj=template,
        summary={"copy_from": copy_from.pk if copy_from else None},
    )
    return template


def tree_specs(template: IndicatorTemplate) -> list[IndicatorSpec]:
    """The template's tree as specs, parents before children."""
    rows = list(template.indicators.select_related("parent").order_by("sort_order", "code"))
    return [
        IndicatorSpec(
            code=r.code,
            name=r.name,
            weight=r.weight,
            parent=r.parent.code if r.parent else None,
            name_en=r.name_en,
            guidance=r.guidance,
            kind=r.kind,
        )
        for r in rows
    ]


def _write_tree(template: IndicatorTemplate, specs: Sequence[IndicatorSpec]) -> None:
    template.indicators.all().delete()
    created: dict[str, Indicator] = {}
    pending = list(enumerate(specs))
    while pending:  # parents first, whatever order the rows came in
        later = []
        for order, spec in pending:
            if spec.parent and spec.parent not in created:
                later.append((order, spec))
                continue
            created[spec.code] = Indicator.objects.create(
                template=template,
                parent=created[spec.parent] if spec.parent else None,
                code=spec.code,
                name=spec.name,
                name_en=spec.name_en,
                weight=Decimal(spec.weight),
                guidance=spec.guidance,
                kind=spec.kind,
                sort_order=order,
            )
        if len(later) == len(pending):
            raise DomainError(_("The indicator system's tree has a cycle."))
        pending = later


@transaction.atomic
def template_tree_save(
    *, template: IndicatorTemplate, indicators: Sequence[IndicatorSpec], by: Any
) -> IndicatorTemplate:
    """Replace the template's tree. The weights must hold (each level sums to its parent, the top
    to 100); a leaf fed by the survey takes no sub-indicators. Evaluations already commissioned keep
    their own copy, so this never changes them."""
    require(by, "evaluation.manage_templates")
    template = IndicatorTemplate.objects.select_for_update().get(pk=template.pk)
    _check(indicators)
    parents = {s.parent for s in indicators if s.parent}
    for spec in indicators:
        if spec.code in parents and spec.kind == IndicatorKind.SURVEY:
            raise DomainError(
                _("%(code)s has sub-indicators: only a leaf comes from the survey.") % {"code": spec.code},
                field="kind",
            )
    _write_tree(template, indicators)
    audit_record(
        actor=by,
        action="indicator_template.tree_save",
        obj=template,
        summary={"indicators": [[s.code, s.parent, str(s.weight), s.kind] for s in indicators]},
    )
    return template


@transaction.atomic
def template_retire(*, template: IndicatorTemplate, by: Any) -> IndicatorTemplate:
    """Retire an indicator system: no new evaluation may choose it; running ones keep their copy."""
    require(by, "evaluation.manage_templates")
    IndicatorTemplate.objects.filter(pk=template.pk).update(active=False)
    template.active = False
    audit_record(actor=by, action="indicator_template.retire", obj=template)
    return template


def copy_tree(*, template: IndicatorTemplate, evaluation: Evaluation) -> int:
    """Copy the template's tree into the evaluation (parents first). Later edits of the template
    never reach the copy: the evaluation is judged on the indicators it was commissioned with."""
    rows = list(template.indicators.order_by("sort_order", "code"))
    parent_ids = {row.parent_id for row in rows if row.parent_id}
    copies: dict[int, EvaluationIndicator] = {}
    remaining = rows
    while remaining:
        pending = []
        for row in remaining:
            if row.parent_id and row.parent_id not in copies:
                pending.append(row)
                continue
            copies[row.pk] = EvaluationIndicator.objects.create(
                evaluation=evaluation,
                parent=copies[row.parent_id] if row.parent_id else None,
                source=row,
                code=row.code,
                name=row.name,
                name_en=row.name_en,
                weight=row.weight,
                guidance=row.guidance,
                kind=row.kind,
                sort_order=row.sort_order,
                is_leaf=row.pk not in parent_ids,
            )
        if len(pending) == len(remaining):
            raise DomainError(_("The indicator system's tree has a cycle."))
        remaining = pending
    return len(copies)
