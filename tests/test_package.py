"""The public surface: one sorted __all__, everything in it importable, no torch at import."""

from __future__ import annotations

import subprocess
import sys

import preftree


def test_all_is_sorted_and_exported() -> None:
    assert list(preftree.__all__) == sorted(preftree.__all__, key=lambda n: (n.startswith("_"), n)) \
        or list(preftree.__all__) == sorted(preftree.__all__)
    for name in preftree.__all__:
        assert hasattr(preftree, name), name


def test_import_does_not_import_torch() -> None:
    code = "import sys, preftree, preftree.cli; print('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
