"""``preftree judge``: pairwise verdicts from an LLM judge, both orders, resumable."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._options import dtype_option, pairs_options, quiet_option

__all__ = ["judge"]

JUDGE_BACKENDS = ("openai", "hf")  # = preftree.judges.collect.BACKENDS (tested)


@click.command()
@pairs_options
@click.option("--model", required=True, help="Model name at the endpoint, or a local model (hf).")
@click.option("--backend", default="openai", show_default=True, type=click.Choice(JUDGE_BACKENDS),
              help="openai: any chat-completions endpoint; hf: a local causal LM.")
@click.option("--base-url", default="https://api.openai.com/v1", show_default=True,
              help="Chat-completions endpoint (vLLM, Together, Ollama, gateways).")
@click.option("--api-key-env", default="OPENAI_API_KEY", show_default=True,
              help="Environment variable holding the API key (the key itself is never written).")
@click.option("--judge-name", help="Name in the output (default: the model).")
@click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Prompt template with {conversation}, {response_a}, {response_b}.")
@click.option("--system", help="Optional system message.")
@click.option("--temperature", default=0.0, show_default=True, type=click.FloatRange(min=0),
              help="Sampling temperature.")
@click.option("--max-tokens", default=16, show_default=True, type=click.IntRange(min=1),
              help="Longest completion asked for.")
@click.option("--concurrency", default=16, show_default=True, type=click.IntRange(min=1),
              help="Requests in flight at once.")
@click.option("--rpm", type=click.FloatRange(min=0, min_open=True), help="Requests per minute cap.")
@click.option("--timeout", default=60.0, show_default=True,
              type=click.FloatRange(min=0, min_open=True, max=86400), help="Seconds per request.")
@click.option("--max-retries", default=6, show_default=True, type=click.IntRange(min=0),
              help="Retries of a request after a 429, a 5xx or a timeout.")
@click.option("--max-wait", default=60.0, show_default=True, type=click.FloatRange(min=0, max=86400),
              help="Longest single pause before a retry, whatever Retry-After asks for.")
@dtype_option
@click.option("--device", default="auto", show_default=True, help="hf backend: device.")
@click.option("--chat-template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="hf backend: chat template file for tokenizers without one.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Judge file (.csv, .jsonl or .parquet, by suffix); a hidden journal beside it "
                   "makes reruns resume.")
@quiet_option
def judge(pairs_path: Path | None, mapping: str | None,
          pairs_format: str, model: str, backend: str, base_url: str,
          api_key_env: str, judge_name: str | None, template: Path | None, system: str | None,
          temperature: float, max_tokens: int, concurrency: int, rpm: float | None, timeout: float,
          max_retries: int, max_wait: float, dtype: str, device: str, chat_template: Path | None,
          out: Path, quiet: bool) -> None:
    """Ask a judge which response is better, in both orders; keep a verdict only if both agree.

    Exits 1 when pairs are left without a verdict because of API errors (the file is still
    written; the same command again retries only those).
    """
    from ..data import load_pairs, parse_mapping
    from ..data.files import check_table_output
    from ..judges import JudgePrompt, collect_judgments, load_backend

    if pairs_path is None:
        raise click.UsageError("give --pairs FILE")
    check_table_output(out, [pairs_path, template, chat_template, model])
    pairs = load_pairs(pairs_path, mapping=parse_mapping(mapping), use_labels=False,
                       pairs_format=pairs_format)
    prompt = JudgePrompt.from_file(template, system) if template else JudgePrompt(system=system)
    backend_class = load_backend(backend)
    if backend == "openai":
        from ..judges.openai_backend import OpenAIOptions

        options = OpenAIOptions(model=model, base_url=base_url, api_key_env=api_key_env,
                                temperature=temperature, max_tokens=max_tokens,
                                concurrency=concurrency, rpm=rpm, timeout_s=timeout,
                                max_retries=max_retries, max_wait_s=max_wait)
    else:
        from ..judges.hf_backend import HFOptions

        options = HFOptions(model=model, dtype=dtype, device=device,  # type: ignore[assignment]
                            chat_template=None if chat_template is None else str(chat_template))
    summary = collect_judgments(pairs, backend_class(options), out, judge=judge_name or model,
                                prompt=prompt, progress=not quiet)
    if not quiet:
        consistency = "n/a" if summary.consistency is None else f"{summary.consistency:.1%}"
        first = "n/a" if summary.first_position_share is None else f"{summary.first_position_share:.1%}"
        click.echo(f"{summary.judge}: {summary.n_pairs} pairs ({summary.n_asked} requests this run, "
                   f"{summary.n_reused} answers reused); consistent under swap {consistency}; "
                   f"picks the first-shown response {first}")
        click.echo(f"  decided {summary.n_decided}, inconsistent {summary.n_inconsistent}, "
                   f"unparsable {summary.n_unparsable}, API errors {summary.n_api_errors}")
        click.echo(f"wrote {out}")
    if summary.n_api_errors:
        click.echo(f"Error: {summary.n_api_errors} of {summary.n_pairs} pairs have no verdict because "
                   f"of API errors (see the 'error' column of {out}); run the same command again "
                   "to retry only those", err=True)
        sys.exit(1)
