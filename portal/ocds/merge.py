"""The OCDS merge routine (https://standard.open-contracting.org/1.1/en/schema/merging/), enough for
GovBuy's releases: objects merge field by field, arrays of objects with ``id`` merge by ``id``, any
other value (including arrays of strings such as ``roles``) is replaced by the later release's."""

from __future__ import annotations

import copy
from typing import Any

OMIT_FROM_COMPILED = {"id", "date", "tag"}


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(v, dict) and "id" in v for v in value)
            and isinstance(target.get(key), list)
        ):
            by_id = {item.get("id"): item for item in target[key] if isinstance(item, dict)}
            for item in value:
                if item["id"] in by_id:
                    _merge(by_id[item["id"]], item)
                else:
                    fresh = copy.deepcopy(item)
                    target[key].append(fresh)
                    by_id[item["id"]] = fresh
        else:
            target[key] = copy.deepcopy(value)


def compile_release(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release of one ocid from its releases, given oldest first."""
    compiled: dict[str, Any] = {}
    for release in releases:
        _merge(compiled, {k: v for k, v in release.items() if k not in OMIT_FROM_COMPILED})
    last = releases[-1]
    compiled["id"] = f"{last['ocid']}-compiled-{last['id'].removeprefix(last['ocid'] + '-')}"
    compiled["date"] = last["date"]
    compiled["tag"] = ["compiled"]
    return compiled
