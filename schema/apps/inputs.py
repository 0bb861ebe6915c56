"""App administration inputs."""

from __future__ import annotations

import strawberry

from schema.apps.enums import AppScope


@strawberry.input(description="A new app.")
class AppCreateInput:
    name: str = strawberry.field(description="Display name (at most 100 characters).")
    scopes: list[AppScope] = strawberry.field(description="What its token may do.")
