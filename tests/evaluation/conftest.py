from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from tests.evaluation.factories import World


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Messages are asserted as users see them, in the default language (zh-hans), whatever
    language an earlier test left active in this thread."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def world(db: Any) -> World:
    return World()
