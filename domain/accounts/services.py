"""Use cases for accounts: register, sign in, refresh and revoke tokens, create staff.

They talk to storage only through `AccountsRepository`; the caller owns the transaction.
Registering and signing in come in two steps, so that the caller can run the slow one (argon2
hashing or checking a password, about 0.1 s of CPU) before it opens the write transaction:
on SQLite a write transaction holds the database's one write lock, and every other writer
would wait behind the password check. `prepare_registration` then `add_member`;
`find_member` / `find_staff`, then `check_sign_in`, then `finish_sign_in`. Sign-ins and
registrations are counted against the caller's `LoginGuard` (domain/accounts/limits.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.access.model import ANONYMOUS, Principal, PrincipalKind, StaffRole, member, staff
from domain.accounts.limits import LoginGuard, count_sign_in
from domain.accounts.model import (
    Identity,
    IdentityKind,
    identity_from_login,
    login_subject,
    normalize_email,
    normalize_phone,
    validate_name,
    validate_password,
)
from domain.accounts.passwords import PasswordHasher
from domain.accounts.tokens import AccessTokens, hash_token, new_refresh_token
from domain.clock import Timed
from domain.errors import Code, DomainError, input_field, raise_all


@dataclass(frozen=True, slots=True)
class Credentials:
    subject_id: int
    password_hash: str | None
    role: StaffRole | None = None
    location_id: int | None = None


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    subject_kind: PrincipalKind
    subject_id: int
    family: str


class AccountsRepository(Protocol):
    async def identities_taken(self, identities: list[Identity]) -> list[Identity]: ...
    async def add_member(
        self,
        name: str,
        password_hash: str | None,
        identities: list[Identity],
        joined_channel_id: int | None,
        joined_location_id: int | None = None,
    ) -> int: ...
    async def member_credentials(self, identity: Identity) -> Credentials | None: ...
    async def staff_credentials(self, email: str) -> Credentials | None: ...
    async def staff_access(self, staff_id: int) -> Credentials | None: ...
    async def add_staff(
        self, email: str, name: str, role: StaffRole, password_hash: str, location_id: int | None = None
    ) -> int: ...
    async def add_refresh_token(self, grant: RefreshGrant, token_hash: str, expires_at: datetime) -> None: ...
    async def use_refresh_token(self, token_hash: str, now: datetime) -> RefreshGrant | None: ...
    async def refresh_token_family(self, token_hash: str) -> str | None: ...
    async def revoke_family(self, family: str, now: datetime) -> None: ...


class AccountsUnitOfWork(Timed, Protocol):
    @property
    def accounts(self) -> AccountsRepository: ...


@dataclass(frozen=True, slots=True)
class MemberRegistration:
    name: str
    password: str
    email: str | None = None
    phone: str | None = None
    joined_channel_id: int | None = None
    registered_by: Principal = ANONYMOUS  # whoever sent it: the shopper, or a cashier at a till


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    principal: Principal


def _invalid_credentials() -> DomainError:
    return DomainError(Code.INVALID_CREDENTIALS, "The identifier or password is wrong.")


@dataclass(frozen=True, slots=True)
class NewMember:
    """A registration that passed every check, its password hashed: what `add_member` writes."""

    name: str
    password_hash: str
    identities: list[Identity]
    joined_channel_id: int | None
    joined_location_id: int | None


async def register_member(
    uow: AccountsUnitOfWork, hasher: PasswordHasher, reg: MemberRegistration, default_region: str
) -> int:
    """Both steps in the caller's transaction."""
    return await add_member(uow, await prepare_registration(uow, hasher, reg, default_region))


async def add_member(uow: AccountsUnitOfWork, new: NewMember) -> int:
    """Write the member; IDENTITY_TAKEN when a concurrent registration took an identity since."""
    return await uow.accounts.add_member(
        new.name, new.password_hash, new.identities, new.joined_channel_id, new.joined_location_id
    )


async def prepare_registration(
    uow: AccountsUnitOfWork, hasher: PasswordHasher, reg: MemberRegistration, default_region: str
) -> NewMember:
    """Validate the registration (every field's error at once), check that its identities are free,
    and hash the password. Reads only."""
    errors: list[DomainError] = []
    identities: list[Identity] = []
    identity_given = False
    name = ""
    try:
        name = validate_name(reg.name, input_field("name"))
    except DomainError as e:
        errors.append(e)
    for kind, value, normalize in (
        (IdentityKind.EMAIL, reg.email, normalize_email),
        (IdentityKind.PHONE, reg.phone, None),
    ):
        if value is None or not value.strip():
            continue
        identity_given = True
        field = input_field(kind.value.lower())
        try:
            norm = normalize(value, field) if normalize else normalize_phone(value, default_region, field)
            identities.append(Identity(kind, norm))
        except DomainError as e:
            errors.append(e)
    if not identity_given:
        errors.append(DomainError(Code.REQUIRED, "Give an e-mail address or a phone number.", input_field("email")))
    try:
        validate_password(reg.password, input_field("password"))
    except DomainError as e:
        errors.append(e)
    raise_all(errors)
    taken = await uow.accounts.identities_taken(identities)
    raise_all(
        [
            DomainError(
                Code.IDENTITY_TAKEN,
                f"That {t.kind.value.lower()} is already registered.",
                input_field(t.kind.value.lower()),
            )
            for t in taken
        ]
    )
    # Registered by a cashier at a till: the member joined at that store.
    at_store = reg.registered_by.location_id if reg.registered_by.staff_id else None
    return NewMember(name, await hasher.hash(reg.password), identities, reg.joined_channel_id, at_store)


async def issue_tokens(
    uow: AccountsUnitOfWork,
    tokens: AccessTokens,
    principal: Principal,
    family: str | None = None,
    now: datetime | None = None,
) -> IssuedTokens:
    """An access token and a new refresh token (stored hashed) for `principal`."""
    now = now or uow.clock()
    refresh = new_refresh_token()
    assert principal.id is not None
    grant = RefreshGrant(principal.kind, principal.id, family or uuid.uuid4().hex)
    await uow.accounts.add_refresh_token(grant, hash_token(refresh), now + tokens.refresh_ttl)
    return IssuedTokens(tokens.issue(principal, now), refresh, principal)


async def create_member_tokens(
    uow: AccountsUnitOfWork,
    hasher: PasswordHasher,
    tokens: AccessTokens,
    identifier: str,
    password: str,
    default_region: str,
) -> IssuedTokens:
    """Both steps of a member's sign-in in the caller's transaction."""
    return await issue_tokens(uow, tokens, await authenticate_member(uow, hasher, identifier, password, default_region))


@dataclass(frozen=True, slots=True)
class SignInAttempt:
    """Whom a sign-in is about: `subject` names the account the identifier resolves to (every
    spelling of one account shares it, and so shares one limit on failures), or the identifier's
    normalised text when no account has it; `credentials` are None then."""

    subject: str
    credentials: Credentials | None
    kind: PrincipalKind


async def find_member(uow: AccountsUnitOfWork, identifier: str, default_region: str) -> SignInAttempt:
    """The member an e-mail or phone number signs in as. Reads only."""
    identity = identity_from_login(identifier, default_region)
    creds = await uow.accounts.member_credentials(identity) if identity else None
    subject = f"id:{creds.subject_id}" if creds else login_subject(identifier, default_region)
    return SignInAttempt("member:" + subject, creds, PrincipalKind.MEMBER)


async def find_staff(uow: AccountsUnitOfWork, email: str, default_region: str) -> SignInAttempt:
    """The active staff user with this e-mail. Reads only."""
    try:
        creds = await uow.accounts.staff_credentials(normalize_email(email))
    except DomainError:
        creds = None
    subject = f"id:{creds.subject_id}" if creds else login_subject(email, default_region)
    return SignInAttempt("staff:" + subject, creds, PrincipalKind.STAFF)


async def check_password(hasher: PasswordHasher, attempt: SignInAttempt, password: str) -> Principal:
    """The principal when the password is right; INVALID_CREDENTIALS otherwise (in the same time
    whether the account exists or not)."""
    creds = attempt.credentials
    if not await hasher.verify(creds.password_hash if creds else None, password) or creds is None:
        raise _invalid_credentials()
    if attempt.kind is PrincipalKind.MEMBER:
        return member(creds.subject_id)
    assert creds.role is not None
    return staff(creds.subject_id, creds.role, creds.location_id)


async def check_sign_in(
    hasher: PasswordHasher, guard: LoginGuard | None, attempt: SignInAttempt, password: str
) -> Principal:
    """Count the attempt against the account (THROTTLED past the limit, and the password is not
    checked), then check the password. Reads only."""
    await count_sign_in(guard, attempt.subject)
    return await check_password(hasher, attempt, password)


async def finish_sign_in(
    uow: AccountsUnitOfWork, tokens: AccessTokens, guard: LoginGuard | None, attempt: SignInAttempt, who: Principal
) -> IssuedTokens:
    """Issue the tokens of a checked sign-in; a success is not counted as a failure."""
    issued = await issue_tokens(uow, tokens, who)
    if guard is not None:
        await guard.succeeded(attempt.subject)
    return issued


async def authenticate_member(
    uow: AccountsUnitOfWork, hasher: PasswordHasher, identifier: str, password: str, default_region: str
) -> Principal:
    """The member whose e-mail or phone and password these are; INVALID_CREDENTIALS otherwise."""
    return await check_password(hasher, await find_member(uow, identifier, default_region), password)


async def refresh_tokens(uow: AccountsUnitOfWork, tokens: AccessTokens, refresh_token: str) -> IssuedTokens:
    """Rotate: the presented token is used up; a replayed token revokes its whole family."""
    now = uow.clock()
    token_hash = hash_token(refresh_token)
    grant = await uow.accounts.use_refresh_token(token_hash, now)
    if grant is None:
        family = await uow.accounts.refresh_token_family(token_hash)
        if family is not None:
            await uow.accounts.revoke_family(family, now)
        raise DomainError(
            Code.INVALID_TOKEN,
            "The refresh token is invalid, expired or already used.",
            input_field("refreshToken"),
            keep_writes=family is not None,
        )
    if grant.subject_kind is PrincipalKind.STAFF:
        access = await uow.accounts.staff_access(grant.subject_id)
        if access is None or access.role is None:
            raise DomainError(Code.INVALID_TOKEN, "The staff account is no longer active.", input_field("refreshToken"))
        principal = staff(grant.subject_id, access.role, access.location_id)
    else:
        principal = member(grant.subject_id)
    return await issue_tokens(uow, tokens, principal, grant.family, now)


async def revoke_refresh_token(uow: AccountsUnitOfWork, refresh_token: str) -> None:
    family = await uow.accounts.refresh_token_family(hash_token(refresh_token))
    if family is None:
        raise DomainError(Code.INVALID_TOKEN, "The refresh token is not known.", input_field("refreshToken"))
    await uow.accounts.revoke_family(family, uow.clock())


async def create_staff(
    uow: AccountsUnitOfWork,
    hasher: PasswordHasher,
    email: str,
    name: str,
    role: StaffRole,
    password: str,
    location_id: int | None = None,
) -> int:
    errors: list[DomainError] = []
    norm_email = ""
    try:
        norm_email = normalize_email(email, input_field("email"))
    except DomainError as e:
        errors.append(e)
    try:
        name = validate_name(name, input_field("name"))
    except DomainError as e:
        errors.append(e)
    try:
        validate_password(password, input_field("password"))
    except DomainError as e:
        errors.append(e)
    raise_all(errors)
    if await uow.accounts.staff_credentials(norm_email) is not None:
        raise DomainError(Code.IDENTITY_TAKEN, "A staff user with that e-mail exists.", input_field("email"))
    return await uow.accounts.add_staff(norm_email, name, role, await hasher.hash(password), location_id)
