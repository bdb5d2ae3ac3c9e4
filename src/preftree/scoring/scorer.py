"""RewardScorer: each distinct conversation scored once, in length-sorted token-budget batches,
committed to the cache batch by batch so a killed run resumes where it stopped."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from .._progress import progress_bar
from ..data.model import Prompt
from ..errors import ConfigError, InputError, PreftreeError
from .backends import LoadedModel, PacksSequences, SharesPrefixes, load_backend
from .batching import TruncationError, batch_overhead_for, plan_scoring, shared_prefix_groups, truncate
from .cache import ScoreCache, model_key
from .chat import ChatFormatter, conversation, distinct_positions
from .checkpoint import Checkpoint, is_ensemble_spec, resolve_checkpoint
from .options import ScoringOptions

__all__ = ["RewardScorer", "ScoreRun", "ScoreStats", "check_finite_scores"]


def check_finite_scores(scores: np.ndarray, model: object, ids: Sequence[str] | None = None) -> None:
    """Refuse NaN or infinite scores (a broken checkpoint, an overflowing normaliser): written and
    compared, they would score as silent wrong answers. Every scorer calls this on its output."""
    bad = np.flatnonzero(~np.isfinite(np.asarray(scores, dtype=np.float64)).all(axis=-1))
    if bad.size:
        names = [repr(ids[i]) if ids is not None else f"row {i + 1}" for i in bad[:5]]
        raise PreftreeError(f"{model} produced NaN or infinite scores for {bad.size} "
                            f"conversation(s) ({', '.join(names)}{' ...' if bad.size > 5 else ''}): "
                            "a broken checkpoint or a numeric overflow; nothing was written")


@dataclass
class ScoreStats:
    """What one call to :meth:`RewardScorer.score_conversations` did."""

    n_texts: int = 0
    n_distinct: int = 0
    n_cached: int = 0
    n_computed: int = 0
    n_tokens: int = 0
    n_padded_tokens: int = 0
    n_batches: int = 0
    seconds: float = 0.0
    path: str = ""  # how the passes ran: padded or packed, prefixes shared or not

    @property
    def padding_fraction(self) -> float:
        return 0.0 if self.n_padded_tokens == 0 else 1.0 - self.n_tokens / self.n_padded_tokens

    @property
    def tokens_per_second(self) -> float:
        return self.n_tokens / self.seconds if self.seconds > 0 else 0.0


@dataclass
class ScoreRun:
    """Scores ``(n, K)`` for every input row, which rows were truncated, and the run's figures."""

    scores: np.ndarray
    truncated: np.ndarray
    stats: ScoreStats = field(default_factory=ScoreStats)


class RewardScorer:
    """Scores (prompt, response) conversations with a reward model; see :meth:`from_pretrained`."""

    def __init__(self, loaded_model: LoadedModel, options: ScoringOptions,
                 formatter: ChatFormatter, checkpoint: Checkpoint | None = None) -> None:
        self.loaded_model = loaded_model
        self.checkpoint = checkpoint
        self.options = options
        self.formatter = formatter
        self.description: dict[str, Any] = {
            **loaded_model.description, "truncation": options.truncation,
            "chat_template_sha256": formatter.template_hash}
        self.model_key = model_key({k: v for k, v in self.description.items()
                                    if k not in ("attributes", "catalogue")})
        self._cache = ScoreCache(options.cache) if options.cache is not None else None
        if self._cache is not None:
            self._cache.register_model(self.model_key, self.description)
        self.last_stats = ScoreStats()

    @classmethod
    def from_pretrained(cls, model: str | Path, options: ScoringOptions | None = None,
                        **settings: Any) -> RewardScorer:
        """Load a reward model in this process from a Hub id or a local folder.

        ``options`` are typed :class:`ScoringOptions` (the CLI builds them); ``settings`` are the
        same as keyword arguments (``dtype``, ``device``, ``max_length``, ``cache``,
        ``attn_implementation``, ...) on top. torch and transformers are imported here, not
        before. An ensemble spec or ``engine="ray"`` is :func:`preftree.scoring.load_scorer`'s.
        """
        from .catalogue import catalogue_entry, catalogue_settings

        if settings.pop("engine", "local") != "local":
            raise ConfigError("RewardScorer loads a model in this process; use "
                              "preftree.scoring.load_scorer(model, engine='ray', ...) for Ray")
        if is_ensemble_spec(model):
            raise ConfigError(f"{model} is an ensemble spec; load it with "
                              "preftree.scoring.load_scorer(spec), which scores its members as one")
        opts = (options or ScoringOptions()).with_settings(**settings)
        applied = {k: v for k, v in catalogue_settings(str(model)).items()
                   if not opts.given(k) and opts.accepts(k)}  # never over the caller's
        if applied:
            opts = opts.with_settings(**applied)
        factory = load_backend(opts.backend)
        checkpoint = resolve_checkpoint(model, opts.revision)
        loaded = factory(checkpoint, opts)
        formatter = ChatFormatter(loaded.tokenizer, opts.chat_template, model_name=repr(str(model)))
        entry = catalogue_entry(str(model))
        if entry is not None:  # what the catalogue set is part of the outputs' metadata
            loaded.description["catalogue"] = {"id": entry["id"], "applied": applied}
        return cls(loaded, opts, formatter, checkpoint)

    @property
    def attributes(self) -> list[str]:
        """Names of the model's outputs, in column order of :meth:`score`."""
        return list(self.loaded_model.attributes)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()

    def score(self, prompts: Sequence[Prompt], responses: Sequence[str]) -> np.ndarray:
        """Scores ``(n, K)`` of each response to its prompt."""
        if len(prompts) != len(responses):
            raise InputError(f"{len(prompts)} prompts but {len(responses)} responses")
        conversations = [conversation(p, r) for p, r in zip(prompts, responses)]
        return self.score_conversations(conversations).scores

    def score_conversations(self, conversations: Sequence[Sequence[dict[str, str]]],
                            ids: Sequence[str] | None = None) -> ScoreRun:
        """Score conversations (message lists); ``ids`` name rows in truncation errors."""
        started = time.perf_counter()
        hashes, first = distinct_positions(conversations)
        stats = ScoreStats(n_texts=len(hashes), n_distinct=len(first))
        done = self._cache.get(self.model_key, list(first)) if self._cache is not None else {}
        stats.n_cached = len(done)
        todo = [d for d in first if d not in done]
        if todo:
            self._compute(todo, [conversations[first[d]] for d in todo],
                          [first[d] for d in todo], ids, done, stats)
        width = len(self.attributes)
        scores = np.empty((len(hashes), width), dtype=np.float64)
        truncated = np.zeros(len(hashes), dtype=bool)
        for position, digest in enumerate(hashes):
            values, _, cut = done[digest]
            if values.shape != (width,):
                raise InputError(f"cached scores for this model have {values.shape[0]} outputs, the "
                                 f"model has {width}; delete the cache at {self.options.cache}")
            scores[position], truncated[position] = values, cut
        check_finite_scores(scores, self.description.get("model", "the model"), ids)
        stats.seconds = time.perf_counter() - started
        self.last_stats = stats
        return ScoreRun(scores, truncated, stats)

    def _compute(self, digests: list[str], conversations: list[Sequence[dict[str, str]]],
                 positions: list[int], ids: Sequence[str] | None,
                 done: dict[str, tuple[np.ndarray, int, bool]], stats: ScoreStats) -> None:
        texts = [self.formatter.render(c) for c in conversations]
        encoded = self.formatter.encode(texts)
        max_length = self.loaded_model.max_length
        try:
            encoded, cut = truncate(encoded, max_length, self.options.truncation)
        except TruncationError as exc:
            names = [repr(ids[positions[i]]) if ids is not None else f"row {positions[i] + 1}"
                     for i in exc.positions]
            raise InputError(
                f"{len(names)} conversations are longer than max_length={max_length} tokens "
                f"(longest {max(exc.lengths)}): {', '.join(names[:10])}"
                f"{' ...' if len(names) > 10 else ''}; pass --truncation left|right to cut them, "
                "or a larger --max-length") from None
        cut_set = set(cut)
        lengths = [len(e) for e in encoded]
        groups: list[tuple[int, np.ndarray]] = []
        alone = list(range(len(encoded)))
        if self.options.prefix_sharing and getattr(self.loaded_model, "shares_prefixes", False):
            groups, alone = shared_prefix_groups(
                encoded, [c[:-1] for c in conversations],
                max_length=getattr(self.loaded_model, "shared_length_limit", None))
        packed = packs_rows(self.loaded_model, self.options.packing)
        overhead = self.options.batch_overhead if self.options.batch_overhead is not None \
            else batch_overhead_for(getattr(self.loaded_model, "device", "cpu"))
        work, fed = plan_scoring(lengths, groups, alone, self.options.batch_tokens, packed=packed,
                                 batch_overhead=overhead,  # a plug-in without prefix_state: prefix per bucket
                                 bucket_groups=hasattr(self.loaded_model, "prefix_state"))
        stats.n_padded_tokens += fed
        stats.path = scoring_path(self.loaded_model, packed, len(groups))
        to_compute = sum(lengths) - sum((len(rows) - 1) * prefix for prefix, rows in groups)
        bar = progress_bar(total=to_compute, unit="tok", unit_scale=True, desc="scoring",
                   disable=not self.options.progress, dynamic_ncols=True)
        started = time.perf_counter()
        held_group, held_state = -1, None  # the prefix group whose key/value state is held
        try:
            for item in work:
                batch, prefix = item.rows, item.prefix
                # float32, as stored in the cache: fresh and cached results are then identical
                computed = sum(lengths[i] for i in batch)  # tokens this pass computes
                if item.group != held_group:
                    held_group, held_state = -1, None  # a group's state lives while its buckets run
                if prefix:
                    sharing = cast(SharesPrefixes, self.loaded_model)
                    head, tails = encoded[batch[0]][:prefix], [encoded[i][prefix:] for i in batch]
                    computed -= len(batch) * prefix
                    # the prefix computed once for the group's buckets, where the backend holds a state
                    keeps_state = item.buckets > 1 and hasattr(sharing, "prefix_state")
                    if not keeps_state:
                        computed += prefix
                    elif held_group != item.group:
                        held_group, held_state = item.group, sharing.prefix_state(head)
                        computed += prefix
                    values = (sharing.forward_shared(head, tails, held_state) if keeps_state
                              else sharing.forward_shared(head, tails)).astype(np.float32)
                elif item.packed and not getattr(self.loaded_model, "runs_unpadded", False):
                    values = cast(PacksSequences, self.loaded_model).forward_packed(
                        [encoded[i] for i in batch]).astype(np.float32)
                else:
                    values = self.loaded_model.forward([encoded[i] for i in batch]).astype(np.float32)
                check_finite_scores(values, self.description.get("model", "the model"),  # before caching
                                    [ids[positions[i]] for i in batch] if ids is not None else None)
                rows = [(digests[i], values[j], lengths[i], i in cut_set) for j, i in enumerate(batch)]
                if self._cache is not None:
                    self._cache.put(self.model_key, rows)
                for digest, row_values, n_tokens, was_cut in rows:
                    done[digest] = (row_values.astype(np.float64), n_tokens, was_cut)
                stats.n_computed += len(batch)
                stats.n_tokens += computed
                stats.n_batches += 1
                elapsed = max(time.perf_counter() - started, 1e-9)
                bar.set_postfix({"seq/s": f"{stats.n_computed / elapsed:.1f}"}, refresh=False)
                bar.update(computed)
        finally:
            bar.close()


def packs_rows(model: LoadedModel, packing: str) -> bool:
    """Whether rows run packed: always on an engine that schedules unpadded token lists itself
    (vLLM); else ``on`` wherever the backend can, ``auto`` where its attention is variable-length
    (no dense mask, so packing only saves), ``off`` never."""
    if getattr(model, "runs_unpadded", False):
        return True
    if packing == "off" or not getattr(model, "packs_sequences", False):
        return False
    return packing == "on" or bool(getattr(model, "varlen_attention", False))


def scoring_path(model: LoadedModel, packed: bool, n_groups: int) -> str:
    """How the passes ran, in words, for the run's report line."""
    if getattr(model, "runs_unpadded", False):
        path = "token lists scheduled by the engine itself, without padding"
    elif packed:
        kernel = "variable-length attention" if getattr(model, "varlen_attention", False) \
            else "a block-diagonal attention mask"
        path = f"rows packed without padding ({kernel})"
    else:
        path = "length-bucketed padded batches"
    if not n_groups:
        return path
    shared = f"; prompt prefixes shared in {n_groups} group{'s' if n_groups != 1 else ''}"
    return path + shared + (" (in length-bucketed padded batches)" if packed else "")
