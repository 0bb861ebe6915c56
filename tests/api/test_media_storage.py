"""The media storages behind one interface: the local directory keeps files inside its root, and the
S3-compatible storage signs its requests as AWS documents (Signature Version 4, checked against
AWS's published examples) and works against a stand-in bucket that checks every signature; the
app's `/media` route serves images and makes thumbnails from either."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.adapters.images import PillowImages
from api.adapters.media_storage import LocalMediaStorage, storage_for
from api.adapters.s3_storage import S3Error, S3MediaStorage, sign
from api.media_route import media_route
from api.settings import ConfigurationError, Settings
from domain.catalog.media import media_key, thumbnail_key

AWS_EXAMPLE = {
    "region": "us-east-1",
    "access_key": "AKIAIOSFODNN7EXAMPLE",
    "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}
MAY_24_2013 = datetime(2013, 5, 24, tzinfo=UTC)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
KEYS = {"region": "eu-west-1", "access_key": "OMNISHOPTEST", "secret_key": "secret-of-the-stand-in"}


def test_a_get_is_signed_as_in_the_aws_example() -> None:
    headers = sign(
        "GET",
        "https://examplebucket.s3.amazonaws.com/test.txt",
        {"Range": "bytes=0-9"},
        EMPTY_SHA256,
        MAY_24_2013,
        **AWS_EXAMPLE,
    )
    assert headers["authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


def test_a_put_is_signed_as_in_the_aws_example() -> None:
    body = b"Welcome to Amazon S3."
    headers = sign(
        "PUT",
        "https://examplebucket.s3.amazonaws.com/test$file.text",
        {"Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"},
        hashlib.sha256(body).hexdigest(),
        MAY_24_2013,
        **AWS_EXAMPLE,
    )
    assert headers["authorization"].endswith(
        "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
    )


class StandInBucket:
    """An S3-compatible service in a few lines: objects by bucket and key, every request's signature
    and payload hash checked (403 otherwise), as the real service does."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.app = Starlette(routes=[Route("/{bucket}/{key:path}", self.handle, methods=["GET", "PUT", "DELETE"])])

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        given = request.headers.get("authorization", "")
        names = re.search(r"SignedHeaders=([^,]+)", given)
        if names is None or request.headers.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
            return Response(status_code=403)
        signed = {
            n: request.headers[n]
            for n in names.group(1).split(";")
            if n not in ("host", "x-amz-date", "x-amz-content-sha256")
        }
        when = datetime.strptime(request.headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        expected = sign(request.method, str(request.url), signed, hashlib.sha256(body).hexdigest(), when, **KEYS)
        if expected["authorization"] != given:
            return Response(status_code=403)
        path = request.url.path
        if request.method == "PUT":
            self.objects[path] = (body, request.headers.get("content-type", ""))
            return Response(status_code=200)
        if request.method == "DELETE":
            self.objects.pop(path, None)
            return Response(status_code=204)
        if path not in self.objects:
            return Response(status_code=404)
        return Response(self.objects[path][0], media_type=self.objects[path][1])


@pytest.fixture
def bucket() -> StandInBucket:
    return StandInBucket()


def s3(bucket: StandInBucket, **keys: str) -> S3MediaStorage:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=bucket.app), base_url="http://s3.test")
    return S3MediaStorage("http://s3.test", "shop-media", base_url="/media", client=client, **{**KEYS, **keys})  # type: ignore[arg-type]


def png(size: tuple[int, int] = (400, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def test_the_s3_storage_puts_gets_and_deletes_signed_objects(bucket: StandInBucket) -> None:
    storage = s3(bucket)
    key = media_key(7, "a" * 32, "png")
    await storage.put(key, b"image bytes", "image/png")
    assert bucket.objects[f"/shop-media/{key}"] == (b"image bytes", "image/png")
    assert await storage.get(key) == b"image bytes"
    assert storage.url(key) == f"/media/{key}"
    await storage.delete(key)
    assert await storage.get(key) is None
    await storage.delete(key)  # deleting what is gone is no error
    await storage.close()


async def test_a_bucket_that_refuses_the_signature_is_an_error_not_a_missing_file(bucket: StandInBucket) -> None:
    storage = s3(bucket, secret_key="not-the-secret")
    with pytest.raises(S3Error, match="403"):
        await storage.put(media_key(7, "b" * 32, "png"), b"x", "image/png")
    with pytest.raises(S3Error, match="403"):
        await storage.get(media_key(7, "b" * 32, "png"))


@pytest.mark.parametrize("backend", ["local", "s3"])
async def test_the_media_route_serves_and_makes_thumbnails_from_either_storage(
    bucket: StandInBucket, tmp_path: Path, backend: str
) -> None:
    storage = LocalMediaStorage(tmp_path, "/media") if backend == "local" else s3(bucket)
    key = media_key(3, "c" * 32, "png")
    await storage.put(key, png(), "image/png")
    app = Starlette(routes=[media_route(storage, PillowImages())])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as http:
        original = await http.get(f"/media/{key}")
        assert original.status_code == 200 and original.content == png()
        thumb = await http.get(f"/media/{thumbnail_key(key, 64)}")
        assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.content)).size == (64, 48)
        assert await storage.get(thumbnail_key(key, 64)) == thumb.content  # kept for the next request
        assert (await http.get(f"/media/{thumbnail_key(media_key(3, 'd' * 32, 'png'), 64)}")).status_code == 404


def test_the_local_storage_never_leaves_its_root(tmp_path: Path) -> None:
    storage = LocalMediaStorage(tmp_path / "media", "/media")
    for key in ("../outside.png", "/etc/passwd", "products/../../x"):
        with pytest.raises(ValueError, match="outside the storage root"):
            storage._path(key)


def test_an_s3_storage_needs_its_bucket_and_keys(tmp_path: Path) -> None:
    base = {"secret_key": "x" * 40, "_env_file": None, "media_root": tmp_path}
    assert isinstance(storage_for(Settings(**base)), LocalMediaStorage)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="MEDIA_S3_BUCKET, MEDIA_S3_ACCESS_KEY, MEDIA_S3_SECRET_KEY"):
        storage_for(Settings(**base, media_storage="s3", media_s3_endpoint="http://minio:9000"))  # type: ignore[arg-type]
    configured = Settings(
        **base,  # type: ignore[arg-type]
        media_storage="s3",
        media_s3_endpoint="http://minio:9000",
        media_s3_bucket="b",
        media_s3_access_key="k",
        media_s3_secret_key="s",
    )
    assert isinstance(storage_for(configured), S3MediaStorage)
