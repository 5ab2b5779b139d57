"""Read-only OCDS endpoints: release packages, record packages, a bulk file and the extension.

Public (everything here was already public on the portal), GET only, cacheable for five minutes.
Pages follow ``links.next`` (a keyset cursor), never an offset, and nothing counts the whole table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, time
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_safe

from portal.ocds.builder import load, ocid_for
from portal.ocds.events import EventKey, events_page, public_tenders
from portal.ocds.packages import record_package, release_package, releases_of

EXTENSIONS_DIR = Path(__file__).resolve().parent / "extensions"
RELEASES_PAGE = 100
RECORDS_PAGE = 20
BULK_BATCH = 50
MAX_PAGE = 500
CACHE_SECONDS = 300
JSON_OPTIONS = {"ensure_ascii": False}


class BadRequest(ValueError):
    pass


def _public(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @require_safe
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except BadRequest as exc:
            return JsonResponse({"error": str(exc)}, status=400)
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


def _moment(request: HttpRequest, name: str) -> datetime | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    moment = parse_datetime(raw.replace(" ", "+"))
    if moment is None:
        day = parse_date(raw)
        if day is None:
            raise BadRequest(f"{name}: expected an ISO 8601 date or date-time")
        moment = datetime.combine(day, time.min)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return moment


def _limit(request: HttpRequest, default: int) -> int:
    raw = request.GET.get("limit")
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(f"limit: a whole number from 1 to {MAX_PAGE}")
    return int(raw)


def _absolute(request: HttpRequest) -> Callable[[str], str]:
    return request.build_absolute_uri


def _next_url(request: HttpRequest, cursor: str) -> str:
    query = request.GET.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{urlencode(sorted(query.items()))}")


def _json(data: dict[str, Any]) -> JsonResponse:
    return JsonResponse(data, json_dumps_params=JSON_OPTIONS)


@_public
def releases(request: HttpRequest) -> HttpResponse:
    """A release package of the releases dated ``since <= date < until``, oldest first."""
    since, until = _moment(request, "since"), _moment(request, "until")
    limit = _limit(request, RELEASES_PAGE)
    after = None
    if cursor := request.GET.get("cursor"):
        try:
            after = EventKey.from_token(cursor)
        except ValueError as exc:
            raise BadRequest("cursor: not a cursor from a next link") from exc
    events = events_page(after=after, since=since, until=until, limit=limit + 1)
    more = len(events) > limit
    events = events[:limit]
    absolute = _absolute(request)
    built = releases_of(load({e.tender_id for e in events}), absolute=absolute)
    by_key = {b.key: b.release for items in built.values() for b in items}
    page = [by_key[e.key] for e in events if e.key in by_key]
    next_url = _next_url(request, events[-1].key.token()) if more else None
    return _json(
        release_package(page, uri=request.build_absolute_uri(), absolute=absolute, next_url=next_url)
    )


@_public
def records(request: HttpRequest) -> HttpResponse:
    """A record package (every release and the compiled release) per project, by tender id."""
    limit = _limit(request, RECORDS_PAGE)
    qs = public_tenders().order_by("pk")
    if cursor := request.GET.get("cursor"):
        if not cursor.isdigit():
            raise BadRequest("cursor: not a cursor from a next link")
        qs = qs.filter(pk__gt=int(cursor))
    if ocid := request.GET.get("ocid"):
        qs = qs.filter(reference=ocid.removeprefix(f"{settings.OCDS_OCID_PREFIX}-"))
    ids = list(qs.values_list("pk", flat=True)[: limit + 1])
    more = len(ids) > limit
    ids = ids[:limit]
    next_url = _next_url(request, str(ids[-1])) if more else None
    return _json(
        record_package(ids, uri=request.build_absolute_uri(), absolute=_absolute(request), next_url=next_url)
    )


@_public
def bulk(request: HttpRequest) -> HttpResponseBase:
    """Every project as JSON Lines: one release package (all of a project's releases) per line.

    Streamed in batches by tender id, so memory stays flat whatever the number of projects.
    """
    absolute = _absolute(request)

    def lines() -> Iterator[bytes]:
        last = 0
        while True:
            ids = list(
                public_tenders().filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BULK_BATCH]
            )
            if not ids:
                return
            last = ids[-1]
            data = load(ids)
            built = releases_of(data, absolute=absolute)
            for pk in sorted(data):
                if not built[pk]:
                    continue
                uri = absolute(reverse("ocds:records") + "?" + urlencode({"ocid": ocid_for(data[pk].tender)}))
                package = release_package([b.release for b in built[pk]], uri=uri, absolute=absolute)
                yield (json.dumps(package, ensure_ascii=False) + "\n").encode()

    response = StreamingHttpResponse(lines(), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="govbuy-ocds-release-packages.jsonl"'
    return response


@_public
def extension_file(request: HttpRequest, name: str, filename: str) -> HttpResponse:
    """The files of GovBuy's OCDS extensions (extension.json, the schema patch, codelists, README)."""
    base = (EXTENSIONS_DIR / name).resolve()
    path = (base / filename).resolve()
    if not path.is_relative_to(base) or not path.is_file() or base.parent != EXTENSIONS_DIR:
        raise Http404
    if filename == "extension.json":
        metadata = json.loads(path.read_text(encoding="utf-8"))
        readme = request.build_absolute_uri(reverse("ocds:extension_file", args=[name, "README.md"]))
        metadata["documentationUrl"] = {"en": readme}
        return _json(metadata)
    content_type = {
        ".json": "application/json",
        ".csv": "text/csv; charset=utf-8",
        ".md": "text/markdown; charset=utf-8",
    }.get(path.suffix, "application/octet-stream")
    return HttpResponse(path.read_bytes(), content_type=content_type)
