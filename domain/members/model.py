"""Member profile rules: recognising a member from what a till scans, tags, addresses."""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass

from domain.accounts.model import Identity, IdentityKind, normalize_email, normalize_phone
from domain.errors import Code, DomainError, input_field, raise_all

TAG_MAX_LENGTH = 50
MAX_TAGS_PER_CALL = 50
_TAG = re.compile(r"^[a-z0-9][a-z0-9:_\-.]{0,49}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
OPAQUE_KINDS = (IdentityKind.MEMBER_CARD, IdentityKind.WECHAT_OPENID, IdentityKind.APP_DEVICE)


def lookup_candidates(identifier: str, default_region: str) -> list[Identity]:
    """Every identity a scanned or typed identifier could be: an e-mail, a phone number in any
    format, or a card number / OpenID / device id as given."""
    text = identifier.strip()
    if not text or len(text) > 254:
        return []
    candidates: list[Identity] = []
    with suppress(DomainError):  # not an e-mail or phone number: only the opaque kinds remain
        if "@" in text:
            candidates.append(Identity(IdentityKind.EMAIL, normalize_email(text)))
        else:
            candidates.append(Identity(IdentityKind.PHONE, normalize_phone(text, default_region)))
    candidates += [Identity(kind, text) for kind in OPAQUE_KINDS]
    return candidates


def normalize_tags(tags: list[str]) -> list[str]:
    """Lower-case, trimmed, unique tags such as `vip` or `store:sh01`."""
    if not tags:
        raise DomainError(Code.REQUIRED, "Give at least one tag.", input_field("tags"))
    if len(tags) > MAX_TAGS_PER_CALL:
        raise DomainError(Code.INVALID, f"At most {MAX_TAGS_PER_CALL} tags at once.", input_field("tags"))
    result: list[str] = []
    for i, raw in enumerate(tags):
        tag = raw.strip().lower()
        if not _TAG.match(tag):
            raise DomainError(
                Code.INVALID,
                "A tag is 1 to 50 lower-case letters, digits or : _ - . characters.",
                input_field("tags", str(i)),
            )
        if tag not in result:
            result.append(tag)
    return result


@dataclass(frozen=True, slots=True)
class AddressData:
    name: str
    phone: str
    line1: str
    city: str
    country: str
    line2: str | None = None
    postal_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None


def validate_address(a: AddressData, default_region: str, path: tuple[str, ...] = ("input",)) -> AddressData:
    """A delivery address: recipient, reachable phone, street, city, ISO country; reports every bad field."""
    errors: list[DomainError] = []

    def text(value: str | None, field: str, limit: int, required: bool = True) -> str | None:
        cleaned = (value or "").strip()
        if required and not cleaned:
            errors.append(DomainError(Code.REQUIRED, "This cannot be empty.", [*path, field]))
        elif len(cleaned) > limit:
            errors.append(DomainError(Code.INVALID, f"At most {limit} characters.", [*path, field]))
        return cleaned or None

    name = text(a.name, "name", 100)
    line1 = text(a.line1, "line1", 250)
    line2 = text(a.line2, "line2", 250, required=False)
    city = text(a.city, "city", 100)
    postal = text(a.postal_code, "postalCode", 20, required=False)
    country = (a.country or "").strip().upper()
    if not _COUNTRY.match(country):
        errors.append(
            DomainError(Code.INVALID, "A country is an ISO 3166-1 alpha-2 code such as CN.", [*path, "country"])
        )
    phone = ""
    try:
        phone = normalize_phone(a.phone or "", country if _COUNTRY.match(country) else default_region, [*path, "phone"])
    except DomainError as e:
        errors.append(e)
    if (a.latitude is None) != (a.longitude is None) or (
        a.latitude is not None and not (-90 <= a.latitude <= 90 and -180 <= (a.longitude or 0) <= 180)
    ):
        errors.append(
            DomainError(Code.INVALID, "Give a valid latitude and longitude, or neither.", [*path, "latitude"])
        )
    raise_all(errors)
    return AddressData(
        name=name or "",
        phone=phone,
        line1=line1 or "",
        city=city or "",
        country=country,
        line2=line2,
        postal_code=postal,
        latitude=a.latitude,
        longitude=a.longitude,
    )
