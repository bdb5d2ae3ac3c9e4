"""Win rates that control for style: raw and length-controlled win rates against a baseline
(AlpacaEval's GLM, instruction difficulties estimated from the models given) and Bradley–Terry
ratings with any preftree features as style covariates, and a tree over what the controlled model
leaves unexplained (``preftree winrate``)."""

from __future__ import annotations

from .inputs import Comparisons, read_comparisons
from .run import WinRateResult, win_rates

__all__ = ["Comparisons", "WinRateResult", "read_comparisons", "win_rates"]
