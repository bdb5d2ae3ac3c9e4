"""The public surface: one sorted __all__, everything in it importable, no torch at import."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


HEAVY = ("sklearn", "scipy", "pandas", "matplotlib", "torch", "transformers", "httpx")


def test_import_and_cli_help_load_no_heavy_library() -> None:
    """``import preftree`` and ``preftree --help`` pay for none of the heavy libraries."""
    code = ("import sys, preftree, preftree.cli\n"
            "from click.testing import CliRunner\n"
            "assert CliRunner().invoke(preftree.cli.cli, ['--help']).exit_code == 0\n"
            "for name in preftree.cli.cli.commands:\n"
            "    assert CliRunner().invoke(preftree.cli.cli, [name, '--help']).exit_code == 0\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_names_resolve_lazily() -> None:
    code = ("import sys, preftree\n"
            "assert 'sklearn' not in sys.modules\n"
            "tree = preftree.PreferenceTree\n"
            "print('sklearn' in sys.modules, tree.__module__, 'PreferenceTree' in dir(preftree))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "preftree.tree.estimator", "True"]


def _runtime_imports(path: Path) -> set[str]:
    """Modules a file imports when it runs (``if TYPE_CHECKING:`` blocks left out)."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
            names.update("." * node.level + a.name for a in node.names if node.module is None)
    return names


SRC = Path(preftree.__file__).parent


@pytest.mark.parametrize("module, forbidden", [
    ("tree/importance.py", ".estimator"), ("tree/validation.py", ".estimator"),
    ("tree/text.py", ".estimator"), ("tree/serialize.py", ".estimator"),
    ("tree/histogram.py", ".estimator"), ("tree/_fitting.py", ".estimator"),
    ("model/layout.py", ".reward_model"),
])
def test_no_import_cycles(module: str, forbidden: str) -> None:
    assert forbidden not in _runtime_imports(SRC / module)


def test_one_exception_root() -> None:
    """Deliberate errors derive from PreftreeError (InputError and ConfigError are ValueErrors
    too, so sklearn's contract holds); only json's ``default`` hook must raise TypeError."""
    pattern = re.compile(r"raise (ValueError|TypeError|KeyError|RuntimeError|Exception)\(")
    found = [(str(path.relative_to(SRC)), line.strip()[:40]) for path in SRC.rglob("*.py")
             for line in path.read_text().splitlines() if pattern.search(line)]
    assert found == [("report/folder.py", 'raise TypeError(f"not JSON serializable:')]
