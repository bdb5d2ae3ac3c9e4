"""Where a chosen/rejected layout puts the chosen response: first or second by a coin seeded by
``seed`` and the pair's id, so the label is not constant ("response_1 is always better") and the
same file and seed give the same pairs, whatever the row order."""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["chosen_first", "place_chosen"]


def chosen_first(pair_id: str, seed: int) -> bool:
    """A reproducible coin flip per pair: chosen as response_1 or as response_2."""
    digest = hashlib.sha256(f"{seed}:{pair_id}".encode()).digest()
    return digest[0] % 2 == 0


def place_chosen(record: dict[str, Any], chosen: str, rejected: str, seed: int) -> dict[str, Any]:
    """``record`` with the two responses placed by the coin, its label and ``chosen_position``."""
    first = chosen_first(record["id"], seed)
    return {**record, "response_1": chosen if first else rejected,
            "response_2": rejected if first else chosen, "label": -1 if first else 1,
            "chosen_position": 1 if first else 2}
