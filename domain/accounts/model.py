"""Member and staff accounts: identities, normalisation, password policy.

One member has many identities (EMAIL, PHONE, WECHAT_OPENID, MEMBER_CARD, APP_DEVICE); one
identity value belongs to exactly one member. Values are normalised before they are stored
or looked up, so `Ann@Example.com` and `ann@example.com`, or `138 0013 8000` and
`+8613800138000`, are the same identity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import phonenumbers

from domain.errors import Code, DomainError

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
NAME_MAX_LENGTH = 100
LOGIN_SUBJECT_MAX_LENGTH = 300  # of text that is no identity: longer text shares a subject
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
_OPAQUE = re.compile(r"^[\x21-\x7e]{4,128}$")  # printable ASCII without spaces


class IdentityKind(str, Enum):
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    WECHAT_OPENID = "WECHAT_OPENID"
    MEMBER_CARD = "MEMBER_CARD"
    APP_DEVICE = "APP_DEVICE"


@dataclass(frozen=True, slots=True)
class Identity:
    kind: IdentityKind
    value: str


def normalize_email(value: str, field: list[str] | None = None) -> str:
    email = value.strip()
    lowered = email.lower()  # can be longer than `email` ("İ" lower-cases to two code points)
    if len(lowered) > 254 or not _EMAIL.match(email):
        raise DomainError(Code.INVALID, f"'{value[:80]}' is not a valid e-mail address.", field)
    return lowered


def normalize_phone(value: str, default_region: str, field: list[str] | None = None) -> str:
    """E.164 form (`+8613800138000`); numbers without a country code use `default_region`."""
    raw = value.strip()
    try:
        # Longer input is refused, not truncated: cutting it could turn garbage into a valid number.
        number = phonenumbers.parse(raw, default_region) if len(raw) <= 40 else None
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise DomainError(Code.INVALID, f"'{value[:40]}' is not a valid phone number.", field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_identity(kind: IdentityKind, value: str, default_region: str, field: list[str] | None = None) -> Identity:
    if kind is IdentityKind.EMAIL:
        return Identity(kind, normalize_email(value, field))
    if kind is IdentityKind.PHONE:
        return Identity(kind, normalize_phone(value, default_region, field))
    opaque = value.strip()
    if not _OPAQUE.match(opaque):
        raise DomainError(Code.INVALID, f"A {kind.value} is 4 to 128 printable characters without spaces.", field)
    return Identity(kind, opaque)


def identity_from_login(identifier: str, default_region: str) -> Identity | None:
    """What a person types to sign in: an e-mail address or a phone number."""
    try:
        if "@" in identifier:
            return Identity(IdentityKind.EMAIL, normalize_email(identifier))
        return Identity(IdentityKind.PHONE, normalize_phone(identifier, default_region))
    except DomainError:
        return None


def login_subject(identifier: str, default_region: str) -> str:
    """Whom a sign-in attempt is about, for counting failures: spellings of one e-mail address or
    phone number (case, spaces, a country code) are one subject, so they share one limit. It is
    normalised before it is cut short: padding must not make a fresh subject of one identity."""
    identity = identity_from_login(identifier, default_region)
    if identity is None:
        return "text:" + " ".join(identifier.split()).lower()[:LOGIN_SUBJECT_MAX_LENGTH]
    return f"{identity.kind.value.lower()}:{identity.value}"


def validate_name(name: str, field: list[str]) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise DomainError(Code.REQUIRED, "A name is required.", field)
    if len(cleaned) > NAME_MAX_LENGTH:
        raise DomainError(Code.INVALID, f"A name has at most {NAME_MAX_LENGTH} characters.", field)
    return cleaned


def validate_password(password: str, field: list[str]) -> None:
    """At least 8 characters, not all of one kind of character, not the e-mail or phone."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise DomainError(Code.PASSWORD_TOO_WEAK, f"A password has at least {PASSWORD_MIN_LENGTH} characters.", field)
    if len(password) > PASSWORD_MAX_LENGTH:
        raise DomainError(Code.INVALID, f"A password has at most {PASSWORD_MAX_LENGTH} characters.", field)
    if password.isdigit() or len(set(password)) < 4:
        raise DomainError(
            Code.PASSWORD_TOO_WEAK, "A password needs more variety than digits alone or a repeated character.", field
        )
