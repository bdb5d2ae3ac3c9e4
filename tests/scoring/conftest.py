"""Scoring tests need preftree[hf]; the tiny-model fixtures live in tests/conftest.py."""

from __future__ import annotations

import pytest

pytest.importorskip("torch", reason="scoring tests need preftree[hf] (torch, transformers)")
pytest.importorskip("transformers", reason="scoring tests need preftree[hf]")
