"""Lazy registries of backends and feature sources, open to plug-ins.

Built-in entries are ``"module:object"`` strings, imported only when chosen, so importing preftree
never imports torch, transformers or an HTTP client it will not use. Other packages add entries
through Python entry points — the groups ``preftree.scoring_backends``,
``preftree.judge_backends`` and ``preftree.feature_sources`` — and appear in the CLI's choices
like the built-in ones (a plug-in of the same name replaces a built-in one only when asked:
built-ins win).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any

from .errors import InputError, MissingDependencyError, PreftreeError

__all__ = ["FEATURE_SOURCES", "GROUPS", "JUDGE_BACKENDS", "SCORING_BACKENDS", "feature_sources",
           "judge_backends", "load_registered", "registry", "scoring_backends"]

GROUPS = {"scoring backend": "preftree.scoring_backends", "judge backend": "preftree.judge_backends",
          "feature source": "preftree.feature_sources"}


@lru_cache(maxsize=None)
def _plugins(group: str) -> tuple[tuple[str, str], ...]:
    return tuple((ep.name, ep.value) for ep in entry_points(group=group))


def registry(builtin: Mapping[str, str], kind: str) -> dict[str, str]:
    """The built-in entries of ``kind`` plus those plug-ins register under its entry-point group."""
    merged = {name: value for name, value in _plugins(GROUPS[kind]) if name not in builtin}
    return {**builtin, **merged}


def load_registered(registry: Mapping[str, str], name: str, kind: str) -> Any:
    """The object registered under ``name``; an unknown name lists the known ones, and a missing
    optional package says which extra to install.

    >>> load_registered({"json": "json:dumps"}, "json", "encoder")([1])
    '[1]'
    >>> load_registered({"json": "json:dumps"}, "yaml", "encoder")
    Traceback (most recent call last):
    ...
    preftree.errors.InputError: unknown encoder 'yaml'; available: json
    """
    if name not in registry:
        raise InputError(f"unknown {kind} {name!r}; available: {', '.join(sorted(registry))}")
    module_name, _, attr = registry[name].partition(":")
    if not module_name.startswith("preftree."):  # a plug-in: its own errors are its package's
        try:
            return getattr(importlib.import_module(module_name), attr)
        except Exception as exc:  # noqa: BLE001 - any failure of third-party code, in one line
            raise PreftreeError(f"the {kind} plug-in {name!r} ({registry[name]}) could not be loaded: "
                                f"{type(exc).__name__}: {exc}") from None
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        extra = {"vllm": "preftree[vllm]", "vllm-server": "preftree[hf]", "ray": "preftree[ray]"}.get(
            name, "preftree[hf]")
        raise MissingDependencyError(f"the {name!r} {kind} needs {extra} "
                                     f"(pip install '{extra}'): {exc}") from None
    return getattr(module, attr)


SCORING_BACKENDS: dict[str, str] = {
    "transformers": "preftree.scoring.backends.hf:load_engine",
    "vllm": "preftree.scoring.backends.vllm_offline:load_engine",
    "vllm-server": "preftree.scoring.backends.vllm_server:load_engine",
}
"""Built-in scoring backends: factories ``(checkpoint, options) -> ScoringEngine``."""

JUDGE_BACKENDS: dict[str, str] = {"openai": "preftree.judges.openai_backend:OpenAIBackend",
                                  "hf": "preftree.judges.hf_backend:HFBackend"}
"""Built-in judge backends: classes following :class:`preftree.judges.collect.JudgeBackend`."""

FEATURE_SOURCES: dict[str, str] = {"model": "preftree.scoring.features:model_source"}
"""Built-in lazy feature sources: factories ``(argument, spec) -> FeatureSource``."""


def scoring_backends() -> dict[str, str]:
    return registry(SCORING_BACKENDS, "scoring backend")


def judge_backends() -> dict[str, str]:
    return registry(JUDGE_BACKENDS, "judge backend")


def feature_sources() -> dict[str, str]:
    return registry(FEATURE_SOURCES, "feature source")
