"""What every `omnishop` command shares: the typer app, the console, and the wrapper that turns an
operator's mistake (bad settings, no database) into one red line instead of a traceback. The commands
live in `api/cli.py` (serving, data, staff) and `api/cli_jobs.py` (periodic and maintenance jobs)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from api.preflight import OperatorError, load_settings, open_database
from api.settings import ConfigurationError, Settings
from db.migrations import Upgraded

# Plain help: typer's rich help labels every flag `<bool>`.
app = typer.Typer(
    help="Omnishop: the omnichannel commerce API.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")


def one_line(command: Callable[P, R]) -> Callable[P, R]:
    """Operator errors (bad settings, no database) as one red line and exit status 1, not a traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (OperatorError, ConfigurationError) as e:
            for line in str(e).splitlines():
                console.print(f"[red]{line}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return run


async def migrate_database(settings: Settings) -> Upgraded:
    from db.migrations import upgrade

    async with open_database(settings.database_url) as engine:
        return await upgrade(engine)


def job_settings() -> Settings:
    """The settings of a command that works on the database: the embedded SQLite one migrated first."""
    settings = load_settings()
    if settings.is_sqlite:
        asyncio.run(migrate_database(settings))
    return settings
