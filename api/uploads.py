"""Uploads at `/graphql`: the GraphQL multipart request specification (files beside the operation,
for product media), and the request adapter that parses such a body with bounds.

The body's cap is applied while it streams (api/limits.py `limit_body`: `MAX_BODY_BYTES` plus
`MEDIA_MAX_BYTES` for a multipart request); before that, `refusal` (api/http_steps.py) wants a
preflight header and `upload_refusal` a caller who may upload, so nobody else's body is parsed.
"""

from __future__ import annotations

from cross_web import FormData, StarletteRequestAdapter
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from api.http_steps import Refusal
from domain.access.model import Permission, Principal

MAX_UPLOAD_FILES = 10  # file parts of one multipart request
MAX_UPLOAD_FIELDS = 10  # other parts: `operations` and `map`


def upload_refusal(principal: Principal) -> Refusal | None:
    """Only callers who may add product media send files: anyone else is refused before the body is read."""
    if principal.can(Permission.MANAGE_CATALOG):
        return None
    if principal.is_anonymous:
        return Refusal(401, "Sign in to upload files.", {"WWW-Authenticate": "Bearer"})
    return Refusal(403, "You may not upload files.")


class RequestAdapter(StarletteRequestAdapter):
    """Media types are case-insensitive (RFC 9110), and strawberry compares them as written: its
    own body parser sees the `Content-Type` in lower case (`_respond` has already checked it).

    A multipart body is parsed with bounds (the request's body cap is applied while it streams):
    a few fields (`operations`, `map`) no larger than `MAX_BODY_BYTES`, a few files; a malformed one
    is a 400 (strawberry's "Unable to parse the multipart body")."""

    max_part_bytes = 1_048_576  # of a field that is not a file: the view sets MAX_BODY_BYTES

    @property
    def content_type(self) -> str | None:
        value = super().content_type
        return value.lower() if value is not None else None

    async def get_form_data(self) -> FormData:
        try:
            form = await self._request.form(
                max_files=MAX_UPLOAD_FILES, max_fields=MAX_UPLOAD_FIELDS, max_part_size=self.max_part_bytes
            )
        except (StarletteHTTPException, MultiPartException) as e:
            raise ValueError(str(e)) from e
        return FormData(files=form, form=form)
