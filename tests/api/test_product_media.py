"""Product media through the graph, as a client sends it: uploads by the GraphQL multipart request
specification (`operations`, `map` and file parts, with httpx), images by address, their order, and
the files the app serves at `/media` (thumbnails made on first request); what is refused, and when.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.settings import Settings
from domain.access.model import StaffRole
from tests.helpers import GraphQLClient, StatementCounter

pytestmark = pytest.mark.usefixtures("demo")

MAX_BYTES = 64 * 1024
PREFLIGHT = {"Apollo-Require-Preflight": "true"}
ADD = """
mutation Add($productId: ID!, $input: ProductMediaInput!) {
  productMediaAdd(productId: $productId, input: $input) {
    media { id url alt sortOrder width height thumbnail(size: 100) }
    userErrors { field code message }
  }
}
"""
MEDIA = "query($slug: String!) { product(slug: $slug) { media { id url alt sortOrder thumbnail(size: 200) } } }"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The media storage in a directory of the test's own, with a small upload limit."""
    return settings.model_copy(
        update={"media_root": tmp_path / "media", "media_max_bytes": MAX_BYTES, "media_max_pixels": 4_000_000}
    )


def image(fmt: str = "PNG", size: tuple[int, int] = (300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: a decompression bomb's shape."""
    data = bytearray(image("PNG", (1, 1)))
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


async def upload(
    client: GraphQLClient,
    token: str | None,
    product_id: str,
    file: bytes,
    *,
    alt: str | None = "A red tee",
    headers: dict[str, str] | None = None,
    filename: str = "tee.png",
) -> httpx.Response:
    """`productMediaAdd` with `file` as the spec's multipart request."""
    operations = {"query": ADD, "variables": {"productId": product_id, "input": {"alt": alt, "file": None}}}
    return await client.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": (filename, file, "image/png")},
        headers={**PREFLIGHT, **({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})},
    )


@pytest.fixture
async def admin(client: GraphQLClient, engine: AsyncEngine) -> str:
    return await client.staff_token(engine)


@pytest.fixture
async def product(client: GraphQLClient) -> dict[str, str]:
    page = await client.data("{ products(first: 1) { edges { node { id slug } } } }")
    node: dict[str, str] = page["products"]["edges"][0]["node"]
    return node


def added(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["data"]["productMediaAdd"]
    return payload


async def test_an_uploaded_image_shows_in_product_media_and_its_thumbnail_is_served_and_kept(
    client: GraphQLClient, admin: str, product: dict[str, str], settings: Settings
) -> None:
    original = image()
    payload = added(await upload(client, admin, product["id"], original))
    assert payload["userErrors"] == []
    media = payload["media"]
    assert media["url"].startswith("/media/products/") and media["url"].endswith(".png")
    assert (media["alt"], media["sortOrder"], media["width"], media["height"]) == ("A red tee", 0, 300, 200)
    assert media["thumbnail"] == media["url"].replace("/media/", "/media/thumbs/128/", 1)

    shown = await client.data(MEDIA, {"slug": product["slug"]})  # anonymous: the storefront
    assert shown["product"]["media"] == [
        {
            **{k: media[k] for k in ("id", "url", "alt", "sortOrder")},
            "thumbnail": media["thumbnail"].replace("128", "256"),
        }
    ]
    served = await client.http.get(media["url"])
    assert served.status_code == 200 and served.content == original
    assert served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["x-content-type-options"] == "nosniff"

    thumbnail = await client.http.get(media["thumbnail"])
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(thumbnail.content)).size == (128, 85)
    kept = settings.media_root / media["thumbnail"].removeprefix("/media/")
    assert kept.read_bytes() == thumbnail.content  # made once, then read from the storage
    kept.write_bytes(b"kept")
    assert (await client.http.get(media["thumbnail"])).content == b"kept"


async def test_images_by_address_keep_their_order_and_move(
    client: GraphQLClient, admin: str, product: dict[str, str]
) -> None:
    ids = []
    for n in range(3):
        body = await client.data(
            ADD,
            {"productId": product["id"], "input": {"url": f"https://img.example.com/{n}.jpg", "alt": f"view {n}"}},
            token=admin,
        )
        assert body["productMediaAdd"]["userErrors"] == []
        ids.append(body["productMediaAdd"]["media"]["id"])
        assert body["productMediaAdd"]["media"]["thumbnail"] == f"https://img.example.com/{n}.jpg"
    reorder = """mutation($p: ID!, $m: [ID!]!) { productMediaReorder(productId: $p, mediaIds: $m) {
        product { media { id sortOrder } } userErrors { field code } } }"""
    done = await client.data(reorder, {"p": product["id"], "m": [ids[2], ids[0], ids[1]]}, token=admin)
    assert [m["id"] for m in done["productMediaReorder"]["product"]["media"]] == [ids[2], ids[0], ids[1]]
    refused = await client.data(reorder, {"p": product["id"], "m": [ids[2], ids[0]]}, token=admin)
    assert refused["productMediaReorder"]["userErrors"] == [{"field": ["mediaIds"], "code": "INVALID"}]

    update = """mutation($id: ID!, $input: ProductMediaUpdateInput!) { productMediaUpdate(id: $id, input: $input) {
        media { alt sortOrder } userErrors { field code } } }"""
    moved = await client.data(update, {"id": ids[1], "input": {"alt": "back", "sortOrder": 0}}, token=admin)
    assert moved["productMediaUpdate"] == {"media": {"alt": "back", "sortOrder": 0}, "userErrors": []}
    blank = await client.data(update, {"id": ids[1], "input": {"alt": "  "}}, token=admin)
    assert blank["productMediaUpdate"]["userErrors"] == [{"field": ["input", "alt"], "code": "REQUIRED"}]

    delete = "mutation($id: ID!) { productMediaDelete(id: $id) { media { id } userErrors { code } } }"
    assert (await client.data(delete, {"id": ids[2]}, token=admin))["productMediaDelete"]["media"] == {"id": ids[2]}
    shown = await client.data(MEDIA, {"slug": product["slug"]})
    assert [(m["id"], m["sortOrder"]) for m in shown["product"]["media"]] == [(ids[1], 0), (ids[0], 1)]


async def test_a_deleted_upload_takes_its_files_along(
    client: GraphQLClient, admin: str, product: dict[str, str], settings: Settings
) -> None:
    media = added(await upload(client, admin, product["id"], image("JPEG")))["media"]
    assert (await client.http.get(media["thumbnail"])).status_code == 200
    files = [settings.media_root / u.removeprefix("/media/") for u in (media["url"], media["thumbnail"])]
    assert all(f.exists() for f in files)
    delete = "mutation($id: ID!) { productMediaDelete(id: $id) { userErrors { code } } }"
    assert (await client.data(delete, {"id": media["id"]}, token=admin))["productMediaDelete"]["userErrors"] == []
    assert not any(f.exists() for f in files)
    assert (await client.http.get(media["url"])).status_code == 404


@pytest.mark.parametrize(
    ("file", "code", "words"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "INVALID", "readable image"),
        (image("BMP", (40, 40)), "INVALID", "JPEG, PNG, WebP or GIF"),
        (image("PNG")[:200], "INVALID", "readable image"),  # truncated
        (png_claiming(3000, 3000), "INVALID", "pixels"),  # within each side, too many pixels in all
        (png_claiming(60_000, 60_000), "INVALID", "pixels"),  # past Pillow's own bomb guard
        (b"\0" * (MAX_BYTES + 1), "INVALID", "over the limit"),
    ],
    ids=["svg", "bmp", "truncated", "too-many-pixels", "bomb", "too-big"],
)
async def test_an_upload_is_judged_by_its_content(
    client: GraphQLClient, admin: str, product: dict[str, str], settings: Settings, file: bytes, code: str, words: str
) -> None:
    payload = added(await upload(client, admin, product["id"], file))
    assert payload["media"] is None
    [error] = payload["userErrors"]
    assert (error["field"], error["code"]) == (["input", "file"], code) and words in error["message"]
    assert not (settings.media_root / "products").exists()  # nothing stored


async def test_alt_text_and_exactly_one_source_are_required(
    client: GraphQLClient, admin: str, product: dict[str, str]
) -> None:
    payload = added(await upload(client, admin, product["id"], image(), alt=None))
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input", "alt"], "REQUIRED")]
    cases = [
        ({"url": "https://img.example.com/a.jpg", "alt": " "}, [(["input", "alt"], "REQUIRED")]),
        ({"alt": "nothing"}, [(["input", "url"], "REQUIRED")]),
        ({"url": "javascript:alert(1)", "alt": "x"}, [(["input", "url"], "INVALID")]),
        ({"url": "ftp://img.example.com/a.jpg", "alt": "x"}, [(["input", "url"], "INVALID")]),
        ({"alt": "x", "file": "not a file part"}, [(["input", "file"], "INVALID")]),
    ]
    for given, errors in cases:
        body = await client.data(ADD, {"productId": product["id"], "input": given}, token=admin)
        assert [(e["field"], e["code"]) for e in body["productMediaAdd"]["userErrors"]] == errors, given


async def test_only_catalogue_staff_upload_and_nobody_else_has_the_body_parsed(
    client: GraphQLClient, engine: AsyncEngine, admin: str, product: dict[str, str], statements: StatementCounter
) -> None:
    anonymous = await upload(client, None, product["id"], image())
    assert (anonymous.status_code, anonymous.json()["errors"][0]["extensions"]["code"]) == (401, "UNAUTHENTICATED")
    cashier = await client.staff_token(engine, StaffRole.CASHIER)
    refused = await upload(client, cashier, product["id"], image())
    assert (refused.status_code, refused.json()["errors"][0]["extensions"]["code"]) == (403, "FORBIDDEN")
    by_address = await client.post(
        ADD, {"productId": product["id"], "input": {"url": "https://img.example.com/a.jpg", "alt": "a"}}, token=cashier
    )
    assert by_address["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    shown = await client.data(MEDIA, {"slug": product["slug"]})
    assert shown["product"]["media"] == []


async def test_a_multipart_request_needs_a_preflight_header_and_its_body_is_capped_before_parsing(
    client: GraphQLClient, admin: str, product: dict[str, str], settings: Settings
) -> None:
    operations = {"query": ADD, "variables": {"productId": product["id"], "input": {"alt": "a", "file": None}}}
    no_preflight = await client.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": ("a.png", image(), "image/png")},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert no_preflight.status_code == 400 and "Apollo-Require-Preflight" in no_preflight.text
    huge = await upload(client, admin, product["id"], b"\0" * (settings.max_body_bytes + MAX_BYTES + 1))
    assert (huge.status_code, huge.json()["errors"][0]["extensions"]["code"]) == (413, "PAYLOAD_TOO_LARGE")

    async def streamed() -> Any:  # no Content-Length: the cap applies as the body arrives
        yield b'--x\r\nContent-Disposition: form-data; name="0"; filename="a"\r\n\r\n'
        for _ in range(settings.max_body_bytes // 65536 + MAX_BYTES // 65536 + 2):
            yield b"\0" * 65536

    streaming = await client.http.post(
        "/graphql",
        content=streamed(),
        headers={**PREFLIGHT, "Authorization": f"Bearer {admin}", "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert streaming.status_code == 413
    bad_map = await client.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.nothing.here"]})},
        files={"0": ("a.png", image(), "image/png")},
        headers={**PREFLIGHT, "Authorization": f"Bearer {admin}"},
    )
    assert bad_map.status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/media/../omnishop.db",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/products/1/..%2F..%2Fsecret.txt",
        "/media/secret.txt",
        "/media/thumbs/100/products/1/00000000000000000000000000000000.png",  # not an allowed size
        "/media/products/1/00000000000000000000000000000000.png",  # no such file
    ],
)
async def test_only_stored_images_are_served(client: GraphQLClient, settings: Settings, path: str) -> None:
    settings.media_root.mkdir(parents=True, exist_ok=True)
    (settings.media_root / "secret.txt").write_text("secret")
    response = await client.http.get(path)
    assert response.status_code == 404 and "secret" not in response.text


async def test_a_listing_reads_every_products_images_in_one_statement(
    client: GraphQLClient, admin: str, statements: StatementCounter
) -> None:
    page = await client.data("{ products(first: 5) { edges { node { id } } } }")
    for edge in page["products"]["edges"]:
        for n in range(2):
            await client.data(
                ADD,
                {"productId": edge["node"]["id"], "input": {"url": f"https://img.example.com/{n}.jpg", "alt": "a"}},
                token=admin,
            )
    query = "{ products(first: %d) { edges { node { name media { url alt thumbnail(size: 64) } } } } }"
    counts = []
    for first in (2, 5):
        statements.reset()
        listed = await client.data(query % first)
        counts.append(statements.count)
        assert all(len(e["node"]["media"]) == 2 for e in listed["products"]["edges"])
    assert counts[0] == counts[1] <= 4, statements.statements


async def test_deleting_a_product_deletes_its_images_and_their_files(
    client: GraphQLClient, admin: str, product: dict[str, str], settings: Settings
) -> None:
    media = added(await upload(client, admin, product["id"], image()))["media"]
    stored = settings.media_root / media["url"].removeprefix("/media/")
    assert stored.exists()
    delete = "mutation($id: ID!) { productDelete(id: $id) { userErrors { code } } }"
    assert (await client.data(delete, {"id": product["id"]}, token=admin))["productDelete"]["userErrors"] == []
    assert not stored.exists()
    gone = await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": media["id"]}, token=admin)
    assert gone["node"] is None


async def test_a_cached_storefront_answer_shows_a_new_image_at_once(
    engine: AsyncEngine, settings: Settings, product: dict[str, str], admin: str
) -> None:
    cached = settings.model_copy(update={"response_cache": True})
    app = create_app(cached, engine=engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            shop = GraphQLClient(http)
            assert (await shop.data(MEDIA, {"slug": product["slug"]}))["product"]["media"] == []
            assert (await shop.data(MEDIA, {"slug": product["slug"]}))["product"]["media"] == []  # from the cache
            given = {"url": "https://img.example.com/new.jpg", "alt": "new"}
            await shop.data(ADD, {"productId": product["id"], "input": given}, token=admin)
            shown = await shop.data(MEDIA, {"slug": product["slug"]})
            assert [m["url"] for m in shown["product"]["media"]] == [given["url"]]


async def test_a_variants_own_images_show_on_the_variant_and_the_product(
    client: GraphQLClient, admin: str, statements: StatementCounter
) -> None:
    page = await client.data("{ products(first: 2) { edges { node { id slug variants { id } } } } }")
    [first, second] = [e["node"] for e in page["products"]["edges"]]
    variant = first["variants"][0]["id"]
    given = {"url": "https://img.example.com/red.jpg", "alt": "In red", "variantId": variant}
    body = await client.data(ADD, {"productId": first["id"], "input": given}, token=admin)
    assert body["productMediaAdd"]["userErrors"] == []
    other = await client.data(ADD, {"productId": second["id"], "input": given}, token=admin)
    assert other["productMediaAdd"]["userErrors"] == [
        {"field": ["input", "variantId"], "code": "NOT_FOUND", "message": "No such variant of this product."}
    ]
    query = "query($slug: String!) { product(slug: $slug) { media { alt } variants { id media { url alt } } } }"
    statements.reset()
    shown = (await client.data(query, {"slug": first["slug"]}))["product"]
    assert shown["media"] == [{"alt": "In red"}]
    assert {v["id"]: v["media"] for v in shown["variants"]}[variant] == [{"url": given["url"], "alt": "In red"}]
    assert all(v["media"] == [] for v in shown["variants"] if v["id"] != variant)
    assert sum("FROM product_media" in s for s in statements.statements) == 2  # the product's, every variant's
