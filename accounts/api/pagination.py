"""Pagination: keyset (cursor) everywhere, never a large OFFSET and never a COUNT of the table.

Every list answers ``{"next": url|null, "previous": url|null, "results": [...]}``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class KeysetPagination(CursorPagination):
    """Newest first by id; ``?cursor=`` opaque, ``?page_size=`` up to 100."""

    ordering = "-id"
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class SelectorKeysetPagination:
    """Paginates with a selector's own keyset function: ``page_fn(cursor, page_size) -> KeysetPage``
    (``items``, ``next_cursor``). Only ``next`` is offered (newest-first feeds)."""

    cursor_query_param = "cursor"
    page_size = 20
    max_page_size = 100

    def page_size_for(self, request: Request) -> int:
        try:
            size = int(request.query_params.get("page_size", self.page_size))
        except (TypeError, ValueError):
            return self.page_size
        return max(1, min(size, self.max_page_size))

    def next_link(self, request: Request, next_cursor: str) -> str | None:
        if not next_cursor:
            return None
        return replace_query_param(request.build_absolute_uri(), self.cursor_query_param, next_cursor)

    def response(self, request: Request, data: list[Any], next_cursor: str) -> Response:
        previous = None
        if request.query_params.get(self.cursor_query_param):
            previous = remove_query_param(request.build_absolute_uri(), self.cursor_query_param)
        return Response({"next": self.next_link(request, next_cursor), "previous": previous, "results": data})

    @staticmethod
    def schema(item_schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": {"type": "array", "items": item_schema},
            },
        }
