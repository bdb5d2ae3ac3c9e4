"""``preftree score``: per-response attribute scores from a reward model, cached and resumable."""

from __future__ import annotations

from pathlib import Path

import click

from ..data import load_pairs, parse_mapping
from ..scoring.cache import default_cache_path
from ..scoring.options import DTYPES, TRUNCATIONS

__all__ = ["build_scorer_options", "model_option", "score", "scoring_options"]

model_option = click.option("--model", required=True, help="Hub id or local checkpoint folder.")


def scoring_options(function):  # type: ignore[no-untyped-def]
    """The model-loading options shared by every command that runs a model (``--model`` apart)."""
    options = [
        click.option("--revision", help="Hub revision (branch, tag or commit)."),
        click.option("--dtype", default="auto", show_default=True, type=click.Choice(DTYPES),
                     help="auto: float32 on CPU, the checkpoint's half precision on GPU."),
        click.option("--device", default="auto", show_default=True,
                     help="auto | cpu | cuda | cuda:N | mps"),
        click.option("--attn-implementation", help="e.g. eager, sdpa, flash_attention_2."),
        click.option("--max-length", type=click.IntRange(min=2),
                     help="Token limit per conversation (default: the model's)."),
        click.option("--truncation", default="error", show_default=True,
                     type=click.Choice(TRUNCATIONS),
                     help="Longer conversations: error (list them), left (cut the start), right."),
        click.option("--batch-tokens", default=8192, show_default=True, type=click.IntRange(min=1),
                     help="Padded tokens per forward pass."),
        click.option("--chat-template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Jinja chat template file, for tokenizers without one."),
        click.option("--trust-remote-code", is_flag=True,
                     help="Run the checkpoint's own Python code (only for models you trust)."),
        click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Score cache (SQLite). Default: $PREFTREE_CACHE_DIR/scores.sqlite or "
                          "~/.cache/preftree/scores.sqlite."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the score cache."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def build_scorer_options(*, revision: str | None, dtype: str, device: str,
                         attn_implementation: str | None, max_length: int | None, truncation: str,
                         batch_tokens: int, chat_template: Path | None, trust_remote_code: bool,
                         cache_path: Path | None, no_cache: bool, quiet: bool) -> dict[str, object]:
    """Keyword arguments for :meth:`RewardScorer.from_pretrained` from the shared CLI options."""
    return {"revision": revision, "dtype": dtype, "device": device,
            "attn_implementation": attn_implementation, "max_length": max_length,
            "truncation": truncation, "batch_tokens": batch_tokens,
            "chat_template": None if chat_template is None else str(chat_template),
            "trust_remote_code": trust_remote_code, "progress": not quiet,
            "cache": None if no_cache else (cache_path or default_cache_path())}


@click.command()
@model_option
@scoring_options
@click.option("--pairs", "pairs_path", required=True, type=click.Path(path_type=Path),
              help="Pairs file (JSONL, JSON, CSV, Parquet).")
@click.option("--map", "mapping", help="Column mapping, e.g. prompt=question,response_1=response_A")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Scores file: .parquet (metadata in the schema), .csv or .jsonl (+ .meta.json).")
@click.option("--quiet", is_flag=True, help="No progress bar or summary.")
def score(model: str, pairs_path: Path, mapping: str | None, out: Path, quiet: bool,
          **options: object) -> None:
    """Score both responses of every pair with a reward model.

    Writes one row per pair: id, <attr>_1, <attr>_2 for each output of the model. Each distinct
    (prompt, response) is scored once; scores are cached, so a rerun or a killed run picks up
    where it stopped.
    """
    from ..scoring import RewardScorer, score_pairs, write_scores

    pairs = load_pairs(pairs_path, mapping=parse_mapping(mapping))
    scorer = RewardScorer.from_pretrained(model, **build_scorer_options(quiet=quiet, **options))  # type: ignore[arg-type]
    try:
        frame = score_pairs(scorer, pairs)
    finally:
        scorer.close()
    write_scores(frame, out)
    if not quiet:
        meta, stats = frame.attrs["preftree"], scorer.last_stats
        click.echo(f"{meta['n_pairs']} pairs, {stats.n_distinct} distinct texts: {stats.n_cached} "
                   f"from cache, {stats.n_computed} scored ({stats.n_tokens} tokens, "
                   f"{stats.tokens_per_second:,.0f} tokens/s, padding {stats.padding_fraction:.1%})")
        click.echo(f"attributes: {', '.join(scorer.attributes)}; truncated: {meta['n_truncated']}")
        click.echo(f"wrote {out}")
