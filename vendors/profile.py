"""Sections that later apps add to an organisation's public profile (contracts, performance record).

``vendors`` may not import ``procurement`` or ``evaluation``; they register here instead, from their
``AppConfig.ready``::

    from vendors import profile
    profile.register_section(
        "performance", _("Performance record"), "evaluation/includes/profile_record.html",
        lambda organisation: {"evaluations": published_evaluations_of(organisation)},
        order=20,
    )

The profile includes each section's template with ``organisation`` and ``data`` (what the section's
function returned); until a section is registered the page says that nothing is recorded yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class ProfileSection:
    key: str
    label: str | Promise
    template: str
    context: Callable[[Any], dict[str, Any]]
    order: int = 100


_sections: dict[str, ProfileSection] = {}


def register_section(
    key: str,
    label: str | Promise,
    template: str,
    context: Callable[[Any], dict[str, Any]],
    *,
    order: int = 100,
) -> None:
    _sections[key] = ProfileSection(key, label, template, context, order)


def sections_for(organisation: Any) -> list[dict[str, Any]]:
    return [
        {"key": s.key, "label": s.label, "template": s.template, "context": s.context(organisation)}
        for s in sorted(_sections.values(), key=lambda s: s.order)
    ]
