"""The ``ray`` engine: score with a pool of model replicas on a Ray cluster (Ray Data).

Pipeline: the distinct conversations (by the engine's content hash) that no shard holds yet →
a Ray Dataset → ``map_batches`` with a callable scorer class in an actor pool
(``ActorPoolStrategy(size=replicas)``, ``num_gpus``/``num_cpus`` per replica, an integer
``batch_size``) → each replica writes its batch's scores as one Parquet shard, named by the hash
of the batch's conversations and renamed into place whole → the driver reads the shards and
joins them back to the rows. A killed or failed run resumes from the shards: finished batches are
skipped, a batch scored twice writes the same rows (deduplicated by content hash), nothing is
lost. (Ray Data's own ``CheckpointConfig`` is beta and, measured here, hangs when resuming on 2
CPUs with one actor; it is not used.)

``ray.init()`` starts a local cluster by default; ``RAY_ADDRESS`` (e.g. ``ray://head:10001`` or
``auto``) connects to a running one, whose nodes must see the model and the shard folder (a shared
filesystem).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, InputError, MissingDependencyError, PreftreeError
from .cache import default_cache_path, model_key
from .chat import distinct_positions
from .options import RayOptions, ScoringOptions
from .scorer import ScoreRun, ScoreStats, check_finite_scores

__all__ = ["RayScorer", "ScoreActor", "read_shards"]


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise MissingDependencyError(f"--engine ray needs preftree[ray] (pip install 'preftree[ray]'): {exc}") from None
    if not ray.is_initialized():
        address = os.environ.get("RAY_ADDRESS")
        _check_reachable(address)
        ray.init(address=address, log_to_driver=False,
                 include_dashboard=False, configure_logging=False)
    return ray


def _check_reachable(address: str | None, timeout_s: float = 10.0) -> None:
    """Fail in seconds, not minutes, when ``RAY_ADDRESS`` names a host:port nothing listens on
    (Ray itself retries the connection for minutes); ``auto``, ``local`` and unset are Ray's."""
    import socket

    if not address or address in ("auto", "local"):
        return
    if address.startswith("ray://"):
        raise ConfigError(f"RAY_ADDRESS={address!r}: Ray Client (ray://) is not supported, since "
                          "replicas write their shards on the cluster and the driver reads them; "
                          "run preftree on a node of the cluster with RAY_ADDRESS=HOST:PORT or auto")
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"RAY_ADDRESS={address!r}: expected HOST:PORT, auto or local")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s) as sock:
            sock.settimeout(timeout_s)
            sock.sendall(_HTTP2_PREFACE)
            answer = sock.recv(9)
    except OSError as exc:
        raise PreftreeError(f"cannot reach the Ray cluster at RAY_ADDRESS={address} ({exc.strerror or exc}); "
                            "is `ray start --head` running there, or unset RAY_ADDRESS to start a local one?"
                            ) from None
    if len(answer) < 9 or answer[3] != 0x04:  # a gRPC server answers the preface with SETTINGS
        raise PreftreeError(f"RAY_ADDRESS={address} answers, but not as a Ray cluster (no gRPC "
                            f"answer: {answer[:16]!r}); give the address `ray start --head` printed")
    _confirm_ray(address, RAY_PROBE_S)


RAY_PROBE_S = 30.0
"""Seconds a Ray cluster has to accept a connection before preftree says it is not one."""


def _confirm_ray(address: str, timeout_s: float) -> None:
    """Any HTTP/2 server answers the preface; only Ray's GCS accepts Ray's own handshake. It is
    tried in a child process that is killed after ``timeout_s`` (Ray itself would retry for
    minutes), so an HTTP/2 server that is not Ray fails in seconds."""
    import subprocess
    import sys

    code = (f"import ray; ray.init(address={address!r}, log_to_driver=False, include_dashboard=False, "
            "configure_logging=False); ray.shutdown()")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=timeout_s,
                              env={**os.environ, "RAY_ADDRESS": address}, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise PreftreeError(f"RAY_ADDRESS={address} answers, but not as a Ray cluster (no Ray handshake "
                            f"within {timeout_s:g} s); give the address `ray start --head` printed") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise PreftreeError(f"RAY_ADDRESS={address} answers, but Ray could not connect to it ({tail[0][:200]}); "
                            "give the address `ray start --head` printed")


_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
"""The HTTP/2 client preface and an empty SETTINGS frame: Ray's GCS (gRPC) answers with its own
SETTINGS frame, which a plain TCP or HTTP/1 server does not."""


def _preftree_cause(exc: BaseException) -> PreftreeError | None:
    """The preftree error a replica raised, found through Ray's wrappers (``cause``,
    ``__cause__``, ``__context__``), rebuilt as its own class so its exit code survives."""
    import preftree.errors as errors

    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        kind = type(current)
        if kind.__module__ == errors.__name__ and isinstance(current, PreftreeError):
            return current
        cause = getattr(current, "cause", None)
        if isinstance(cause, PreftreeError) and type(cause).__module__ == errors.__name__:
            return cause
        for base in kind.__mro__[1:]:  # RayTaskError(InputError) is a subclass of both
            if base.__module__ == errors.__name__ and issubclass(base, PreftreeError):
                message = str(getattr(current, "cause", None) or current).strip().splitlines()
                return base(message[-1] if message else base.__name__)
        stack += [getattr(current, "cause", None), current.__cause__, current.__context__]
    return None


def read_shards(folder: Path) -> dict[str, tuple[np.ndarray, bool]]:
    """Scores by content hash from every finished shard in ``folder`` (a batch scored twice
    gives the same rows: the first kept)."""
    import pyarrow.parquet as pq

    done: dict[str, tuple[np.ndarray, bool]] = {}
    if not folder.is_dir():
        return done
    for path in sorted(folder.glob("*.parquet")):
        table = pq.read_table(path).to_pydict()
        for digest, scores, cut in zip(table["hash"], table["scores"], table["truncated"]):
            done.setdefault(digest, (np.asarray(scores, dtype=np.float64), bool(cut)))
    return done


class ScoreActor:
    """One replica: loads the model once, scores a batch of conversations, commits one shard."""

    def __init__(self, model: str, options: ScoringOptions, shards: str) -> None:
        from .scorer import RewardScorer

        self.scorer = RewardScorer.from_pretrained(model, replace(options, cache=None, progress=False))
        self.shards = Path(shards)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        hashes = [str(h) for h in batch["hash"]]
        conversations = [json.loads(c) for c in batch["conversation"]]
        run = self.scorer.score_conversations(conversations)
        table = pa.table({"hash": hashes, "scores": [row.tolist() for row in run.scores],
                          "truncated": run.truncated.tolist()})
        name = hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()[:32]
        self.shards.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.shards)
        os.close(fd)
        pq.write_table(table, tmp)
        os.replace(tmp, self.shards / f"{name}.parquet")  # a shard appears whole or not at all
        tokens = np.zeros(len(hashes), dtype=np.int64)
        padded = np.zeros(len(hashes), dtype=np.int64)
        tokens[:1] = run.stats.n_tokens  # the batch's total on its first row: sums stay right however Ray re-blocks
        padded[:1] = run.stats.n_padded_tokens
        return {"hash": np.asarray(hashes), "tokens": tokens, "padded": padded,
                "path": np.asarray([run.stats.path] * len(hashes))}


def _describe(model: str, options: ScoringOptions) -> tuple[list[str], dict[str, Any]]:
    from .scorer import RewardScorer

    scorer = RewardScorer.from_pretrained(model, replace(options, cache=None, progress=False))
    return scorer.attributes, dict(scorer.description)


class RayScorer:
    """Used like a :class:`~preftree.scoring.scorer.RewardScorer`; the forward passes run on Ray."""

    checkpoint = None

    def __init__(self, model: str | Path, options: ScoringOptions, ray_options: RayOptions, *,
                 shards: str | Path | None = None) -> None:
        ray = _ray()
        self.model, self.ray_options = str(model), ray_options
        self.options = replace(options, cache=None, progress=False)  # what each replica loads with
        self.progress = options.progress
        self.replicas, self.gpus = ray_options.replicas, ray_options.gpus_per_replica
        self.cpus, self.batch_size = ray_options.cpus_per_replica, ray_options.batch_size
        describe = ray.remote(num_cpus=self.cpus, num_gpus=self.gpus)(_describe)
        self.attributes, description = ray.get(describe.remote(self.model, self.options))
        self.description = {**description, "engine": "ray", "replicas": self.replicas}
        key = model_key({k: v for k, v in description.items() if k not in ("attributes", "catalogue")})
        base = Path(shards) if shards is not None else Path(options.cache or default_cache_path()).parent / "ray"
        self.shards = base / key
        self.last_stats = ScoreStats()

    def close(self) -> None:
        pass

    def score(self, prompts: Sequence[Any], responses: Sequence[str]) -> np.ndarray:
        from .chat import conversation

        if len(prompts) != len(responses):
            raise InputError(f"{len(prompts)} prompts but {len(responses)} responses")
        return self.score_conversations([conversation(p, r) for p, r in zip(prompts, responses)]).scores

    def score_conversations(self, conversations: Sequence[Sequence[dict[str, str]]],
                            ids: Sequence[str] | None = None) -> ScoreRun:
        """Score what no shard holds yet on the actor pool, then read every row from the shards."""
        import time

        started = time.perf_counter()
        hashes, first = distinct_positions(conversations)
        done = read_shards(self.shards)
        todo = [d for d in first if d not in done]
        stats = ScoreStats(n_texts=len(hashes), n_distinct=len(first), n_cached=len(first) - len(todo))
        if todo:
            stats.n_tokens, stats.n_padded_tokens, stats.path = self._run(
                [(d, conversations[first[d]]) for d in todo])
            done = read_shards(self.shards)
        missing = [d for d in first if d not in done]
        if missing:
            raise PreftreeError(f"{len(missing)} conversations have no scores after the Ray run; run "
                                "again to score them (finished batches are kept)")
        stats.n_computed = len(todo)
        scores = np.vstack([done[d][0] for d in hashes]) if hashes else np.empty((0, len(self.attributes)))
        if scores.shape[1] != len(self.attributes):
            raise PreftreeError(f"the shards in {self.shards} hold {scores.shape[1]} outputs per row, "
                                f"the model has {len(self.attributes)}; delete that folder")
        check_finite_scores(scores, self.description.get("model", "the model"), ids)
        truncated = np.array([done[d][1] for d in hashes], dtype=bool)
        stats.seconds = time.perf_counter() - started
        self.last_stats = stats
        return ScoreRun(scores, truncated, stats)

    def _run(self, items: list[tuple[str, Sequence[dict[str, str]]]]) -> tuple[int, int, str]:
        """Score ``items`` on the actor pool; the tokens computed, the tokens fed (padding
        included) and the replicas' paths (theirs, on Ray)."""
        from .._progress import progress_bar

        ray = _ray()
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # preftree's own bar below
        context.max_errored_blocks = 0
        logging.getLogger("ray.data").setLevel(logging.CRITICAL)  # errors reach the user once, below
        dataset = ray.data.from_items([{"hash": d, "conversation": json.dumps(list(c), ensure_ascii=False)}
                                       for d, c in items])
        scored = dataset.map_batches(
            ScoreActor, fn_constructor_kwargs={"model": self.model, "options": self.options,
                                               "shards": str(self.shards)},
            batch_size=self.batch_size, compute=ray.data.ActorPoolStrategy(size=self.replicas),
            num_cpus=self.cpus, num_gpus=self.gpus or None)
        tokens, padded, paths = 0, 0, set[str]()
        with progress_bar(total=len(items), unit="text", desc=f"scoring on {self.replicas} Ray replicas",
                  disable=not self.progress, dynamic_ncols=True) as bar:
            try:
                for batch in scored.iter_batches(batch_size=None, batch_format="numpy"):
                    bar.update(len(batch["hash"]))
                    tokens += int(batch["tokens"].sum())
                    padded += int(batch["padded"].sum())
                    paths.update(str(path) for path in set(batch["path"].tolist()))
            except Exception as exc:  # a replica failed: say why; finished shards are kept
                original = _preftree_cause(exc)
                if original is not None:  # preftree's own error in a replica, with its exit code
                    raise original from None
                text = str(exc)
                found = re.search(r"preftree\.errors\.(InputError|ConfigError): (.+)", text)
                if found:  # bad input found by a replica (e.g. a conversation too long)
                    raise InputError(found.group(2).strip()[:800]) from None
                found = re.search(r"(\w+(?:Error|Exception)): (.+)", text)
                reason = found.group(0)[:800] if found else type(exc).__name__
                raise PreftreeError(f"the Ray run failed ({reason}); finished batches are kept, "
                                    "run again to resume") from None
        kinds = sorted(path for path in paths if path)
        return tokens, padded, f"on {self.replicas} Ray replica(s): {' / '.join(kinds) or 'nothing computed'}"
