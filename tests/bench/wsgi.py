"""WSGI entry of the bench server: the site as in production, and the bare views without middleware.

Requests under ``/bench-bare/`` go to a second Django handler that loads no middleware at all: URL
resolution, the view and the response are all a bare Django view costs, so the ratio page/bare
charges everything else (the middleware stack, sessions, templates, translation, the layout) to
the page. ``BENCH_BARE_MIDDLEWARE=full`` sends them through the site's handler instead, to see how
much of the difference the middleware is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

BARE_PREFIX = "/bench-bare/"
site = get_wsgi_application()


class BareHandler(WSGIHandler):
    """Django's WSGI handler with an empty middleware list (whatever ``settings.MIDDLEWARE`` says)."""

    def load_middleware(self, is_async: bool = False) -> None:
        from django.test.utils import override_settings

        with override_settings(MIDDLEWARE=[]):
            super().load_middleware(is_async)


bare = site if os.environ.get("BENCH_BARE_MIDDLEWARE") == "full" else BareHandler()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    handler = bare if environ.get("PATH_INFO", "").startswith(BARE_PREFIX) else site
    return handler(environ, start_response)
