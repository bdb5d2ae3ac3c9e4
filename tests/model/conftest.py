"""Model tests need preftree[hf]; the tiny-model fixtures live in tests/conftest.py."""

from __future__ import annotations

import pytest

pytest.importorskip("torch", reason="decision-tree reward model tests need preftree[hf]")
pytest.importorskip("transformers", reason="decision-tree reward model tests need preftree[hf]")
