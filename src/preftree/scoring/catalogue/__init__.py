"""The model catalogue: how each system of the Decision-Tree-Reward leaderboard (and a few more
reward models) loads in preftree, with the settings it needs — shipped as ``models.json``.

``score``, ``rewardbench``, ``compare`` and ``explain --features model:`` look a Hub id up here and
apply its settings (attention implementation, maximum length, head) unless given explicitly; the
settings used are written into the outputs' metadata. The listed dtype is what ``--dtype auto``
picks on a GPU (float32 stays the CPU's choice). Remote code is never trusted because of the
catalogue: a model that needs it still needs ``--trust-remote-code``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["APPLIED_SETTINGS", "catalogue", "catalogue_entry", "catalogue_settings"]

APPLIED_SETTINGS = ("attn_implementation", "max_length", "head")
"""Catalogue settings applied to a scorer when the caller did not set them."""


@lru_cache(maxsize=1)
def catalogue() -> list[dict[str, Any]]:
    """Every catalogue entry, in leaderboard order."""
    text = resources.files(__name__).joinpath("models.json").read_text(encoding="utf-8")
    return list(json.loads(text)["models"])


def catalogue_entry(model: str) -> dict[str, Any] | None:
    """The entry of a Hub id or a leaderboard name (case-insensitive), or ``None``."""
    key = str(model).strip().lower()
    for entry in catalogue():
        if key in (entry["id"].lower(), str(entry.get("leaderboard") or "").lower()):
            return entry
    return None


def catalogue_settings(model: str) -> dict[str, Any]:
    """The settings the catalogue gives ``model`` that a scorer applies (empty when unknown)."""
    entry = catalogue_entry(model)
    if entry is None:
        return {}
    return {k: v for k, v in entry.get("settings", {}).items() if k in APPLIED_SETTINGS}
