"""Access checks every resolver uses; the table of who may do what is `domain.access.model`."""

from __future__ import annotations

from domain.access.model import Permission, Principal
from schema.context import Info
from schema.errors import ErrorCode, coded_error


def require(info: Info, permission: Permission) -> Principal:
    """The caller must hold `permission`; anonymous callers are told to authenticate."""
    principal = info.context.principal
    if principal.can(permission):
        return principal
    if principal.is_anonymous:
        raise coded_error("Authentication is required.", ErrorCode.UNAUTHENTICATED)
    raise coded_error("You do not have permission to do this.", ErrorCode.FORBIDDEN)


def require_member(info: Info) -> int:
    """The caller must be a signed-in member; returns the member's id."""
    member_id = info.context.principal.member_id
    if member_id is None:
        raise coded_error(
            "Sign in as a member to do this.",
            ErrorCode.UNAUTHENTICATED if info.context.principal.is_anonymous else ErrorCode.FORBIDDEN,
        )
    return member_id
