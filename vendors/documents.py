"""The published directory list (PDF), registered with ``accounts.documents``.

``vendors.directory_list`` is about a published :class:`DirectoryVersion`: every entry with its
unified social credit code, name, registering authority, rating, service categories, validity and
status (with reason and date). Public, like the directory pages. A published version never changes,
so its document is made once and stays the same.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.documents import DocumentSpec, register_document
from vendors.models import DirectoryEntry, DirectoryVersion, ServiceCategory

CHINA = ZoneInfo("Asia/Shanghai")


def build_directory_list(version: DirectoryVersion) -> DocumentSpec:
    version = DirectoryVersion.objects.select_related("published_by__department").get(pk=version.pk)
    entries = (
        DirectoryEntry.objects.filter(version=version)
        .select_related("organisation")
        .prefetch_related(Prefetch("categories", queryset=ServiceCategory.objects.order_by("code")))
        .order_by("organisation_name", "pk")
    )
    statuses = dict(DirectoryEntry.Status.choices)
    rows = [
        {
            "no": i,
            "credit_code": e.organisation.credit_code,
            "name": e.organisation_name,
            "registering_authority": e.registering_authority,
            "rating": e.rating,
            "categories": [c.name for c in e.categories.all()],
            "valid_from": e.valid_from.isoformat(),
            "valid_to": e.valid_to.isoformat(),
            "status": str(e.status),
            "status_label": str(statuses.get(e.status, e.status)),
            "status_reason": e.status_reason,
            "status_date": e.status_date.isoformat() if e.status_date else "",
        }
        for i, e in enumerate(entries, start=1)
    ]
    published = version.published_at.astimezone(CHINA) if version.published_at else None
    publisher = version.published_by
    department = getattr(publisher, "department", None) if publisher else None
    return DocumentSpec(
        template="vendors/pdf/directory_list.html",
        context={
            "issuer": department.name if department else gettext("Directory administration (civil affairs)"),
            "number": version.number,
            "note": version.note,
            "published_at": published.strftime("%Y-%m-%d %H:%M") if published else "",
            "entries": rows,
            "count": len(rows),
            "in_force": sum(r["status"] == DirectoryEntry.Status.IN_FORCE for r in rows),
        },
        title=gettext(
            "Directory of social organisations qualified for purchased services (version %(number)s)"
        )
        % {"number": version.number},
        reference=f"GBML-{published.year if published else 0}-{version.number:03d}",
    )


def can_view_directory_list(user: Any, version: DirectoryVersion) -> bool:
    """Published versions are public, drafts are nobody's document."""
    return version.is_published


def register() -> None:
    register_document(
        "vendors.directory_list",
        build_directory_list,
        _("Published qualification directory (社会组织目录)"),
        can_view=can_view_directory_list,
        public=True,
    )
