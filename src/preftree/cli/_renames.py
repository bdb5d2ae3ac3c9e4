"""Renamed options: an old spelling keeps working for one release, hidden, with a one-line notice,
and hands its value to the new option (the renames are listed in :mod:`._meanings`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from ._options import F, echo

__all__ = ["RENAMED", "OldSpelling", "RenamingCommand", "old_spelling"]


RENAMED = "preftree_renamed"
"""``ctx.meta`` key: the values given under an old option spelling, by the new parameter."""


class OldSpelling(click.Option):
    """The hidden old spelling of a renamed option: it still works for one release, says so in
    one line on stderr, and hands its value to the new option (see :class:`RenamingCommand`)."""

    def __init__(self, param_decls: Sequence[str], *, new: str, new_param: str, **kwargs: Any) -> None:
        super().__init__(param_decls, hidden=True, expose_value=False, **kwargs)
        self.old, self.new, self.new_param = param_decls[0], new, new_param

    def process_value(self, ctx: click.Context, value: Any) -> Any:
        value = super().process_value(ctx, value)
        if ctx.get_parameter_source(self.name or "") in (click.core.ParameterSource.COMMANDLINE,
                                                         click.core.ParameterSource.ENVIRONMENT):
            echo(f"note: {self.old} is now {self.new}; the old spelling works until the next release",
                 err=True)
            ctx.meta.setdefault(RENAMED, {})[self.new_param] = (self, value)
        return value


class RenamingCommand(click.Command):
    """A command some of whose options were renamed: a value given under the old spelling goes to
    the new parameter; both spellings at once are an error; a required new option is checked
    here, after the old spelling had its say."""

    def __init__(self, *args: Any, required: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.required_after_renames = tuple(required)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Both spellings of one option are an error before anything else is checked."""
        end = args.index("--") if "--" in args else len(args)  # after "--": positional values
        given = {arg.split("=", 1)[0] for arg in args[:end]}
        for param in self.params:
            if isinstance(param, OldSpelling) and param.old in given and param.new in given:
                raise click.UsageError(f"give {param.new} or its old spelling {param.old}, not both", ctx)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        for new_param, (old, value) in ctx.meta.get(RENAMED, {}).items():
            source = ctx.get_parameter_source(new_param)
            if source not in (None, click.core.ParameterSource.DEFAULT):
                raise click.UsageError(f"give {old.new} or its old spelling {old.old}, not both", ctx)
            ctx.params[new_param] = value
        for name in self.required_after_renames:
            if ctx.params.get(name) in (None, ()):
                option = next(p for p in self.params if p.name == name)
                raise click.MissingParameter(ctx=ctx, param=option)
        return super().invoke(ctx)


def old_spelling(old: str, new: str, new_param: str, **kwargs: Any) -> Callable[[F], F]:
    """Decorator: accept ``old`` as a deprecated spelling of ``new`` (parameter ``new_param``)."""
    return click.option(old, f"old_{new_param}", cls=OldSpelling, new=new, new_param=new_param,
                        help=f"Old spelling of {new}.", **kwargs)
