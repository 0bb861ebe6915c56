"""The ASGI application: settings, app factory, routes, auth, request context, CLI.

`create_app` is imported on first use, not with the package: a module of the package imported alone
(the JSON log formatter that uvicorn's workers load before they answer its health checks, the CLI's
version) does not pay for the whole app.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.app import create_app

__version__ = "0.1.0"

__all__ = ["__version__", "create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":
        from api.app import create_app

        return create_app
    raise AttributeError(f"module 'api' has no attribute {name!r}")
