"""One way to load a scorer, and one protocol all scorers honour.

:func:`load_scorer` dispatches on what it is given: an ensemble spec (several models scored as
one), ``engine="ray"`` (a pool of replicas on a Ray cluster), or a model loaded in this process.
Whatever it returns is a :class:`Scorer`: the commands, the decision-tree reward model and
RewardBench use nothing else, so a new way to score lands here and nowhere else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .options import RayOptions, ScoringOptions
from .protocol import Scorer
from .scorer import RewardScorer

__all__ = ["RAY_SETTINGS", "Scorer", "load_scorer"]  # Scorer re-exported from .protocol

RAY_SETTINGS = ("replicas", "gpus_per_replica", "cpus_per_replica", "ray_batch_size")
"""Options that size the Ray actor pool (``engine="ray"``)."""


def load_scorer(model: str | Path, options: ScoringOptions | None = None, *,
                ray: RayOptions | None = None, **settings: Any) -> Scorer:
    """A scorer for ``model``: an ensemble spec, a Ray pool (``ray``, or ``engine="ray"`` with
    ``replicas``, ``gpus_per_replica``, ``cpus_per_replica``), or a model in this process.
    ``options`` are typed :class:`ScoringOptions`; ``settings`` the same as keyword arguments."""
    from .ensemble import EnsembleScorer, is_ensemble_spec

    sizes = {k: settings.pop(k) for k in RAY_SETTINGS if k in settings}
    if settings.pop("engine", "local") == "ray" and ray is None:
        ray = RayOptions(**{("batch_size" if k == "ray_batch_size" else k): v for k, v in sizes.items()})
    opts = (options or ScoringOptions()).with_settings(**settings)
    if is_ensemble_spec(model):
        return EnsembleScorer.from_spec(model, opts, load=lambda member, o: load_scorer(member, o, ray=ray))
    if ray is not None:
        from .ray_engine import RayScorer

        return RayScorer(model, opts, ray)
    return RewardScorer.from_pretrained(model, opts)
