"""Facet buckets with their labels, the same for both backends (two small lookups: categories and
departments by id)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accounts.models import Department
from vendors.models import ServiceCategory

from .base import BUDGET_RANGES, FACET_NAMES, KINDS, Bucket, Facet, SearchFilters
from .sources import METHOD_CHOICES, status_label

FACET_SIZE = 50  # at most this many buckets per facet (the largest first)


def build_facets(counts: Mapping[str, Mapping[str, int]], filters: SearchFilters) -> list[Facet]:
    """``counts``: facet name → {key: count}. Empty buckets are left out, except a selected one."""
    category_ids = [int(k) for k in counts.get("category", {}) if str(k).isdigit()]
    department_ids = [int(k) for k in counts.get("department", {}) if str(k).isdigit()]
    if filters.category:
        category_ids.append(filters.category)
    if filters.department:
        department_ids.append(filters.department)
    categories = (
        dict(ServiceCategory.objects.filter(pk__in=category_ids).values_list("pk", "name"))
        if category_ids
        else {}
    )
    departments = (
        dict(Department.objects.filter(pk__in=department_ids).values_list("pk", "name"))
        if department_ids
        else {}
    )
    budget_labels = {key: label for key, _low, _high, label in BUDGET_RANGES}

    def label(name: str, key: str) -> str:
        if name == "kind":
            return str(KINDS.get(key, key))
        if name == "category":
            return categories.get(int(key), key) if key.isdigit() else key
        if name == "department":
            return departments.get(int(key), key) if key.isdigit() else key
        if name == "method":
            return str(METHOD_CHOICES.get(key, key))
        if name == "status":
            return status_label(key)
        if name == "budget":
            return str(budget_labels.get(key, key))
        return key

    facets = []
    for name in FACET_NAMES:
        selected = getattr(filters, name)
        selected_key = "" if selected in ("", None) else str(selected)
        found = {str(k): int(v) for k, v in counts.get(name, {}).items() if k not in (None, "") and v}
        if selected_key and selected_key not in found:
            found[selected_key] = 0
        keys: list[str]
        if name == "kind":
            keys = [k for k in KINDS if k in found]
        elif name == "budget":
            keys = [k for k, *_rest in BUDGET_RANGES if k in found]
        elif name == "year":
            keys = sorted(found, reverse=True)
        else:
            keys = sorted(found, key=lambda k: (-found[k], label(name, k)))
        keys = keys[:FACET_SIZE]
        if selected_key and selected_key not in keys:
            keys.append(selected_key)
        facets.append(
            Facet(name, [Bucket(k, label(name, k), found[k], selected=(k == selected_key)) for k in keys])
        )
    return facets


def empty_counts() -> dict[str, dict[str, Any]]:
    return {name: {} for name in FACET_NAMES}
