"""Directory test data: published versions at chosen instants, built through the models' own
transitions (the services stamp ``published_at`` with the current time)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from vendors.models import DirectoryEntry, DirectoryVersion, Organisation, ServiceCategory

CHINA = ZoneInfo("Asia/Shanghai")


def category(code: str) -> ServiceCategory:
    return ServiceCategory.objects.get(code=code)


def china(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


def entry_spec(
    organisation: Organisation,
    *codes: str,
    valid_from: date = date(2026, 1, 1),
    valid_to: date = date(2030, 12, 31),
    status: str = DirectoryEntry.Status.IN_FORCE,
    rating: str = "4A",
    reason: str = "",
) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "codes": codes or ("YL",),
        "valid_from": valid_from,
        "valid_to": valid_to,
        "status": status,
        "rating": rating,
        "reason": reason,
    }


def published_version(
    entries: Iterable[dict[str, Any]], *, at: datetime, by: Any = None, number: int | None = None
) -> DirectoryVersion:
    """A version holding exactly ``entries``, published at ``at``."""
    if number is None:
        number = (
            DirectoryVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
    version = DirectoryVersion.objects.create(number=number)
    for spec in entries:
        org = spec["organisation"]
        entry = DirectoryEntry.objects.create(
            version=version,
            organisation=org,
            organisation_name=org.name,
            registering_authority=org.registering_authority,
            rating=spec["rating"],
            valid_from=spec["valid_from"],
            valid_to=spec["valid_to"],
            status=spec["status"],
            status_reason=spec["reason"],
            status_date=spec["valid_from"],
        )
        entry.categories.set([category(c) for c in spec["codes"]])
    version.publish(by=by, at=at)
    version.save()
    return version
