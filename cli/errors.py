"""The one error path: every failure ends as one line on stderr, never a traceback.

Library modules raise their own exceptions (``ConfigError``, ``CloudError``,
``QueryError``, ``DeployError``, ``StepFailedError``, ``ToolMissingError``,
``InputFileError``, botocore's errors, ``OSError``). Commands do not catch
them: ``OrdersGroup``, the group class of the whole CLI, turns each into a
``Failure`` (``explain``), prints it with ``cli.render.failure`` and exits 1.
Click's usage errors get the same single line and exit 2.

Anything else is a bug: one line naming the exception, plus "run with --debug
for details"; ``orders --debug`` (or ``ORDERS_DEBUG=1``) prints the traceback
first.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

# typer 0.26 ships its own copy of click (setup.cfg pins typer to 0.26.x): its exceptions are
# these, not the `click` distribution's.
from typer import _click
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

DEBUG_HINT = "run with --debug for details"


class Failure(click_errors.ClickException):
    """A failure the user can act on: one line, an optional hint, exit 1.

    ``detail`` is output of a failed tool (its stderr tail), printed between
    the line and the hint.
    """

    def __init__(self, message: str, *, hint: str = "", detail: str = "") -> None:
        super().__init__(" ".join(message.split()))
        self.hint = " ".join(hint.split())
        self.detail = detail.rstrip()


def explain(exc: BaseException, *, debug: bool = False) -> Failure:
    """The ``Failure`` for an exception a command let through (see the module docstring)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from cli.cloud import CloudError
    from cli.config import ConfigError, TerraformOutputError
    from cli.deploy import DeployError
    from cli.local_lambda import FunctionInitError
    from cli.query import QueryError
    from cli.tools import StepFailedError, ToolMissingError
    from shared.core.errors import InputFileError
    from shared.core.limits import InvalidSettingError

    if isinstance(exc, Failure):
        return exc
    if isinstance(exc, StepFailedError):
        return Failure(str(exc), hint=exc.hint, detail=exc.stderr)
    if isinstance(exc, DeployError):
        return Failure(str(exc), hint=exc.hint)
    known = (
        CloudError,
        ConfigError,
        TerraformOutputError,
        QueryError,
        FunctionInitError,
        ToolMissingError,
        InputFileError,
        InvalidSettingError,
        BotoCoreError,
        ClientError,
    )
    if isinstance(exc, known):
        return Failure(str(exc))
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return Failure(f"{where}{exc.strerror}")
    if isinstance(exc, OSError):
        return Failure(str(exc))
    return Failure(f"unexpected {type(exc).__name__}: {exc}", hint="" if debug else DEBUG_HINT)


class OrdersGroup(TyperGroup):
    """The CLI's group: where every exception of every command is turned into one line."""

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click_errors.ClickException, click_errors.Exit, click_errors.Abort):
            raise
        except Exception as exc:
            debug = bool(ctx.params.get("debug"))
            if debug:
                from cli import render

                render.traceback(exc)
            raise explain(exc, debug=debug) from exc

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Typer's main, with every error printed by ``cli.render`` (one line) instead."""
        from cli import render

        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except click_errors.NoArgsIsHelpError as exc:  # bare `orders`: Typer printed the help
            code = exc.exit_code
        except click_errors.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "orders"
            render.failure(Failure(f"{exc.format_message()} (see: {command} --help)"))
            code = exc.exit_code
        except click_errors.ClickException as exc:
            render.failure(exc if isinstance(exc, Failure) else Failure(exc.message))
            code = exc.exit_code
        except click_errors.Abort:
            render.failure(Failure("aborted"))
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)
