"""Instruction difficulties (and the length term) from elsewhere: an earlier ``winrate.json`` over
many models, the reference a new model is rated against as AlpacaEval rates one against its
precomputed GLM, or a CSV of ``instruction,difficulty``.

A reference is refused when it cannot be the same experiment: another baseline, another judge,
values out of range (a hostile file's φ of 1e14 would turn every LC into 0 or 100), or
instructions that match none of the comparisons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

__all__ = ["DIFFICULTY_LIMIT", "Reference", "check_reference", "read_reference"]

DIFFICULTY_LIMIT = 50.0
"""Largest instruction difficulty or length coefficient read (log-odds): beyond it every
prediction is 0 or 1."""
SPREAD_LIMITS = (1.0, 1e7)
"""The length scale σ a reference may give (characters)."""


@dataclass(frozen=True)
class Reference:
    """δ per instruction; with a winrate.json also the length term (φ, σ), baseline and judge."""

    difficulties: dict[str, float]
    length: tuple[float, float] | None
    baseline: str | None
    judge: str | None
    path: Path


def _number(value: Any, low: float, high: float) -> bool:
    """A real number in [low, high] (huge integers compared without converting them)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return low <= value <= high


def _from_winrate(path: Path) -> Reference:
    from .document import load_winrate

    document = load_winrate(path)  # refuses a file that is not a preftree winrate file
    control = document.get("length_control") or {}
    values = control.get("difficulty_values")
    if not isinstance(values, dict) or not values:
        raise InputError("this winrate file holds no instruction difficulties (no length control was "
                         "fitted, or too few models to estimate them)", path=path)
    phi, spread = control.get("length_coefficient"), control.get("spread_chars")
    if phi is None and isinstance(control.get("not_identified"), str):
        raise InputError(f"its length coefficient is not identified ({control['not_identified'][:200]}), so it "
                         "cannot serve as a reference", path=path)
    if control.get("per_model") or not _number(phi, -DIFFICULTY_LIMIT, DIFFICULTY_LIMIT) \
            or not _number(spread, *SPREAD_LIMITS):
        raise InputError(f"its length term must be one shared coefficient within ±{DIFFICULTY_LIMIT:g} "
                         f"and a scale of {SPREAD_LIMITS[0]:g} to {SPREAD_LIMITS[1]:g} characters (a "
                         "--pooling run cannot serve as a reference)", path=path)
    judge = document.get("judge")
    assert phi is not None and spread is not None  # _number checked both
    return Reference(_checked(values, path), (float(phi), float(spread)), str(document["baseline"]),
                     judge if isinstance(judge, str) else None, path)


def _from_table(path: Path) -> Reference:
    from ..data.files import read_table

    frame = read_table(path).frame
    if {"index", "instruction_difficulty"} <= set(frame.columns):
        raise InputError("this is AlpacaEval's instruction_difficulty.csv: its values enter AlpacaEval's "
                         "GLM with a weight fitted per model, keyed by row position, so their sign and "
                         "scale are not preftree's; give instruction,difficulty (higher = harder) or "
                         "an earlier winrate.json", path=path)
    if not {"instruction", "difficulty"} <= set(frame.columns):
        raise InputError(f"expected columns instruction,difficulty; found {list(frame.columns)}", path=path)
    repeated = frame["instruction"][frame["instruction"].duplicated()]
    if len(repeated):
        raise InputError(f"instruction {str(repeated.iloc[0])[:60]!r} is listed twice", path=path)
    values = dict(zip(frame["instruction"].astype(str), frame["difficulty"].tolist()))
    return Reference(_checked(values, path), None, None, None, path)


def _checked(values: dict[Any, Any], path: Path) -> dict[str, float]:
    bad = next((k for k, v in values.items() if not _number(v, -DIFFICULTY_LIMIT, DIFFICULTY_LIMIT)), None)
    if bad is not None:
        raise InputError(f"instruction {str(bad)[:60]!r}: difficulty {str(values[bad])[:40]!r} is not a number "
                         f"within ±{DIFFICULTY_LIMIT:g} (log-odds)", path=path)
    return {str(k): float(v) for k, v in values.items()}


def read_reference(path: str | Path) -> Reference:
    """A winrate file (JSON, or the CSV beside one) or an ``instruction,difficulty`` table."""
    from .board import is_winrate_file

    path = Path(path)
    if path.suffix.lower() == ".json" or is_winrate_file(path):
        return _from_winrate(path)
    return _from_table(path)


def check_reference(reference: Reference, instructions: pd.Series, *, baseline: str | None,
                    declared_baselines: set[str], judge: str | None) -> tuple[str | None, list[str]]:
    """The baseline to use and notes; refuses a reference from another baseline or judge, or one
    that names none of the instructions."""
    if reference.baseline is not None:
        other = baseline if baseline is not None else next(iter(declared_baselines), None) \
            if len(declared_baselines) == 1 else None
        if other is not None and other != reference.baseline:
            raise InputError(f"the reference was fitted against the baseline {reference.baseline!r}, these "
                             f"comparisons are against {other!r}: its difficulties do not carry over",
                             path=reference.path)
        baseline = reference.baseline
    if reference.judge is not None and judge is not None and reference.judge != judge:
        raise InputError(f"the reference holds {reference.judge!r}'s verdicts, these are {judge!r}'s",
                         path=reference.path)
    asked = set(map(str, instructions))
    covered = len(asked & set(reference.difficulties))
    if not covered:
        raise InputError(f"names none of the {len(asked)} instructions in the comparisons", path=reference.path)
    notes = [] if covered == len(asked) else [
        f"{reference.path} gives difficulties for {covered} of {len(asked)} instructions; the others count "
        "as average (δ = 0)"]
    return baseline, notes
