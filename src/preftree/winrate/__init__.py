"""Win rates that control for style: raw and length-controlled win rates against a baseline
(AlpacaEval's GLM, instruction difficulties estimated from the models given) and Bradley–Terry
ratings with any preftree features as style covariates, and a tree over what the controlled model
leaves unexplained (``preftree winrate``).

The package is callable: ``preftree.winrate(paths, ...)`` runs :func:`preftree.winrate.api.winrate`."""

from __future__ import annotations

from .._lazy import callable_package
from .inputs import Comparisons, read_comparisons
from .run import WinRateResult, win_rates

__all__ = ["Comparisons", "WinRateResult", "read_comparisons", "win_rates"]

callable_package(__name__, ".api", "winrate")  # preftree.winrate(paths, ...) is the command's API
