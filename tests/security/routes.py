"""Every route of the URL configuration, with its parameters filled from the seeded world."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.world import World

# Routes not crawled, each with the reason. Everything else must be in the expectation table.
SKIPPED_PREFIXES = {
    "admin/": "the admin site: staff-only by Django, crawled by tests/procurement/test_sealed.py",
    "accounts/": "allauth's own pages (login, sign-up, MFA, password reset): tests/accounts/test_allauth_pages.py",
    "static/": "static files",
    "media/": "never served by Django",
}
SKIPPED_PATTERNS = {
    "api/^(?!v1/ocds/).*$": "the API's catch-all 404 for unknown API paths (no view of its own)",
}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    params: tuple[tuple[str, str], ...]  # (converter, name)


def _walk(resolver: Any, prefix: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), ":".join((*namespaces, entry.name or "?"))


def all_routes() -> list[Route]:
    routes: dict[str, Route] = {}
    for pattern, name in _walk(get_resolver()):
        if pattern.startswith(tuple(SKIPPED_PREFIXES)) or pattern in SKIPPED_PATTERNS:
            continue
        params = tuple((conv or "str", p) for conv, p in re.findall(r"<(?:(\w+):)?(\w+)>", pattern))
        routes.setdefault(name, Route(name, pattern, params))  # set_language appears twice
    return list(routes.values())


_STR_VALUES = {
    "token": "not-a-real-token",
    "code": "GBV-0000-0000-0000",
    "decision": "approve",
    "action": "suspend",
    "fmt": "csv",
    "dataset": "tenders",
    "name": "x",
    "filename": "x",
}


def _pk(name: str, o: dict[str, Any]) -> Any:
    ns, _, short = name.rpartition(":")
    if ns == "notifications":
        return o["notification"].pk
    if ns == "evaluation":
        if short == "performance_record":
            return o["org_a"].pk
        if short in ("appeal_answer", "evidence_download"):
            return 1
        return o["evaluation"].pk
    if ns == "vendors":
        return o["org_a"].pk if short in ("organisation_edit", "application_create") else 1
    if ns in ("api", "procurement"):
        for keyword, key in [
            ("bid", "bid_a"),
            ("award", "award"),
            ("challenge_create", "award"),
            ("contract_create", "award"),
            ("contract", "contract"),
            ("seat", "committee_member"),
            ("organisation", "org_a"),
            ("evaluation-", "evaluation"),
            ("my-evaluation", "evaluation"),
            ("evaluation", "awarded_tender"),
            ("tender", "sealed_tender"),
            ("amendment", "sealed_tender"),
            ("clarification", "sealed_tender"),
            ("opening", "sealed_tender"),
            ("qualification", "awarded_tender"),
        ]:
            if keyword in short:
                return o[key].pk
    return 1


def fill(route: Route, world: World, overrides: dict[str, Any] | None = None) -> str:
    o = world.objects
    kwargs: dict[str, Any] = {}
    for conv, param in route.params:
        if overrides and param in overrides:
            kwargs[param] = overrides[param]
        elif param == "pk":
            kwargs[param] = _pk(route.name, o)
        elif param == "document_pk":
            kwargs[param] = o["doc_a"].pk if "bid" in route.name else 1
        elif param == "indicator_pk":
            kwargs[param] = o["indicator"].pk
        elif param == "contract_pk":
            kwargs[param] = o["contract"].pk
        elif param == "credit_code":
            kwargs[param] = o["org_a"].credit_code
        elif conv == "int":
            kwargs[param] = 1
        else:
            kwargs[param] = _STR_VALUES.get(param, "x")
    return reverse(route.name, kwargs=kwargs)
