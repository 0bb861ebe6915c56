"""Account rules without a database: identities, names, passwords, tokens, roles and permissions."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from api.adapters.passwords import Argon2Hasher
from api.adapters.tokens import JwtTokens
from domain.access.model import (
    ANONYMOUS,
    ROLE_PERMISSIONS,
    Permission,
    Principal,
    PrincipalKind,
    StaffRole,
    member,
    staff,
)
from domain.accounts.limits import count_registration
from domain.accounts.model import (
    Identity,
    IdentityKind,
    identity_from_login,
    normalize_email,
    normalize_identity,
    normalize_phone,
    validate_name,
    validate_password,
)
from domain.accounts.services import (
    Credentials,
    MemberRegistration,
    RefreshGrant,
    check_sign_in,
    create_member_tokens,
    find_member,
    finish_sign_in,
    refresh_tokens,
    register_member,
)
from domain.accounts.tokens import InvalidToken, access_claims, hash_token, new_refresh_token, principal_from_claims
from domain.clock import Clock, system_clock
from domain.errors import Code, DomainError, DomainErrors, raise_all

SECRET = "unit-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
SETTINGS = JwtTokens(secret_key=SECRET)


def domain_error(call: object, *args: object) -> DomainError:
    assert callable(call)
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value


# --- e-mail ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("ann@example.com", "ann@example.com"),
        ("Ann@Example.COM", "ann@example.com"),
        ("  ann@example.com\t", "ann@example.com"),
        ("ann.lee+shop@mail.example.co.uk", "ann.lee+shop@mail.example.co.uk"),
        ("ANN_LEE@SUB-DOMAIN.EXAMPLE.CN", "ann_lee@sub-domain.example.cn"),
    ],
)
def test_email_is_trimmed_and_lower_cased(raw: str, normalised: str) -> None:
    assert normalize_email(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "ann",
        "ann@",
        "@example.com",
        "ann@example",
        "ann@@example.com",
        "ann lee@example.com",
        "ann@exa mple.com",
        "ann@-example.com",
        "ann@example-.com",
        "ann@example.com.",
        "ann@ex_ample.com",
        "a" * 65 + "@example.com",
        "ann@" + "a" * 250 + ".com",
        "ann@example.com\nbcc@evil.com",
    ],
)
def test_malformed_emails_are_invalid(raw: str) -> None:
    error = domain_error(normalize_email, raw, ["input", "email"])
    assert error.code == "INVALID"
    assert error.field == ["input", "email"]


def test_an_email_that_lower_casing_lengthens_past_254_characters_is_invalid() -> None:
    # "İ" lower-cases to two code points; the stored value must still fit its column.
    raw = "İ" * 64 + "@" + "a" * 180 + ".com"
    assert len(raw) <= 254
    assert domain_error(normalize_email, raw).code == "INVALID"


def test_the_invalid_email_message_does_not_echo_huge_input() -> None:
    error = domain_error(normalize_email, "x" * 10_000)
    assert len(error.message) < 200


# --- phone ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("138 0013 8000", "+8613800138000"),
        ("13800138000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("008613800138000", "+8613800138000"),
        ("１３８００１３８０００", "+8613800138000"),  # full-width digits from a CJK keyboard
        ("+1 650 253 0000", "+16502530000"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_become_e164_with_china_as_the_default_region(raw: str, e164: str) -> None:
    assert normalize_phone(raw, "CN") == e164


def test_the_default_region_applies_only_without_a_country_code() -> None:
    assert normalize_phone("(650) 253-0000", "US") == "+16502530000"
    assert normalize_phone("+86 138 0013 8000", "US") == "+8613800138000"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "12345",
        "+86 1380013800",
        "+8613800138000abc",
        "(650) 253-0000",
        "+999 123456789",
        "1" * 100,
        "13800138000" + " " * 40 + "trailing junk",
    ],
)
def test_garbage_phone_numbers_are_invalid(raw: str) -> None:
    error = domain_error(normalize_phone, raw, "CN", ["input", "phone"])
    assert error.code == "INVALID"
    assert error.field == ["input", "phone"]


# --- other identities -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [IdentityKind.WECHAT_OPENID, IdentityKind.MEMBER_CARD, IdentityKind.APP_DEVICE])
def test_opaque_identities_are_kept_verbatim_but_trimmed(kind: IdentityKind) -> None:
    assert normalize_identity(kind, "  oAbC-123_xyz  ", "CN") == Identity(kind, "oAbC-123_xyz")
    assert normalize_identity(kind, "a" * 128, "CN").value == "a" * 128
    assert normalize_identity(kind, "Card0001", "CN").value == "Card0001"  # case is significant


@pytest.mark.parametrize("value", ["", "abc", "has space", "a" * 129, "卡号1234", "tab\there"])
def test_opaque_identities_are_4_to_128_printable_ascii_characters(value: str) -> None:
    error = domain_error(normalize_identity, IdentityKind.MEMBER_CARD, value, "CN", ["input", "value"])
    assert error.code == "INVALID" and error.field == ["input", "value"]


def test_email_and_phone_identities_are_normalised_like_registration() -> None:
    assert normalize_identity(IdentityKind.EMAIL, " A@B.CN ", "CN") == Identity(IdentityKind.EMAIL, "a@b.cn")
    assert normalize_identity(IdentityKind.PHONE, "138 0013 8000", "CN") == Identity(
        IdentityKind.PHONE, "+8613800138000"
    )


@pytest.mark.parametrize(
    ("typed", "identity"),
    [
        ("Ann@Example.com ", Identity(IdentityKind.EMAIL, "ann@example.com")),
        ("138 0013 8000", Identity(IdentityKind.PHONE, "+8613800138000")),
        ("+8613800138000", Identity(IdentityKind.PHONE, "+8613800138000")),
        ("+1 650 253 0000", Identity(IdentityKind.PHONE, "+16502530000")),
    ],
)
def test_sign_in_accepts_an_email_or_a_phone_in_any_format(typed: str, identity: Identity) -> None:
    assert identity_from_login(typed, "CN") == identity


@pytest.mark.parametrize("typed", ["", "ann", "ann@", "12345", "@"])
def test_sign_in_with_an_unrecognisable_identifier_finds_no_identity(typed: str) -> None:
    assert identity_from_login(typed, "CN") is None


# --- names and passwords --------------------------------------------------------------------------


def test_names_are_trimmed_and_inner_whitespace_collapsed() -> None:
    assert validate_name("  Ann \t  Lee ", ["name"]) == "Ann Lee"
    assert validate_name("李 娜", ["name"]) == "李 娜"


def test_an_empty_name_is_required_and_a_long_one_invalid() -> None:
    assert domain_error(validate_name, " \n ", ["name"]).code == "REQUIRED"
    assert domain_error(validate_name, "x" * 101, ["name"]).code == "INVALID"
    assert validate_name("x" * 100, ["name"]) == "x" * 100


@pytest.mark.parametrize(
    "password",
    [
        "",
        "short",
        "seven77",  # too short
        "12345678",
        "2024061520240615",
        "١٢٣٤٥٦٧٨",  # digits alone
        "aaaaaaaa",
        "abababab",
        "abcabcabc",
        "        ",  # a repeated character or three
    ],
)
def test_weak_passwords_are_refused(password: str) -> None:
    error = domain_error(validate_password, password, ["password"])
    assert error.code == "PASSWORD_TOO_WEAK"
    assert error.field == ["password"]


@pytest.mark.parametrize(
    "password", ["abcdabcd", "open-sesame-42", "correct horse battery", "密码安全非常重要", "ab1!" * 32]
)
def test_reasonable_passwords_are_accepted(password: str) -> None:
    validate_password(password, ["password"])


def test_absurdly_long_passwords_are_refused() -> None:
    assert domain_error(validate_password, "ab1!" * 33, ["password"]).code == "INVALID"


# --- errors ---------------------------------------------------------------------------------------


def test_raise_all_raises_nothing_one_error_or_all_of_them() -> None:
    raise_all([])
    one = DomainError("REQUIRED", "x", ["name"])
    with pytest.raises(DomainError) as caught:
        raise_all([one])
    assert caught.value is one
    two = DomainError("INVALID", "y", ["email"])
    with pytest.raises(DomainErrors) as many:
        raise_all([one, two])
    assert many.value.errors == [one, two]
    assert many.value.code == "REQUIRED"
    with pytest.raises(ValueError):
        DomainErrors([])


# --- registration rules through a fake repository -------------------------------------------------


@dataclass
class FakeAccounts:
    """An in-memory `AccountsRepository` (only what these tests use)."""

    identities: dict[Identity, int] = field(default_factory=dict)
    passwords: dict[int, str | None] = field(default_factory=dict)
    tokens: dict[str, dict[str, object]] = field(default_factory=dict)
    joined_at: dict[int, int | None] = field(default_factory=dict)  # member -> the store they joined at

    async def identities_taken(self, identities: list[Identity]) -> list[Identity]:
        return [i for i in identities if i in self.identities]

    async def add_member(
        self,
        name: str,
        password_hash: str | None,
        identities: list[Identity],
        joined_channel_id: int | None,
        joined_location_id: int | None = None,
    ) -> int:
        member_id = len(self.passwords) + 1
        self.passwords[member_id] = password_hash
        self.joined_at[member_id] = joined_location_id
        self.identities.update({i: member_id for i in identities})
        return member_id

    async def member_credentials(self, identity: Identity) -> Credentials | None:
        member_id = self.identities.get(identity)
        return Credentials(member_id, self.passwords[member_id]) if member_id else None

    async def add_refresh_token(self, grant: RefreshGrant, token_hash: str, expires_at: datetime) -> None:
        self.tokens[token_hash] = {"grant": grant, "used": False, "revoked": False, "expires_at": expires_at}

    async def use_refresh_token(self, token_hash: str, now: datetime) -> RefreshGrant | None:
        row = self.tokens.get(token_hash)
        if row is None or row["used"] or row["revoked"] or row["expires_at"] <= now:  # type: ignore[operator]
            return None
        row["used"] = True
        grant: RefreshGrant = row["grant"]  # type: ignore[assignment]
        return grant

    async def refresh_token_family(self, token_hash: str) -> str | None:
        row = self.tokens.get(token_hash)
        return row["grant"].family if row else None  # type: ignore[attr-defined]

    async def revoke_family(self, family: str, now: datetime) -> None:
        for row in self.tokens.values():
            if row["grant"].family == family:  # type: ignore[attr-defined]
                row["revoked"] = True


@dataclass
class FakeUow:
    accounts: FakeAccounts = field(default_factory=FakeAccounts)
    clock: Clock = system_clock


HASHER = Argon2Hasher(time_cost=1, memory_cost=8)


async def register(uow: FakeUow, **kwargs: object) -> int:
    reg = MemberRegistration(**{"name": "Ann", "password": "open-sesame-42", **kwargs})  # type: ignore[arg-type]
    return await register_member(uow, HASHER, reg, "CN")  # type: ignore[arg-type]


async def test_registration_reports_every_bad_field_at_once() -> None:
    with pytest.raises(DomainErrors) as caught:
        await register(FakeUow(), name=" ", email="not-an-email", phone="12", password="1234")
    assert [(e.code, e.field) for e in caught.value.errors] == [
        ("REQUIRED", ["input", "name"]),
        ("INVALID", ["input", "email"]),
        ("INVALID", ["input", "phone"]),
        ("PASSWORD_TOO_WEAK", ["input", "password"]),
    ]


async def test_registration_without_email_or_phone_is_reported_with_the_other_mistakes() -> None:
    with pytest.raises(DomainErrors) as caught:
        await register(FakeUow(), name="", email="  ", phone=None, password="short")
    assert {e.code for e in caught.value.errors} == {"REQUIRED", "PASSWORD_TOO_WEAK"}
    assert ("REQUIRED", ["input", "email"]) in [(e.code, e.field) for e in caught.value.errors]
    assert ("REQUIRED", ["input", "name"]) in [(e.code, e.field) for e in caught.value.errors]


async def test_registration_stores_normalised_identities_and_a_hash_never_the_password() -> None:
    uow = FakeUow()
    member_id = await register(uow, email="Ann@Example.com", phone="138 0013 8000")
    assert uow.accounts.identities == {
        Identity(IdentityKind.EMAIL, "ann@example.com"): member_id,
        Identity(IdentityKind.PHONE, "+8613800138000"): member_id,
    }
    stored = uow.accounts.passwords[member_id]
    assert stored is not None and stored.startswith("$argon2id$") and "open-sesame-42" not in stored


@pytest.mark.parametrize(
    ("registered_by", "store"),
    [(ANONYMOUS, None), (staff(7, StaffRole.CASHIER, 20), 20), (staff(1, StaffRole.ADMIN), None)],
)
async def test_a_member_registered_by_a_cashier_at_a_till_joined_at_that_store(
    registered_by: Principal, store: int | None
) -> None:
    uow = FakeUow()
    member_id = await register(uow, email="ann@example.com", registered_by=registered_by)  # type: ignore[arg-type]
    assert uow.accounts.joined_at[member_id] == store


async def test_every_taken_identity_is_reported() -> None:
    uow = FakeUow()
    await register(uow, email="ann@example.com", phone="13800138000")
    with pytest.raises(DomainErrors) as caught:
        await register(uow, email="ANN@example.com", phone="+86 138 0013 8000")
    assert [(e.code, e.field) for e in caught.value.errors] == [
        ("IDENTITY_TAKEN", ["input", "email"]),
        ("IDENTITY_TAKEN", ["input", "phone"]),
    ]


async def test_sign_in_failures_look_the_same_whatever_went_wrong() -> None:
    uow = FakeUow()
    await register(uow, email="ann@example.com")
    messages = set()
    for identifier, password in [
        ("ann@example.com", "wrong-password"),
        ("bob@example.com", "open-sesame-42"),
        ("garbage", "open-sesame-42"),
    ]:
        with pytest.raises(DomainError) as caught:
            await create_member_tokens(uow, HASHER, SETTINGS, identifier, password, "CN")  # type: ignore[arg-type]
        assert caught.value.code == "INVALID_CREDENTIALS"
        messages.add(caught.value.message)
    assert len(messages) == 1


async def test_a_replayed_refresh_token_revokes_the_whole_sign_in() -> None:
    uow = FakeUow()
    await register(uow, phone="13800138000")
    first = await create_member_tokens(uow, HASHER, SETTINGS, "138 0013 8000", "open-sesame-42", "CN")  # type: ignore[arg-type]
    second = await refresh_tokens(uow, SETTINGS, first.refresh_token)  # type: ignore[arg-type]
    assert SETTINGS.principal(second.access_token) == first.principal
    with pytest.raises(DomainError) as replay:
        await refresh_tokens(uow, SETTINGS, first.refresh_token)  # type: ignore[arg-type]
    assert replay.value.code == "INVALID_TOKEN" and replay.value.keep_writes
    with pytest.raises(DomainError) as after:
        await refresh_tokens(uow, SETTINGS, second.refresh_token)  # type: ignore[arg-type]
    assert after.value.code == "INVALID_TOKEN"


async def test_a_refresh_token_lives_by_the_unit_of_works_clock() -> None:
    moment = datetime(2030, 1, 1, tzinfo=UTC)
    uow = FakeUow(clock=lambda: moment)
    await register(uow, phone="13800138000")
    first = await create_member_tokens(uow, HASHER, SETTINGS, "138 0013 8000", "open-sesame-42", "CN")  # type: ignore[arg-type]
    assert [row["expires_at"] for row in uow.accounts.tokens.values()] == [moment + SETTINGS.refresh_ttl]
    moment += SETTINGS.refresh_ttl
    with pytest.raises(DomainError) as expired:
        await refresh_tokens(uow, SETTINGS, first.refresh_token)  # type: ignore[arg-type]
    assert expired.value.code == "INVALID_TOKEN"


async def test_an_unknown_refresh_token_changes_nothing() -> None:
    with pytest.raises(DomainError) as caught:
        await refresh_tokens(FakeUow(), SETTINGS, "rt_made-up")  # type: ignore[arg-type]
    assert caught.value.code == "INVALID_TOKEN" and not caught.value.keep_writes


# --- passwords ------------------------------------------------------------------------------------


async def test_password_hashes_verify_only_the_right_password() -> None:
    hashed = await HASHER.hash("open-sesame-42")
    assert hashed.startswith("$argon2id$")
    assert hashed != await HASHER.hash("open-sesame-42")  # salted
    assert await HASHER.verify(hashed, "open-sesame-42")
    assert not await HASHER.verify(hashed, "open-sesame-43")
    assert not await HASHER.verify("not-a-hash", "open-sesame-42")


async def test_a_missing_account_never_verifies_even_with_the_decoy_password() -> None:
    assert not await HASHER.verify(None, "omnishop-decoy-password")
    assert not await HASHER.verify(None, "open-sesame-42")


# --- access tokens --------------------------------------------------------------------------------


def test_a_member_access_token_round_trips() -> None:
    token = SETTINGS.issue(member(42), datetime.now(UTC))
    principal = SETTINGS.principal(token)
    assert principal == member(42)
    assert principal.member_id == 42 and principal.role is None and not principal.permissions


@pytest.mark.parametrize("role", list(StaffRole))
def test_a_staff_access_token_carries_the_role_and_its_permissions(role: StaffRole) -> None:
    principal = SETTINGS.principal(SETTINGS.issue(staff(7, role), datetime.now(UTC)))
    assert principal.kind is PrincipalKind.STAFF and principal.staff_id == 7
    assert principal.role is role
    assert principal.permissions == ROLE_PERMISSIONS[role]


def test_access_tokens_are_short_lived_jwts() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    claims = jwt.decode(
        SETTINGS.issue(staff(3, StaffRole.CASHIER), now),
        SECRET,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["sub"] == "staff:3" and claims["role"] == "cashier" and claims["iss"] == "omnishop"
    assert claims["exp"] - claims["iat"] == 15 * 60


def test_a_token_still_valid_until_it_expires() -> None:
    token = SETTINGS.issue(member(1), datetime.now(UTC) - timedelta(minutes=14))
    assert SETTINGS.principal(token) == member(1)


def test_an_expired_token_is_refused() -> None:
    token = SETTINGS.issue(member(1), datetime.now(UTC) - timedelta(minutes=16))
    with pytest.raises(InvalidToken):
        SETTINGS.principal(token)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    other = JwtTokens(secret_key="another-secret-0123456789-abcdefghijklmnopqrstuv")
    with pytest.raises(InvalidToken):
        SETTINGS.principal(other.issue(member(1), datetime.now(UTC)))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_a_tampered_token_is_refused() -> None:
    header, _payload, signature = SETTINGS.issue(member(1), datetime.now(UTC)).split(".")
    now = int(datetime.now(UTC).timestamp())
    forged_payload = _b64(
        f'{{"iss":"omnishop","sub":"staff:1","role":"admin","iat":{now},"exp":{now + 900},"typ":"access"}}'.encode()
    )
    with pytest.raises(InvalidToken):
        SETTINGS.principal(f"{header}.{forged_payload}.{signature}")


def test_an_unsigned_token_is_refused() -> None:
    now = int(datetime.now(UTC).timestamp())
    token = jwt.encode(
        {"iss": "omnishop", "sub": "member:1", "iat": now, "exp": now + 900, "typ": "access"}, None, algorithm="none"
    )
    with pytest.raises(InvalidToken):
        SETTINGS.principal(token)


def _signed(**claims: object) -> str:
    now = int(datetime.now(UTC).timestamp())
    base: dict[str, object] = {"iss": "omnishop", "sub": "member:1", "iat": now, "exp": now + 900, "typ": "access"}
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "someone-else"},
        {"iss": None},
        {"exp": None},
        {"sub": None},
        {"typ": "refresh"},
        {"typ": None},
        {"sub": "member:abc"},
        {"sub": "member:"},
        {"sub": "member:-1"},
        {"sub": "robot:1"},
        {"sub": "1"},
        {"sub": "staff:1"},
        {"sub": "staff:1", "role": "overlord"},
        {"sub": "member:²"},
    ],
)
def test_tokens_with_wrong_claims_are_refused(claims: dict[str, object]) -> None:
    with pytest.raises(InvalidToken):
        SETTINGS.principal(_signed(**claims))


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "Bearer x", "rt_" + "x" * 40])
def test_things_that_are_not_jwts_are_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        SETTINGS.principal(token)


# --- refresh tokens -------------------------------------------------------------------------------


def test_refresh_tokens_are_random_and_only_their_sha256_is_kept() -> None:
    tokens = {new_refresh_token() for _ in range(100)}
    assert len(tokens) == 100
    token = tokens.pop()
    assert token.startswith("rt_") and len(token) >= 40
    digest = hash_token(token)
    assert digest == hashlib.sha256(token.encode()).hexdigest() == hash_token(token)
    assert len(digest) == 64 and token not in digest
    assert hash_token(token) != hash_token(token + "x")


# --- roles and permissions ------------------------------------------------------------------------


def test_every_role_has_a_permission_set() -> None:
    assert set(ROLE_PERMISSIONS) == set(StaffRole)


def test_admin_may_do_everything() -> None:
    admin = staff(1, StaffRole.ADMIN)
    assert all(admin.can(p) for p in Permission)


def test_a_cashier_sells_and_looks_up_members_but_cannot_touch_stock_or_catalogue() -> None:
    cashier = staff(2, StaffRole.CASHIER)
    assert cashier.can(Permission.SELL_IN_STORE) and cashier.can(Permission.LOOKUP_MEMBERS)
    for forbidden in (
        Permission.MANAGE_STOCK,
        Permission.MANAGE_CATALOG,
        Permission.MANAGE_STAFF,
        Permission.MANAGE_CHANNELS,
        Permission.MANAGE_MEMBERS,
        Permission.MANAGE_PROMOTIONS,
        Permission.MANAGE_ORDERS,
    ):
        assert not cashier.can(forbidden), forbidden


def test_a_store_manager_runs_a_store_but_not_the_catalogue_channels_or_staff() -> None:
    manager = staff(3, StaffRole.STORE_MANAGER)
    assert manager.can(Permission.MANAGE_STOCK) and manager.can(Permission.MANAGE_ORDERS)
    assert not manager.can(Permission.MANAGE_CATALOG)
    assert not manager.can(Permission.MANAGE_CHANNELS)
    assert not manager.can(Permission.MANAGE_STAFF)


def test_fulfilment_staff_fulfil_orders_and_nothing_at_the_till() -> None:
    picker = staff(4, StaffRole.FULFILLMENT)
    assert picker.can(Permission.FULFIL_ORDERS)
    assert not picker.can(Permission.SELL_IN_STORE)
    assert not picker.can(Permission.LOOKUP_MEMBERS)
    assert not picker.can(Permission.MANAGE_STOCK)


def test_only_admins_manage_staff_and_the_catalogue() -> None:
    for role, permissions in ROLE_PERMISSIONS.items():
        assert (Permission.MANAGE_STAFF in permissions) == (role is StaffRole.ADMIN)
        assert (Permission.MANAGE_CATALOG in permissions) == (role is StaffRole.ADMIN)


def test_anonymous_callers_and_members_hold_no_staff_permission() -> None:
    for principal in (ANONYMOUS, member(5)):
        assert not any(principal.can(p) for p in Permission)
    assert ANONYMOUS.is_anonymous and ANONYMOUS.member_id is None and ANONYMOUS.staff_id is None


def test_principal_helpers_say_who_is_asking() -> None:
    m, s = member(5), staff(5, StaffRole.CASHIER)
    assert (m.member_id, m.staff_id, m.is_anonymous) == (5, None, False)
    assert (s.member_id, s.staff_id, s.is_anonymous) == (None, 5, False)
    assert m != s  # same number, different people


def test_the_claims_rules_need_no_signing_library() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    claims = access_claims(staff(3, StaffRole.CASHIER, 5), now, timedelta(minutes=15))
    assert claims["exp"] == int(now.timestamp()) + 900 and claims["loc"] == 5
    assert principal_from_claims(claims) == staff(3, StaffRole.CASHIER, 5)
    with pytest.raises(InvalidToken):
        principal_from_claims({**claims, "loc": True})


# --- sign-in and registration limits --------------------------------------------------------------


@dataclass
class FakeGuard:
    """A `LoginGuard` that refuses after `allowed` attempts and remembers what it was told."""

    allowed: int = 1
    attempts: list[str] = field(default_factory=list)
    succeeded_for: list[str] = field(default_factory=list)
    registrations: int = 0

    async def attempt(self, identifier: str) -> int | None:
        self.attempts.append(identifier)
        return 30 if len(self.attempts) > self.allowed else None

    async def succeeded(self, identifier: str) -> None:
        self.succeeded_for.append(identifier)

    async def registration(self) -> int | None:
        self.registrations += 1
        return 60 if self.registrations > self.allowed else None


class CountingHasher:
    """Counts password checks, so a test can see that a throttled attempt checked nothing."""

    def __init__(self) -> None:
        self.checks = 0

    async def hash(self, password: str) -> str:
        return await HASHER.hash(password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.checks += 1
        return await HASHER.verify(password_hash, password)


async def test_a_throttled_sign_in_is_refused_before_the_password_is_checked() -> None:
    uow, guard, hasher = FakeUow(), FakeGuard(allowed=1), CountingHasher()
    await register(uow, email="ann@example.com")
    attempt = await find_member(uow, "ann@example.com", "CN")  # type: ignore[arg-type]
    with pytest.raises(DomainError) as wrong:
        await check_sign_in(hasher, guard, attempt, "wrong-password")
    assert wrong.value.code == Code.INVALID_CREDENTIALS and hasher.checks == 1
    with pytest.raises(DomainError) as refused:
        await check_sign_in(hasher, guard, attempt, "open-sesame-42")
    assert refused.value.code == Code.THROTTLED and refused.value.field is None
    assert refused.value.message == "Too many failed sign-in attempts; try again in 30 seconds."
    assert hasher.checks == 1


async def test_every_spelling_of_an_account_counts_against_one_limit() -> None:
    uow, guard = FakeUow(), FakeGuard(allowed=5)
    await register(uow, email="ann@example.com", phone="13800138000")
    for typed in ("ann@example.com", "ANN@example.com", "138 0013 8000"):
        attempt = await find_member(uow, typed, "CN")  # type: ignore[arg-type]
        with pytest.raises(DomainError):
            await check_sign_in(HASHER, guard, attempt, "wrong-password")
    assert len(set(guard.attempts)) == 1


async def test_a_successful_sign_in_forgets_the_accounts_failures() -> None:
    uow, guard = FakeUow(), FakeGuard(allowed=5)
    await register(uow, email="ann@example.com")
    attempt = await find_member(uow, "ann@example.com", "CN")  # type: ignore[arg-type]
    who = await check_sign_in(HASHER, guard, attempt, "open-sesame-42")
    issued = await finish_sign_in(uow, SETTINGS, guard, attempt, who)  # type: ignore[arg-type]
    assert issued.principal == who and guard.succeeded_for == [attempt.subject]


async def test_too_many_registrations_from_one_address_are_throttled() -> None:
    guard = FakeGuard(allowed=1)
    await count_registration(guard, ANONYMOUS)
    with pytest.raises(DomainError) as refused:
        await count_registration(guard, ANONYMOUS)
    assert refused.value.code == Code.THROTTLED
    assert refused.value.message == "Too many registrations from this address; try again in 60 seconds."


async def test_a_cashier_registering_shoppers_at_a_till_is_not_counted() -> None:
    guard = FakeGuard(allowed=0)
    await count_registration(guard, staff(7, StaffRole.CASHIER, 20))
    assert guard.registrations == 0


async def test_without_a_guard_nothing_is_limited() -> None:
    uow = FakeUow()
    await register(uow, email="ann@example.com")
    attempt = await find_member(uow, "ann@example.com", "CN")  # type: ignore[arg-type]
    await count_registration(None, ANONYMOUS)
    assert await check_sign_in(HASHER, None, attempt, "open-sesame-42") == member(1)
