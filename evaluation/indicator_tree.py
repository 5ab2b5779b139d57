"""Validation of an indicator tree's weights: pure, shared by templates and evaluations.

Rule: the children of every indicator sum exactly to its weight, and the top level sums to 100.
Errors name the indicator, so a person can see which level to fix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

TOTAL = Decimal(100)


@dataclass(frozen=True)
class Node:
    key: Hashable
    parent_key: Hashable | None
    code: str
    name: str
    weight: Decimal


def weight_errors(nodes: Iterable[Node]) -> list[str]:
    """Every breach of the weight rule, top level first, in code order; empty when the tree is valid."""
    return [message for _key, _field, message in weight_error_items(nodes)]


def weight_error_items(nodes: Iterable[Node]) -> list[tuple[Hashable | None, str, str]]:
    """The breaches as (the indicator's key or None for the whole tree, field, message), so a form
    can show each one on the field to fix: a weight ≤ 0 and a level that does not add up to its
    parent on that indicator's ``weight``, a missing parent on its ``parent``."""
    items = list(nodes)
    by_key = {n.key: n for n in items}
    children: dict[Hashable | None, list[Node]] = defaultdict(list)
    errors: list[tuple[Hashable | None, str, str]] = []
    for node in items:
        if node.weight <= 0:
            errors.append(
                (
                    node.key,
                    "weight",
                    _("%(code)s %(name)s: a weight must be greater than zero.")
                    % {"code": node.code, "name": node.name},
                )
            )
        if node.parent_key is not None and node.parent_key not in by_key:
            errors.append(
                (
                    node.key,
                    "parent",
                    _("%(code)s %(name)s: its parent is not part of this indicator system.")
                    % {"code": node.code, "name": node.name},
                )
            )
            continue
        children[node.parent_key].append(node)
    if not items:
        return [(None, "weight", _("An indicator system needs at least one indicator."))]
    top = sum((n.weight for n in children[None]), Decimal(0))
    if top != TOTAL:
        errors.append(
            (
                None,
                "weight",
                _("The top-level indicators sum to %(sum)s; they must sum to 100.") % {"sum": _fmt(top)},
            )
        )
    for parent in sorted(items, key=lambda n: n.code):
        kids = children.get(parent.key)
        if not kids:
            continue
        total = sum((k.weight for k in kids), Decimal(0))
        if total != parent.weight:
            errors.append(
                (
                    parent.key,
                    "weight",
                    _("The sub-indicators of %(code)s %(name)s sum to %(sum)s, not its weight %(weight)s.")
                    % {
                        "code": parent.code,
                        "name": parent.name,
                        "sum": _fmt(total),
                        "weight": _fmt(parent.weight),
                    },
                )
            )
    return errors


def validate_weights(nodes: Iterable[Node]) -> None:
    """Raise ``ValidationError({"weight": [...]})`` listing every breach."""
    errors = weight_errors(nodes)
    if errors:
        raise ValidationError({"weight": errors})


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"
