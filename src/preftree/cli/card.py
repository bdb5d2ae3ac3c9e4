"""``preftree card``: a decision-tree reward model's card — architecture, settings, RewardBench."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._options import (
    build_scorer_options,
    echo,
    model_option,
    quiet_option,
    replace_option,
    revision_option,
    scoring_options,
)
from .compare import say_orientation, tree_options

__all__ = ["card"]


@click.command()
@model_option
@revision_option
@scoring_options
@tree_options
@click.option("--results", "results", multiple=True, type=click.Path(path_type=Path),
              help="RewardBench results (file or folder from `preftree rewardbench`); repeatable.")
@click.option("--published", default="seed", show_default=True,
              help="Published figures to rank against: 'seed', a CSV, or 'none'.")
@click.option("--row-model", help="The model's name in the leaderboard (default: --model's last part).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The card page (.html).")
@quiet_option
@replace_option
def card(model: str, tree_path: str | None, tree_filename: str, trust_pickle: bool, tree_labels: str,
         results: tuple[Path, ...], published: str, row_model: str | None, out: Path, quiet: bool,
         **options: Any) -> None:
    """Draw a decision-tree reward model's architecture from the loaded model, with its settings,
    its RewardBench row and its leaderboard neighbours, as one self-contained HTML page."""
    from .._io import atomic_write_text, check_output_file
    from ..model import DecisionTreeRewardModel
    from ..report.card import card_from_model, render_card
    from ..rewardbench import build_leaderboard, load_published, load_results

    check_output_file(out, [model, tree_path, *results, published])
    settings = build_scorer_options(quiet=True, **options)
    reward_model = DecisionTreeRewardModel.from_pretrained(model, settings.options, ray=settings.ray)
    if tree_path is not None or reward_model.tree is None:
        reward_model.load_decision_tree(tree_path, tree_filename, trust_pickle=trust_pickle,
                                        tree_labels=tree_labels)
        say_orientation(reward_model.tree, quiet)
    local = load_results(results, 1)
    extra = [] if published == "none" else [load_published(published, 1)]
    board = build_leaderboard(local, extra, 1) if len(local) or extra else None
    page = render_card(card_from_model(reward_model), board,
                       row_model=row_model or Path(model.rstrip("/")).name)
    atomic_write_text(out, page)
    if not quiet:
        echo(f"wrote {out}")
