from __future__ import annotations

from typing import Any

import pytest

from tests.evaluation.factories import World


@pytest.fixture
def world(db: Any) -> World:
    return World()
