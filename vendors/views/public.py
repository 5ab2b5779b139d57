"""Public pages (no sign-in): the published directory, organisation profiles, versions and diffs,
and the export of a published version."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from accounts.pagecache import public_page
from vendors import profile, selectors, selectors_web
from vendors.forms import DirectoryFilterForm
from vendors.models import DirectoryEntry, DirectoryVersion, Organisation, ServiceCategory
from vendors.services import directory_export, export_filename
from vendors.services.transfer import EXPORT_CONTENT_TYPES
from vendors.views.common import guarded, paginate


def entries_page(request: HttpRequest, version: DirectoryVersion | None) -> dict[str, Any]:
    """The filter form and the requested page of ``version``'s entries."""
    form = DirectoryFilterForm(request.GET or None)
    filters = form.filters()
    entries = selectors.version_entries(version, **filters) if version is not None else []
    page, query = paginate(request, entries)
    return {"form": form, "page": page, "query": query, "version": version}


@public_page
def directory(request: HttpRequest) -> HttpResponse:
    """The directory in force: the latest published version, searchable and filtered."""
    context = entries_page(request, selectors.current_version())
    context["is_current"] = True
    return render(request, "vendors/directoryentry_list.html", context)


@public_page
def version_detail(request: HttpRequest, number: int) -> HttpResponse:
    """One published version's entries, as it was published."""
    version = selectors_web.published_version(number)
    if version is None:
        raise Http404
    context = entries_page(request, version)
    context["is_current"] = version == selectors.current_version()
    return render(request, "vendors/directoryentry_list.html", context)


FIELD_LABELS = {
    "organisation_name": _("Name"),
    "registering_authority": _("Registering authority"),
    "rating": _("Rating"),
    "valid_from": _("Valid from"),
    "valid_to": _("Valid to"),
    "status": _("Status"),
    "categories": _("Service categories"),
}


def _display(name: str, value: Any, categories: dict[str, str]) -> str:
    if value in (None, "", []):
        return "—"
    if name == "status":
        return str(DirectoryEntry.Status(value).label)
    if name == "categories":
        return "、".join(categories.get(code, code) for code in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def diff_rows(diff: Any) -> list[dict[str, Any]]:
    """The changed entries of a diff as rows a page shows: (label, before, after) per field."""
    categories = {c.code: str(c) for c in ServiceCategory.objects.all()}
    rows = []
    for change in diff.changed:
        rows.append(
            {
                "change": change,
                "fields": [
                    (
                        FIELD_LABELS.get(name, name),
                        _display(name, old, categories),
                        _display(name, new, categories),
                    )
                    for name, (old, new) in change.fields.items()
                ],
                "status_changed": "status" in change.fields,
            }
        )
    return rows


@public_page
def version_list(request: HttpRequest) -> HttpResponse:
    versions = list(selectors_web.published_versions_with_counts())
    # Each version is compared with the one before it (the list is newest first).
    pairs = [(v, versions[i + 1] if i + 1 < len(versions) else None) for i, v in enumerate(versions)]
    return render(request, "vendors/directoryversion_list.html", {"pairs": pairs})


@public_page
def version_diff(request: HttpRequest, number: int) -> HttpResponse:
    """What changed from an earlier published version (``?from=N``, default the previous one)."""
    new = selectors_web.published_version(number)
    if new is None:
        raise Http404
    raw_from = request.GET.get("from", "")
    if raw_from:
        try:
            old = selectors_web.published_version(int(raw_from))
        except ValueError:
            old = None
        if old is None or old.number >= new.number:
            raise Http404
    else:
        old = selectors.previous_published(new)
    diff = selectors.version_diff(old, new)
    others = [v for v in selectors.published_versions() if v.number < new.number]
    return render(
        request,
        "vendors/directoryversion_diff.html",
        {"diff": diff, "rows": diff_rows(diff), "old": old, "new": new, "others": others},
    )


@guarded
def version_export(request: HttpRequest, number: int, fmt: str) -> HttpResponseBase:
    """A published version as .xlsx or .csv in the columns the import reads (the draft: its editors)."""
    if fmt not in EXPORT_CONTENT_TYPES:
        raise Http404
    version = selectors_web.version_for_export(number, request.user)
    if version is None:
        raise Http404
    data = directory_export(
        version=version, fmt=fmt, by=request.user if request.user.is_authenticated else None
    )
    response = HttpResponse(data, content_type=EXPORT_CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{export_filename(version, fmt)}"'
    return response


@public_page
def organisation_profile(request: HttpRequest, credit_code: str) -> HttpResponse:
    """An organisation's public profile: identity, its entry in every published version, and the
    sections later apps register (contracts, performance record)."""
    organisation = get_object_or_404(Organisation, credit_code=credit_code.upper())
    history = list(selectors.organisation_history(organisation))
    current = selectors.current_version()
    current_entry = next((e for e in history if current is not None and e.version_id == current.pk), None)
    return render(
        request,
        "vendors/organisation_detail.html",
        {
            "organisation": organisation,
            "history": history,
            "current": current,
            "current_entry": current_entry,
            "sections": profile.sections_for(organisation),
        },
    )
