from __future__ import annotations

from typing import Any

import pytest

from tests.api.world import ApiWorld, build_world
from tests.procurement.bidding import fast_passwords  # noqa: F401  (autouse)


@pytest.fixture
def world(db: Any) -> ApiWorld:
    return build_world()
