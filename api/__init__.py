"""The ASGI application: settings, app factory, routes, auth, request context, CLI."""

from api.app import create_app

__version__ = "0.1.0"

__all__ = ["__version__", "create_app"]
