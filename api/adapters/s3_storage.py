"""Media storage in an S3-compatible bucket (AWS S3, MinIO, Ceph, Alibaba OSS and Tencent COS in
S3 mode), behind the same `MediaStorage` interface as the local directory.

Requests are path-style (`<endpoint>/<bucket>/<key>`, which every S3-compatible service accepts)
and signed with AWS Signature Version 4 (`sign`, checked against AWS's published example in the
tests), over httpx, which the server already uses for webhooks: no SDK. The bucket may stay
private: clients fetch images from the app's `/media` (or a CDN in front of it), which reads them
from here, and thumbnails are made and kept here the same way as on disk.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import httpx

from domain.clock import Clock, system_clock

ALGORITHM = "AWS4-HMAC-SHA256"
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload_sha256: str,
    now: datetime,
    *,
    region: str,
    access_key: str,
    secret_key: str,
    service: str = "s3",
) -> dict[str, str]:
    """`headers` with `host`, `x-amz-date`, `x-amz-content-sha256` and the SigV4 `Authorization`
    for a request without a query string; every header given is signed."""
    parts = urlsplit(url)
    amz_date = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    signed = {k.lower(): " ".join(v.split()) for k, v in headers.items()}
    signed |= {"host": parts.netloc, "x-amz-date": amz_date, "x-amz-content-sha256": payload_sha256}
    names = sorted(signed)
    canonical = "\n".join(
        [
            method,
            quote(parts.path or "/", safe="/-_.~"),
            "",  # no query string
            "".join(f"{n}:{signed[n]}\n" for n in names),
            ";".join(names),
            payload_sha256,
        ]
    )
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = f"{ALGORITHM}\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), amz_date[:8]), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    signed["authorization"] = (
        f"{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return signed


class S3Error(RuntimeError):
    """The bucket answered something other than success or "no such key"."""


class S3MediaStorage:
    def __init__(
        self,
        endpoint: str,
        bucket: str,
        *,
        region: str,
        access_key: str,
        secret_key: str,
        base_url: str,
        client: httpx.AsyncClient | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket
        self.region, self.access_key, self.secret_key = region, access_key, secret_key
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self._client = client

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:  # made on first use, inside the server's event loop
            self._client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def _send(
        self, method: str, key: str, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        url = f"{self.endpoint}/{self.bucket}/{key}"
        signed = sign(
            method,
            url,
            headers or {},
            hashlib.sha256(body).hexdigest(),
            self.clock(),
            region=self.region,
            access_key=self.access_key,
            secret_key=self.secret_key,
        )
        return await self.client.request(method, url, content=body or None, headers=signed)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        headers = {"content-type": content_type, "cache-control": "public, max-age=31536000, immutable"}
        response = await self._send("PUT", key, data, headers)
        if response.status_code != 200:
            raise S3Error(f"PUT {key}: {response.status_code}")

    async def get(self, key: str) -> bytes | None:
        response = await self._send("GET", key)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise S3Error(f"GET {key}: {response.status_code}")
        return response.content

    async def delete(self, key: str) -> None:
        response = await self._send("DELETE", key)
        if response.status_code not in (200, 204, 404):
            raise S3Error(f"DELETE {key}: {response.status_code}")

    def url(self, key: str) -> str:
        return f"{self.base_url}/{key}"
