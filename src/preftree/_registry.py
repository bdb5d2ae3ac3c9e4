"""Lazy registries: backends named by ``"module:object"`` strings, imported only when chosen, so
importing preftree never imports torch, transformers or an HTTP client it will not use."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from .errors import InputError, MissingDependencyError

__all__ = ["load_registered"]


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
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise MissingDependencyError(f"the {name!r} {kind} needs preftree[hf] "
                                     f"(pip install 'preftree[hf]'): {exc}") from None
    return getattr(module, attr)
