"""The ``retrowalk`` command line: a thin Typer adapter over the services and the domain.

Each command group lives in its own module with a ``register(app)`` function; ``COMMANDS`` maps
every top-level command to its module. Only the module of the command being run is imported
(the gait, report and server modules pull in SciPy, matplotlib and reportlab, which would make
``retrowalk screen`` slow to start); ``--help`` and unknown commands import them all.
Every :class:`~retrowalk.errors.RetrowalkError` is printed as
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

COMMANDS: dict[str, str] = {
    "screen": "clinical",
    "plan": "clinical",
    "progress": "clinical",
    "evidence": "evidence",
    "score": "outcomes",
    "compare": "outcomes",
    "energy": "outcomes",
    "serve": "server",
    "db": "server",
    "user": "server",
    "gait": "gait",
    "report": "report",
}
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(COMMANDS.values()))


def build_app(command: str | None = None) -> typer.Typer:
    """Build the Typer application.

    With ``command`` (the first word of the command line) only that command's module is
    registered; without it, or for a word that is not a command, every module is.
    """
    app = typer.Typer(
        name="retrowalk",
        help="Retro-walking for chronic low back pain: screen, plan, log, measure.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        # docstrings are prose wrapped at 100 columns: markdown joins their lines into
        # paragraphs (the "rich" mode keeps every line break in the help)
        rich_markup_mode="markdown",
    )

    @app.callback()
    def root() -> None:
        """Retro-walking for chronic low back pain: screen, plan, log, measure."""

    @app.command("version")
    def version() -> None:
        """Print retrowalk's version."""
        typer.echo(f"retrowalk {__version__}")

    if command == "version":
        modules: tuple[str, ...] = ()
    elif command in COMMANDS:
        modules = (COMMANDS[command],)
    else:
        modules = COMMAND_MODULES
    for name in modules:
        module = importlib.import_module(f"retrowalk.cli.{name}")
        module.register(app)
    return app


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app and turn project errors into clean messages.

    Typer handles usage errors (exit 2) itself; a :class:`RetrowalkError` raised by a command
    is printed as ``Error: <message>`` and exits with the error's code.
    """
    args = sys.argv[1:] if argv is None else argv
    app = build_app(args[0] if args else None)
    try:
        app(args=args, prog_name="retrowalk")
    except RetrowalkError as error:
        # soft_wrap: one line however long (a log or a script reads `Error: <where>: <what>`;
        # without it, Rich breaks the line at 80 columns when stderr is not a terminal)
        Console(stderr=True, soft_wrap=True).print(
            f"[bold red]Error:[/] {escape(str(error))}", highlight=False
        )
        sys.exit(error.exit_code)
