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
    (``items``, ``next_cursor``, ``prev_cursor``): ``next`` goes on with ``?cursor=``, ``previous``
    goes back with ``?before=``."""

    cursor_query_param = "cursor"
    before_query_param = "before"
    page_size = 20
    max_page_size = 100

    def page_size_for(self, request: Request) -> int:
        try:
            size = int(request.query_params.get("page_size", self.page_size))
        except (TypeError, ValueError):
            return self.page_size
        return max(1, min(size, self.max_page_size))

    def _link(self, request: Request, param: str, value: str, other: str) -> str | None:
        if not value:
            return None
        url = remove_query_param(request.build_absolute_uri(), other)
        return replace_query_param(url, param, value)

    def response(
        self, request: Request, data: list[Any], next_cursor: str, prev_cursor: str = ""
    ) -> Response:
        return Response(
            {
                "next": self._link(request, self.cursor_query_param, next_cursor, self.before_query_param),
                "previous": self._link(
                    request, self.before_query_param, prev_cursor, self.cursor_query_param
                ),
                "results": data,
            }
        )

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
