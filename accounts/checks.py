"""System checks of the accounts app (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning, register


@register("govbuy", deploy=True)
def pdf_engine_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The official documents need a CJK font and HarfBuzz-Subset (``.ci/system-deps runtime``)."""
    from accounts.pdf import pdf_engine_problems

    return [
        Warning(problem, hint="Run .ci/system-deps runtime (Debian packages).", id="accounts.W001")
        for problem in pdf_engine_problems()
    ]
