"""Release packages and record packages (OCDS 1.1 package schemas)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.urls import reverse
from django.utils import timezone

from portal.ocds.builder import Built, TenderData, build_releases, load, ocid_for, when
from portal.ocds.merge import compile_release

PUBLISHER = {"name": "GovBuy 政府购买服务平台"}
VERSION = "1.1"


def prune(value: Any) -> Any:
    """Drop empty strings, nulls and empty containers: OCDS has no use for "" and null means delete."""
    if isinstance(value, dict):
        pruned = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [v for v in (prune(v) for v in value) if v not in (None, "", [], {})]
    return value


def extension_urls(absolute: Callable[[str], str]) -> list[str]:
    return [absolute(reverse("ocds:extension_file", args=["performance", "extension.json"]))]


def package_meta(*, uri: str, published: str | None, absolute: Callable[[str], str]) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": VERSION,
        "extensions": extension_urls(absolute),
        "publishedDate": published or when(timezone.now()),
        "publisher": PUBLISHER,
        "license": "https://creativecommons.org/licenses/by/4.0/",
    }


def releases_of(data: dict[int, TenderData], *, absolute: Callable[[str], str]) -> dict[int, list[Built]]:
    built = {}
    for pk, td in data.items():
        items = build_releases(td, absolute=absolute)
        for item in items:
            item.release = prune(item.release)
        built[pk] = items
    return built


def release_package(
    releases: list[dict[str, Any]], *, uri: str, absolute: Callable[[str], str], next_url: str | None = None
) -> dict[str, Any]:
    package = package_meta(
        uri=uri, published=max((r["date"] for r in releases), default=None), absolute=absolute
    )
    package["releases"] = releases
    if next_url:
        package["links"] = {"next": next_url}
    return package


def record_for(tender_built: list[Built], ocid: str) -> dict[str, Any]:
    releases = [b.release for b in tender_built]
    return {"ocid": ocid, "releases": releases, "compiledRelease": prune(compile_release(releases))}


def record_package(
    tender_ids: Iterable[int], *, uri: str, absolute: Callable[[str], str], next_url: str | None = None
) -> dict[str, Any]:
    data = load(tender_ids)
    built = releases_of(data, absolute=absolute)
    records = [record_for(built[pk], ocid_for(data[pk].tender)) for pk in sorted(data) if built[pk]]
    published = max((r["compiledRelease"]["date"] for r in records), default=None)
    package = package_meta(uri=uri, published=published, absolute=absolute)
    package["records"] = records
    if next_url:
        package["links"] = {"next": next_url}
    return package
