"""The ``retrowalk`` command line: a thin Typer adapter over the services and the domain.

Each command group lives in its own module with a ``register(app)`` function; the modules are
listed in ``COMMAND_MODULES``. Every :class:`~retrowalk.errors.RetrowalkError` is printed as
``Error: <message>`` with the error's exit code (2 for bad input); no traceback reaches a user.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console
from rich.markup import escape

from retrowalk import __version__
from retrowalk.errors import RetrowalkError

COMMAND_MODULES: tuple[str, ...] = (
    "outcomes",
    "clinical",
    "evidence",
    "server",
    "gait",
    "report",
)


def build_app() -> typer.Typer:
    """Build the Typer application with every command group registered."""
    app = typer.Typer(
        name="retrowalk",
        help="Retro-walking for chronic low back pain: screen, plan, log, measure.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def root() -> None:
        """Retro-walking for chronic low back pain: screen, plan, log, measure."""

    @app.command("version")
    def version() -> None:
        """Print retrowalk's version."""
        typer.echo(f"retrowalk {__version__}")

    for name in COMMAND_MODULES:
        module = importlib.import_module(f"retrowalk.cli.{name}")
        module.register(app)
    return app


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app and turn project errors into clean messages.

    Typer handles usage errors (exit 2) itself; a :class:`RetrowalkError` raised by a command
    is printed as ``Error: <message>`` and exits with the error's code.
    """
    app = build_app()
    try:
        app(args=argv, prog_name="retrowalk")
    except RetrowalkError as error:
        Console(stderr=True).print(f"[bold red]Error:[/] {escape(str(error))}", highlight=False)
        sys.exit(error.exit_code)
