"""What every app's ``demo.py`` shares: the context ``seed_demo`` passes along.

``seed_demo`` imports ``<app>.demo`` for each GovBuy app in INSTALLED_APPS order (so lower apps seed
first and no app imports a higher one) and calls its ``seed(ctx)``. Every seed is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import OutputWrapper


@dataclass
class DemoAccount:
    email: str
    role: str
    note: str = ""
    totp_secret: str = ""


@dataclass
class DemoContext:
    password: str
    stdout: OutputWrapper
    accounts: list[DemoAccount] = field(default_factory=list)
    # Objects one app's seed leaves for the next (e.g. "departments", "organisations").
    shared: dict[str, Any] = field(default_factory=dict)

    def log(self, message: str) -> None:
        self.stdout.write(f"  · {message}")
