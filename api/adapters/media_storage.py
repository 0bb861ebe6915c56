"""Media storage behind the domain's `MediaStorage` (domain/catalog/media.py): files in a local
directory (`MEDIA_ROOT`), which the app serves at `MEDIA_URL` (api/media_route.py), or in an
S3-compatible bucket (api/adapters/s3_storage.py), as `MEDIA_STORAGE` says (`storage_for`).

Keys are the domain's (`products/<id>/<token>.<ext>`, `thumbs/<size>/...`); a path is used only
when it stays inside the root once resolved, so no key reaches another file. A file is written to
a temporary name and renamed into place: a reader never sees half an image.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from api.adapters.s3_storage import S3MediaStorage
from api.settings import ConfigurationError, Settings
from domain.catalog.media import MediaStorage
from domain.clock import Clock, system_clock


class LocalMediaStorage:
    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root.resolve()
        self.base_url = base_url.rstrip("/")

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError(f"media key outside the storage root: {key!r}")
        return path

    def _put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._put, key, data)

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._get, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)

    def url(self, key: str) -> str:
        return f"{self.base_url}/{key}"


def storage_for(settings: Settings, clock: Clock = system_clock) -> MediaStorage:
    """The media storage the settings name; an `s3` storage without its bucket or keys refuses to start."""
    if settings.media_storage == "local":
        return LocalMediaStorage(settings.media_root, settings.media_url)
    missing = [
        f"MEDIA_S3_{name.upper()}"
        for name in ("endpoint", "bucket", "access_key", "secret_key")
        if not getattr(settings, f"media_s3_{name}")
    ]
    if missing:
        raise ConfigurationError(f"MEDIA_STORAGE=s3 needs {', '.join(missing)}.")
    assert settings.media_s3_endpoint and settings.media_s3_bucket and settings.media_s3_access_key
    assert settings.media_s3_secret_key is not None
    return S3MediaStorage(
        settings.media_s3_endpoint,
        settings.media_s3_bucket,
        region=settings.media_s3_region,
        access_key=settings.media_s3_access_key,
        secret_key=settings.media_s3_secret_key.get_secret_value(),
        base_url=settings.media_url,
        clock=clock,
    )
