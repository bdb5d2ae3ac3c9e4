"""Options shared by several subcommands, so one name means one thing everywhere.

Only click is imported here: ``preftree --help`` must not pay for pandas, scikit-learn or torch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import click

from .._vocabulary import DTYPES, LABEL_FORMAT_NAMES, PAIRS_FORMAT_NAMES, TRUNCATIONS

if TYPE_CHECKING:
    from ..scoring.options import ScorerSettings, Truncation

__all__ = [
    "DTYPE_CHOICE",
    "LABEL_FORMAT_NAMES",
    "PAIRS_FORMAT_NAMES",
    "build_scorer_options",
    "dtype_option",
    "echo",
    "engine_options",
    "force_option",
    "model_option",
    "pairs_options",
    "quiet_option",
    "replace_option",
    "resolve_features",
    "revision_option",
    "scoring_options",
]

F = TypeVar("F", bound=Callable[..., Any])

DTYPE_CHOICE = click.Choice(DTYPES)


class RegistryChoice(click.ParamType):
    """A name from a registry of backends, read when a value is given (so ``--help`` stays fast),
    plug-ins included; an unknown name lists the known ones."""

    name = "name"

    def __init__(self, *kinds: str) -> None:
        self.kinds = kinds

    def names(self) -> list[str]:
        from .. import _registry

        found: dict[str, None] = {}
        for kind in self.kinds:
            if kind == "pairs format":  # the layouts' names are import-light; plug-ins are listed by name
                found.update(dict.fromkeys(["auto", "preftree", "annotated-pairs", *PAIRS_FORMAT_NAMES,
                                            *_registry.plugin_names(kind)]))
                continue
            loader = {"scoring backend": _registry.scoring_backends,
                      "judge backend": _registry.judge_backends}[kind]
            found.update(dict.fromkeys(loader()))
        return list(found)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "NAME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        names = self.names()
        if value not in names:
            self.fail(f"{value!r} is not one of {', '.join(names)}", param, ctx)
        return str(value)


class FiniteFloatRange(click.FloatRange):
    """click's FloatRange that also refuses nan and inf (which pass its comparisons)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import math

        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


SEED = click.IntRange(0, 2 ** 32 - 1)
"""Seeds as numpy and scikit-learn take them."""


def echo(text: object = "", **options: Any) -> None:
    """``click.echo`` for everything a command prints: text from the data (judge, model, group
    and file names) goes through :func:`preftree._markup.terminal_text`, so no value can send the
    terminal an escape sequence, a bell or a right-to-left override."""
    from .._markup import terminal_text

    click.echo(terminal_text(text), **options)


def _stack(function: F, options: Sequence[Callable[[Any], Any]]) -> F:
    for option in reversed(options):
        function = option(function)
    return function


model_option = click.option("--model", required=True,
                            help="Hub id or local checkpoint folder of the model.")
revision_option = click.option("--revision", help="Hub revision (branch, tag or commit) of --model.")
quiet_option = click.option("--quiet", is_flag=True, help="Print nothing but errors.")
force_option = click.option(
    "--force", is_flag=True,
    help="Write into a non-empty folder that preftree did not write (its files are left untouched).")


def replace_option(function: F) -> F:
    """``--force`` for commands that write one file: an existing regular file at ``--out`` that
    preftree did not write is replaced only then (links, FIFOs and devices never are)."""

    @functools.wraps(function)
    def with_force(*args: Any, force: bool, **kwargs: Any) -> Any:
        from .._io import allow_replacing

        with allow_replacing(force):
            return function(*args, **kwargs)

    return cast(F, click.option(
        "--force", is_flag=True,
        help="Replace an existing regular file at --out that preftree did not write (or that "
             "changed since); links, FIFOs and devices are never replaced.")(with_force))


dtype_option = click.option("--dtype", default="auto", show_default=True, type=DTYPE_CHOICE,
                            help="auto: float32 on CPU, the checkpoint's half precision on GPU.")


class PairsLocation(click.ParamType):
    """A local path, or a URI kept whole (``click.Path`` would fold ``s3://b/k`` into ``s3:/b/k``)."""

    name = "FILE|URI"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..data.uri import as_location

        return as_location(value) if isinstance(value, str) else value


def _bounded_inputs(function: F) -> F:
    """Applies ``--max-input-bytes`` to every file the command reads."""

    @functools.wraps(function)
    def with_limit(*args: Any, max_input_bytes: int | None, strict: bool, orientation_seed: int,
                   **kwargs: Any) -> Any:
        from .._inputs import input_limit
        from ..data.loaders import reading_options

        with input_limit(max_input_bytes), reading_options(strict=strict,
                                                           orientation_seed=orientation_seed):
            return function(*args, **kwargs)

    with_limit = click.option(
        "--orientation-seed", default=0, show_default=True, type=SEED,
        help="Chosen/rejected layouts: the seed of the coin that places each pair's chosen "
             "response first or second (reproducible per pair id, whatever the row order).")(with_limit)
    with_limit = click.option(
        "--strict", is_flag=True,
        help="Refuse a pairs file with a row that cannot form a pair (default: skip such rows "
             "and list them, with their lines and reasons).")(with_limit)
    return cast(F, click.option(
        "--max-input-bytes", type=click.IntRange(min=1), metavar="N",
        help="Refuse an input larger than N bytes once decompressed (default 2 GiB; a record "
             "over 64 MiB is always refused).")(with_limit))


def _thread_count(value: int) -> int:
    import os

    cores = os.cpu_count() or 1
    if value == 0 or value < -1 or value > 4 * cores:
        raise click.BadParameter(f"{value} is not a thread count for this machine: use 1 to "
                                 f"{4 * cores}, or -1 for all {cores} cores")
    return int(value)


jobs_option = click.option("--jobs", default=-1, show_default=True, type=int,
                           callback=lambda c, p, v: _thread_count(v), help="Threads (-1 = all cores).")


def pairs_options(function: F) -> F:
    """``--pairs FILE`` and ``--map``: the pairs every command reads."""
    return _stack(_bounded_inputs(function), [
        click.option("--pairs", "pairs_path", type=PairsLocation(),
                     help="Pairs file (JSONL, JSON, CSV/TSV, Parquet; .gz/.bz2/.xz too), a local path "
                          "or an fsspec URI (s3://, gs://, hf://...): id, prompt, response_1, response_2, ..."),
        click.option("--map", "mapping",
                     help="Column mapping, e.g. prompt=question,response_1=response_A (an element of a "
                          "list column: response_1=chosen[0])"),
        click.option("--pairs-format", default="auto", show_default=True,
                     type=RegistryChoice("pairs format"),
                     help="Layout of --pairs: preftree's columns or a native layout (AlpacaEval, "
                          "RewardBench chosen/rejected, HH-RLHF, JudgeBench, PandaLM, arena, "
                          "MT-Bench, RM-Bench); auto recognises it when only one fits."),
    ])


backend_option = click.option(
    "--backend", default="transformers", show_default=True,
    type=RegistryChoice("scoring backend"),
    help="Scoring backend: transformers (in process), vllm (offline engine, GPU), vllm-server "
         "(a `vllm serve --runner pooling` endpoint, --base-url), or a plug-in's.")


ENGINE_OPTIONS = [
    click.option("--engine", default="local", show_default=True, type=click.Choice(["local", "ray"]),
                 help="local: this process; ray: a pool of replicas on a Ray cluster (a local "
                      "one, or RAY_ADDRESS), resumable from its shards."),
    click.option("--replicas", default=1, show_default=True, type=click.IntRange(min=1),
                 help="--engine ray: model replicas in the actor pool."),
    click.option("--gpus-per-replica", default=0.0, show_default=True, type=FiniteFloatRange(min=0),
                 help="--engine ray: GPUs each replica reserves."),
    click.option("--cpus-per-replica", default=1.0, show_default=True,
                 type=FiniteFloatRange(min=0, min_open=True),
                 help="--engine ray: CPUs each replica reserves."),
]
"""Where a model runs: this process or a Ray actor pool (scoring commands and ``explain``'s model: features)."""


def engine_options(function: F) -> F:
    """``--engine`` and the Ray pool's sizes, for commands that run a model only for features."""
    return _stack(function, ENGINE_OPTIONS)


def scoring_options(function: F) -> F:
    """The model-loading options of every command that runs a reward model (``--model`` apart)."""
    return _stack(function, [
        backend_option,
        click.option("--base-url", help="vllm-server: the server's URL (e.g. http://host:8000); "
                                        "generative judges: the chat-completions endpoint."),
        click.option("--server-timeout", default=300.0, show_default=True, type=FiniteFloatRange(min=1),
                     help="vllm-server: seconds to wait for one batch before retrying it (a stalled "
                          "server fails the run after 6 retries)."),
        dtype_option,
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
        click.option("--batch-overhead", type=click.IntRange(min=0, max=1_000_000), metavar="TOKENS",
                     help="What one more forward pass costs, in tokens, weighed against padding when "
                          "rows are cut into batches. Default: 32 on a CPU (benchmarks/scoring.py fits "
                          "39-47 on its model), 256 on a GPU (an estimate)."),
        click.option("--chat-template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Jinja chat template file, for tokenizers without one."),
        click.option("--trust-remote-code", is_flag=True,
                     help="Run the checkpoint's own Python code (only for models you trust)."),
        click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Score cache (SQLite). Default: $PREFTREE_CACHE_DIR/scores.sqlite or "
                          "~/.cache/preftree/scores.sqlite."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the score cache."),
        *ENGINE_OPTIONS,
        click.option("--no-prefix-sharing", is_flag=True,
                     help="Compute every conversation in full, even where responses share a prompt "
                          "(for comparison; scores are the same)."),
        click.option("--packing", type=click.Choice(["auto", "on", "off"]), default="auto", show_default=True,
                     help="Run rows packed end to end without padding: auto where the attention is "
                          "variable-length (--attn-implementation flash_attention_2), on wherever the "
                          "model can (elsewhere a dense block mask: attention over the whole packed "
                          "row, slower on CPU), off never. The run's line says which path ran."),
        click.option("--head", default="auto", show_default=True,
                     help="Reward head: auto (read from the weights), linear, mlp (INF-ORM), or "
                          "token-logit:ID (one vocabulary logit of a causal LM, e.g. Nemotron: 0)."),
        click.option("--device-map",
                     help="Place the model with accelerate, e.g. auto: shard over this machine's "
                          "GPUs, then CPU, then --offload-folder."),
        click.option("--max-memory", help="Per-device memory for --device-map, e.g. 0=70GiB,1=70GiB,cpu=200GiB."),
        click.option("--offload-folder", type=click.Path(file_okay=False, path_type=Path),
                     help="Folder for weights that fit on no device (with --device-map)."),
    ])


def build_scorer_options(*, dtype: str, device: str, attn_implementation: str | None,
                         max_length: int | None, truncation: str, batch_tokens: int,
                         chat_template: Path | None, trust_remote_code: bool,
                         cache_path: Path | None, no_cache: bool, quiet: bool, head: str = "auto",
                         device_map: str | None = None, max_memory: str | None = None,
                         offload_folder: Path | None = None, backend: str = "transformers",
                         base_url: str | None = None, server_timeout: float = 300.0,
                         no_prefix_sharing: bool = False, packing: str = "auto",
                         batch_overhead: int | None = None,
                         engine: str = "local", replicas: int = 1, gpus_per_replica: float = 0.0,
                         cpus_per_replica: float = 1.0,
                         revision: str | None = None) -> ScorerSettings:
    """The typed scoring settings of the shared CLI options: the options every backend shares,
    the chosen backend's own options class, and the Ray pool when ``--engine ray``."""
    from ..scoring.cache import default_cache_path
    from ..scoring.options import (
        RayOptions,
        ScorerSettings,
        ScoringOptions,
        TransformersOptions,
        VLLMServerOptions,
    )

    memory = None
    if max_memory:
        memory = {}
        for item in max_memory.split(","):
            device_name, sep, amount = item.partition("=")
            if not sep or not device_name.strip() or not amount.strip():
                raise click.BadParameter(f"{item!r}: expected DEVICE=AMOUNT, e.g. 0=70GiB or cpu=200GiB",
                                         param_hint="--max-memory")
            memory[device_name.strip()] = amount.strip()
    if (memory or offload_folder) and not device_map:
        raise click.UsageError("--max-memory and --offload-folder go with --device-map")
    if backend == "vllm-server" and not base_url:
        raise click.UsageError("--backend vllm-server needs --base-url (the server's URL)")
    given = _given({"attn_implementation": attn_implementation, "max_length": max_length,
                    "head": head})
    backend_options: object = None
    if backend == "transformers":
        backend_options = TransformersOptions(
            attn_implementation=_text(given.get("attn_implementation")), device_map=device_map,
            max_memory=memory, offload_folder=None if offload_folder is None else str(offload_folder))
    elif backend == "vllm-server":
        backend_options = VLLMServerOptions(url=base_url, timeout_s=server_timeout)
    options = ScoringOptions(
        revision=revision, dtype=dtype, device=device, head=_text(given.get("head")) or "auto",
        backend=backend, prefix_sharing=not no_prefix_sharing,
        packing=cast("Literal['auto', 'on', 'off']", packing),  # a click.Choice
        batch_overhead=batch_overhead,
        max_length=None if given.get("max_length") is None else int(str(given["max_length"])),
        truncation=cast("Truncation", truncation),  # a click.Choice of TRUNCATIONS
        batch_tokens=batch_tokens, chat_template=None if chat_template is None else str(chat_template),
        trust_remote_code=trust_remote_code, progress=not quiet,
        cache=None if no_cache else Path(cache_path or default_cache_path()),
        backend_options=backend_options,
        explicit=frozenset({"revision", "dtype", "device", "truncation", "batch_tokens",
                            "chat_template", "trust_remote_code", "cache"}) | frozenset(given))
    ray = RayOptions(replicas=replicas, gpus_per_replica=gpus_per_replica,
                     cpus_per_replica=cpus_per_replica) if engine == "ray" else None
    return ScorerSettings(options, ray)


CATALOGUE_OPTIONS = ("attn_implementation", "max_length", "head")
"""Options the model catalogue sets for a known model unless the user gave them."""


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _given(values: dict[str, object]) -> dict[str, object]:
    """The catalogue-settable options the user gave on the command line (the others are left to
    the model catalogue, see :mod:`preftree.scoring.catalogue`)."""
    context = click.get_current_context(silent=True)
    if context is None:
        return {k: v for k, v in values.items() if v is not None}
    return {k: v for k, v in values.items()
            if context.get_parameter_source(k) not in (None, click.core.ParameterSource.DEFAULT)}


def resolve_features(specs: Sequence[str], scoring: dict[str, Any], *, quiet: bool) -> list[Any]:
    """``--features`` specs, each ``model:NAME`` bound to the scoring options (the others stay
    strings for :func:`~preftree.features.sources.parse_feature_spec`)."""
    features: list[Any] = list(specs)
    if any(spec.startswith("model:") for spec in features):
        from ..scoring.features import ModelSource

        settings = build_scorer_options(quiet=quiet, **scoring)
        features = [ModelSource(spec.split(":", 1)[1], spec, settings) if spec.startswith("model:")
                    else spec for spec in features]
    return features
