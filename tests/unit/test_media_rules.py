"""Product media rules and use cases, without a database or an image library: alt text is required,
addresses are http(s) only, uploads are judged by what the decoder read, thumbnail sizes are a fixed
set, only the keys the rules make are served, and a file is stored only for an image that is written."""

from __future__ import annotations

import pytest

from domain.access.model import ANONYMOUS, AccessDenied, Principal, SignInRequired, StaffRole, staff
from domain.catalog import media as rules
from domain.catalog.media import ImageInfo, ImageLimits, ImageRejected
from domain.catalog.media_services import (
    MediaAdd,
    MediaUpdate,
    NewMedia,
    StoredMedia,
    add_media,
    check_upload,
    delete_media,
    discard_files,
    update_media,
)
from domain.errors import Code, DomainError, DomainErrors

LIMITS = ImageLimits(max_bytes=1000, max_side=500, max_pixels=100_000)
ADMIN = staff(1, StaffRole.ADMIN)
CASHIER = staff(2, StaffRole.CASHIER)


class FakeCodec:
    def __init__(self, info: ImageInfo | None) -> None:
        self.info = info

    async def inspect(self, data: bytes, max_pixels: int) -> ImageInfo:
        if self.info is None:
            raise ImageRejected("The file is not a readable image.")
        return self.info

    async def thumbnail(self, data: bytes, size: int) -> bytes:
        return data[:size]


class FakeStorage:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self.files[key] = data

    async def get(self, key: str) -> bytes | None:
        return self.files.get(key)

    async def delete(self, key: str) -> None:
        self.files.pop(key, None)

    def url(self, key: str) -> str:
        return f"/media/{key}"


class FakeMedia:
    """The media repository over a product (7, with variant 70) and its images in a list."""

    def __init__(self, fail_insert: bool = False) -> None:
        self.rows: list[NewMedia] = []
        self.fail_insert = fail_insert

    async def product_exists(self, product_id: int) -> bool:
        return product_id == 7

    async def variant_product(self, variant_id: int) -> int | None:
        return 7 if variant_id == 70 else None

    async def media(self, media_id: int) -> StoredMedia | None:
        return StoredMedia(media_id, 7, self.rows[media_id - 1].key) if 0 < media_id <= len(self.rows) else None

    async def media_ids(self, product_id: int) -> list[int]:
        return list(range(1, len(self.rows) + 1))

    async def add_media(self, new: NewMedia) -> int:
        if self.fail_insert:
            raise RuntimeError("the database went away")
        self.rows.append(new)
        return len(self.rows)

    async def set_alt(self, media_id: int, alt: str) -> None: ...
    async def set_order(self, product_id: int, media_ids: list[int]) -> None:
        self.order = media_ids

    async def delete_media(self, media_id: int) -> None: ...


class FakeUow:
    def __init__(self, media: FakeMedia) -> None:
        self.media = media


def test_alt_text_is_required_trimmed_and_bounded() -> None:
    assert rules.validate_alt("  a red tee ") == "a red tee"
    for blank in (None, "", "   "):
        with pytest.raises(DomainError) as e:
            rules.validate_alt(blank)
        assert (e.value.code, e.value.field) == (Code.REQUIRED, ["input", "alt"])
    with pytest.raises(DomainError, match="at most"):
        rules.validate_alt("x" * (rules.ALT_MAX + 1))


@pytest.mark.parametrize(
    "url", ["https://cdn.example.com/a.jpg", "http://img.example.com:8080/p?q=1#f", "https://[::1]/a"]
)
def test_an_image_address_is_absolute_http_or_https(url: str) -> None:
    assert rules.validate_media_url(f" {url} ") == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://x/y",
        "https://user:pw@x/y",
        "https:///x",
        "//x/y",
        "https://x/a b",
        "data:image/png,x",
    ],
)
def test_other_addresses_are_refused(url: str) -> None:
    with pytest.raises(DomainError) as e:
        rules.validate_media_url(url)
    assert (e.value.code, e.value.field) == (Code.INVALID, ["input", "url"])


def test_an_image_is_judged_by_its_format_size_and_pixels() -> None:
    ok = rules.check_image(b"x" * 10, ImageInfo("WEBP", 400, 200), LIMITS)
    assert (ok.content_type, ok.extension, ok.width, ok.height) == ("image/webp", "webp", 400, 200)
    refusals = [
        (b"x" * 1001, ImageInfo("PNG", 10, 10), "over the limit"),
        (b"x", ImageInfo("BMP", 10, 10), "JPEG, PNG, WebP or GIF"),
        (b"x", ImageInfo("PNG", 501, 10), "a side"),
        (b"x", ImageInfo("PNG", 400, 400), "pixels"),  # each side within, too many in all
        (b"x", ImageInfo("PNG", 0, 10), "a side"),
    ]
    for data, info, words in refusals:
        with pytest.raises(DomainError, match=words):
            rules.check_image(data, info, LIMITS)


def test_thumbnails_come_in_a_fixed_set_of_sizes() -> None:
    assert [rules.thumbnail_size(n) for n in (-5, 1, 64, 65, 300, 1024, 5000)] == [64, 64, 64, 128, 512, 1024, 1024]


def test_only_keys_the_rules_make_are_served() -> None:
    key = rules.media_key(7, "0" * 32, "png")
    assert rules.is_media_key(key) and rules.is_media_key(rules.thumbnail_key(key, 128))
    for bad in ("../omnishop.db", "products/7/../../x.png", "/etc/passwd", "products/7/" + "0" * 32 + ".svg", "x.png"):
        assert not rules.is_media_key(bad), bad


def test_a_new_order_names_every_image_once() -> None:
    assert rules.reordered([1, 2, 3], [3, 1, 2]) == [3, 1, 2]
    for wrong in ([3, 1], [3, 1, 2, 2], [3, 1, 4]):
        with pytest.raises(DomainError):
            rules.reordered([1, 2, 3], wrong)
    assert rules.moved([1, 2, 3], 3, 0) == [3, 1, 2]
    assert rules.moved([1, 2, 3], 1, 99) == [2, 3, 1]


@pytest.mark.parametrize(("principal", "refusal"), [(ANONYMOUS, SignInRequired), (CASHIER, AccessDenied)])
async def test_only_catalogue_staff_add_media(principal: Principal, refusal: type[Exception]) -> None:
    with pytest.raises(refusal):
        await check_upload(principal, FakeCodec(ImageInfo("PNG", 1, 1)), b"x", LIMITS)
    with pytest.raises(refusal):
        await add_media(FakeUow(FakeMedia()), FakeStorage(), principal, MediaAdd(7, "a", "https://x/a", None), None)


async def test_an_unreadable_upload_is_invalid_at_its_field() -> None:
    with pytest.raises(DomainError) as e:
        await check_upload(ADMIN, FakeCodec(None), b"<svg/>", LIMITS)
    assert (e.value.code, e.value.field, e.value.message) == (
        Code.INVALID,
        ["input", "file"],
        "The file is not a readable image.",
    )


async def test_every_bad_field_is_reported_and_nothing_is_stored() -> None:
    storage, media = FakeStorage(), FakeMedia()
    upload = await check_upload(ADMIN, FakeCodec(ImageInfo("PNG", 10, 10)), b"png", LIMITS)
    with pytest.raises(DomainErrors) as e:
        await add_media(FakeUow(media), storage, ADMIN, MediaAdd(8, " ", None, 71), upload)
    assert [(x.code, x.field) for x in e.value.errors] == [
        (Code.REQUIRED, ["input", "alt"]),
        (Code.NOT_FOUND, ["productId"]),
        (Code.NOT_FOUND, ["input", "variantId"]),
    ]
    assert storage.files == {} and media.rows == []


async def test_an_upload_is_stored_under_a_fresh_key_and_removed_when_its_row_cannot_be_written() -> None:
    storage = FakeStorage()
    upload = await check_upload(ADMIN, FakeCodec(ImageInfo("JPEG", 10, 20)), b"jpeg", LIMITS)
    media = FakeMedia()
    await add_media(FakeUow(media), storage, ADMIN, MediaAdd(7, "front", None, 70), upload)
    [row] = media.rows
    assert row.key is not None and rules.is_media_key(row.key) and storage.files == {row.key: b"jpeg"}
    assert (row.variant_id, row.content_type, row.width, row.height, row.size_bytes) == (70, "image/jpeg", 10, 20, 4)
    failing = FakeStorage()
    with pytest.raises(RuntimeError):
        await add_media(FakeUow(FakeMedia(fail_insert=True)), failing, ADMIN, MediaAdd(7, "front", None, None), upload)
    assert failing.files == {}


async def test_a_deleted_upload_and_its_thumbnails_are_discarded() -> None:
    storage, media = FakeStorage(), FakeMedia()
    upload = await check_upload(ADMIN, FakeCodec(ImageInfo("PNG", 10, 10)), b"png", LIMITS)
    await add_media(FakeUow(media), storage, ADMIN, MediaAdd(7, "a", None, None), upload)
    key = media.rows[0].key
    assert key is not None
    storage.files[rules.thumbnail_key(key, 256)] = b"thumb"
    removed = await delete_media(FakeUow(media), ADMIN, 1)
    await discard_files(storage, removed.key)
    assert storage.files == {}


async def test_moving_an_image_renumbers_the_product_order() -> None:
    media = FakeMedia()
    for n in range(3):
        await add_media(FakeUow(media), FakeStorage(), ADMIN, MediaAdd(7, f"v{n}", f"https://x/{n}", None), None)
    await update_media(FakeUow(media), ADMIN, MediaUpdate(3, None, 0))
    assert media.order == [3, 1, 2]
    with pytest.raises(DomainError) as e:
        await update_media(FakeUow(media), ADMIN, MediaUpdate(9, "x", None))
    assert e.value.code is Code.NOT_FOUND
