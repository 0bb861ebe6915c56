"""The ASGI application: settings, app factory, routes, auth, request context, CLI."""

from api.app import create_app

__all__ = ["create_app"]
