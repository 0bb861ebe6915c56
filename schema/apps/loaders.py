"""The apps' dataloaders."""

from __future__ import annotations

from db.models import App
from schema.batch_loader import OptionalLoader, by_id


class AppByIdLoader(OptionalLoader[int, App]):
    fetch = staticmethod(by_id(App))
