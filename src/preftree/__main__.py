"""``python -m preftree``: the same CLI as the ``preftree`` command."""

from .cli import main

main()
