"""Typed options of scoring, built once (by the CLI, or from keyword arguments in Python) and
passed whole: the options every backend shares, each backend's own frozen options class, and
the Ray pool's size."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigError

__all__ = ["BACKEND_OPTIONS", "DEVICES", "DTYPES", "TRUNCATIONS", "RayOptions", "ScorerSettings", "ScoringOptions",
           "TransformersOptions", "VLLMOptions", "VLLMServerOptions"]

from .._vocabulary import DEVICES, DTYPES, TRUNCATIONS

Truncation = Literal["error", "left", "right"]


@dataclass(frozen=True)
class TransformersOptions:
    """The transformers backend's own settings: attention kernel and accelerate placement."""

    attn_implementation: str | None = None
    device_map: str | None = None  # e.g. "auto": shard over the GPUs (accelerate), offload the rest
    max_memory: dict[str, str] | None = None  # per device, e.g. {"0": "70GiB", "cpu": "200GiB"}
    offload_folder: str | None = None  # where weights that fit nowhere go with device_map

    def __post_init__(self) -> None:
        if (self.max_memory or self.offload_folder) and not self.device_map:
            raise ConfigError("max_memory and offload_folder (--max-memory, --offload-folder) go "
                              "with device_map (--device-map)")


@dataclass(frozen=True)
class VLLMServerOptions:
    """The vllm-server backend's settings: where the server is and how long a batch may take."""

    url: str | None = None
    timeout_s: float = 300.0

    def __post_init__(self) -> None:
        if self.url is not None:
            from .._http import check_base_url

            check_base_url(self.url)
        if not (math.isfinite(self.timeout_s) and self.timeout_s >= 1):
            raise ConfigError(f"server timeout must be at least 1 second, got {self.timeout_s!r}")


@dataclass(frozen=True)
class VLLMOptions:
    """The offline vllm backend's settings."""

    tensor_parallel_size: int = 1

    def __post_init__(self) -> None:
        if self.tensor_parallel_size < 1:
            raise ConfigError(f"tensor_parallel_size must be at least 1, got {self.tensor_parallel_size}")


@dataclass(frozen=True)
class RayOptions:
    """The size of a Ray actor pool (``--engine ray``): replicas and what each reserves."""

    replicas: int = 1
    gpus_per_replica: float = 0.0
    cpus_per_replica: float = 1.0
    batch_size: int = 64

    def __post_init__(self) -> None:
        if not (math.isfinite(self.cpus_per_replica) and math.isfinite(self.gpus_per_replica)):
            raise ConfigError(f"--cpus-per-replica {self.cpus_per_replica} and --gpus-per-replica "
                              f"{self.gpus_per_replica} must be finite numbers")
        if self.replicas < 1 or self.cpus_per_replica <= 0 or self.gpus_per_replica < 0 \
                or self.batch_size < 1:
            raise ConfigError("--replicas and --cpus-per-replica must be positive, "
                              "--gpus-per-replica at least 0")


BACKEND_OPTIONS: dict[str, type] = {"transformers": TransformersOptions,
                                    "vllm-server": VLLMServerOptions, "vllm": VLLMOptions}
"""Each built-in backend's options class (a plug-in backend takes the common options only)."""
_FLAT_NAMES = {"server_url": "url", "server_timeout_s": "timeout_s"}  # flat API name → field
_API_NAMES = {field: name for name, field in _FLAT_NAMES.items()}


@dataclass(frozen=True)
class ScoringOptions:
    """How a reward model is loaded and run: the options every backend shares, and the chosen
    backend's own in ``backend_options`` (:class:`TransformersOptions`, :class:`VLLMServerOptions`,
    :class:`VLLMOptions`).

    ``truncation``: what to do with a conversation longer than ``max_length`` tokens — ``error``
    (the default) lists the offending ids; ``left`` drops tokens from the start (the prompt goes
    first, the response's end is kept, which is where the score is read); ``right`` keeps the start.
    ``batch_tokens`` bounds the tokens of a forward pass: rows × longest row in a padded batch
    (a shared prefix counted in every row, as each row holds its cache), the rows' sum when packed.
    ``batch_overhead``: what one more pass costs, in tokens, weighed against padding when batches
    are cut (``None``: 32 on a CPU, as measured; 256 on a GPU, an estimate).
    ``packing``: ``auto`` runs rows packed end to end without padding where the backend's attention
    is variable-length (FlashAttention), ``on`` wherever the backend can pack (with a dense
    block-diagonal mask: attention over the whole packed row, which costs more than it saves on
    CPU and needs memory for a square of ``batch_tokens``), ``off`` never.
    ``cache`` is a SQLite file, or ``None`` for no cache. ``output="hidden"`` returns the backbone's
    last-token hidden state instead of the head's scores (features for training a head).
    ``explicit`` names the settings the user gave, which the model catalogue never overrides.
    """

    dtype: str = "auto"
    device: str = "auto"
    max_length: int | None = None
    truncation: Truncation = "error"
    batch_tokens: int = 8192
    chat_template: str | None = None
    trust_remote_code: bool = False
    revision: str | None = None
    backend: str = "transformers"
    cache: Path | None = None
    progress: bool = True
    output: Literal["scores", "hidden"] = "scores"
    head: str = "auto"  # auto (from the weights) | linear | mlp | token-logit:ID
    prefix_sharing: bool = True  # compute a prompt shared by several responses once (KV cache)
    packing: Literal["auto", "on", "off"] = "auto"  # rows end to end, unpadded (auto: varlen attention)
    batch_overhead: int | None = None  # a forward pass's fixed cost in tokens (None: by device)
    backend_options: Any = None  # the backend's own options (see BACKEND_OPTIONS)
    explicit: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ConfigError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        if self.device not in DEVICES and not self.device.startswith(("cuda:", "mps:")):
            raise ConfigError(f"device must be one of {DEVICES} (or cuda:N), got {self.device!r}")
        if self.truncation not in TRUNCATIONS:
            raise ConfigError(f"truncation must be one of {TRUNCATIONS}, got {self.truncation!r}")
        if self.output not in ("scores", "hidden"):
            raise ConfigError(f"output must be 'scores' or 'hidden', got {self.output!r}")
        if self.packing not in ("auto", "on", "off"):
            raise ConfigError(f"packing must be 'auto', 'on' or 'off', got {self.packing!r}")
        if self.batch_overhead is not None and (isinstance(self.batch_overhead, bool)
                                                or not isinstance(self.batch_overhead, int)
                                                or not 0 <= self.batch_overhead <= 1_000_000):
            raise ConfigError(f"batch_overhead must be a whole number of tokens from 0 to 1,000,000, "
                              f"got {self.batch_overhead!r}")
        if self.batch_tokens < 1:
            raise ConfigError(f"batch_tokens must be positive, got {self.batch_tokens}")
        if self.max_length is not None and self.max_length < 2:
            raise ConfigError(f"max_length must be at least 2, got {self.max_length}")
        kind = BACKEND_OPTIONS.get(self.backend)
        if self.backend_options is not None and kind is not None \
                and not isinstance(self.backend_options, kind):
            raise ConfigError(f"backend {self.backend!r} takes {kind.__name__}, got "
                              f"{type(self.backend_options).__name__}")

    @classmethod
    def build(cls, **settings: Any) -> ScoringOptions:
        """Options from flat keyword arguments (the Python API's convenience): the shared fields,
        and the backend's own (``attn_implementation``, ``device_map``, ``server_url``, ...) into
        its options class; an unknown name is an error naming the known ones."""
        return cls().with_settings(**settings)

    def with_settings(self, **settings: Any) -> ScoringOptions:
        """These options with ``settings`` (flat names, as :meth:`build`) applied on top."""
        shared = {f.name for f in fields(self)} - {"backend_options", "explicit"}
        own = {k: v for k, v in settings.items() if k in shared}
        backend = own.get("backend", self.backend)
        rest = {_FLAT_NAMES.get(k, k): v for k, v in settings.items() if k not in shared}
        kind = BACKEND_OPTIONS.get(backend)
        known = {f.name for f in fields(kind)} if kind is not None else set()
        unknown = sorted({_API_NAMES.get(k, k) for k in set(rest) - known})
        if unknown:
            raise ConfigError(f"unknown scoring option(s) {unknown} for backend {backend!r}; "
                              f"shared: {sorted(shared)}; {backend}: {sorted(known) or 'none'}")
        backend_options = self.backend_options if backend == self.backend else None
        if kind is not None and (rest or backend_options is None):
            base = backend_options if isinstance(backend_options, kind) else None
            values = {**({f.name: getattr(base, f.name) for f in fields(kind)} if base else {}), **rest}
            backend_options = kind(**values)
        if "cache" in own and own["cache"] is not None:
            own["cache"] = Path(own["cache"])
        explicit = self.explicit | frozenset(settings)
        return replace(self, **own, backend_options=backend_options, explicit=explicit)

    def accepts(self, name: str) -> bool:
        """Whether ``name`` (a flat setting, as :meth:`build` takes) applies to this backend."""
        shared = {f.name for f in fields(self)} - {"backend_options", "explicit"}
        kind = BACKEND_OPTIONS.get(self.backend)
        return name in shared or (kind is not None
                                  and _FLAT_NAMES.get(name, name) in {f.name for f in fields(kind)})

    def given(self, name: str) -> bool:
        """Whether the caller set ``name``: named in ``explicit``, or away from its default (a
        typed ``ScoringOptions(max_length=512)`` counts as given)."""
        if name in self.explicit:
            return True
        if hasattr(self, name):
            return getattr(self, name) != getattr(ScoringOptions(), name)
        own = self.backend_options
        field_name = _FLAT_NAMES.get(name, name)
        if own is not None and hasattr(own, field_name):
            return getattr(own, field_name) != getattr(type(own)(), field_name)
        return False

    @property
    def transformers(self) -> TransformersOptions:
        """The transformers backend's options (its defaults when none were given)."""
        return self.backend_options if isinstance(self.backend_options, TransformersOptions) \
            else TransformersOptions()


@dataclass(frozen=True)
class ScorerSettings:
    """Everything a command decides about scoring: the options, and the Ray pool's size when the
    model runs there (``--engine ray``). Built once at the CLI edge and passed whole."""

    options: ScoringOptions = ScoringOptions()
    ray: RayOptions | None = None
