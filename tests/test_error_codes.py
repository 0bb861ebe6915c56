"""One set of user error codes: the domain's `Code` enum is what raise sites may use, the
schema's `UserErrorCode` is what clients see; they must agree, and a misspelt code must be a
type error rather than a 500 when the error is mapped."""

from __future__ import annotations

from pathlib import Path

from mypy import api as mypy_api

from domain.errors import Code
from schema.errors import UserErrorCode

ROOT = Path(__file__).resolve().parent.parent


def test_the_schema_enum_mirrors_the_domain_codes() -> None:
    assert {c.value for c in UserErrorCode} == {c.value for c in Code}
    assert all(c.name == c.value for c in Code)


def test_a_misspelt_code_is_a_type_error() -> None:
    snippet = 'from domain.errors import Code, DomainError\nDomainError("NOT_FUOND", "x")\nCode.NOT_FUOND\n'
    report, _, status = mypy_api.run(["--no-incremental", "--config-file", str(ROOT / "pyproject.toml"), "-c", snippet])
    assert status == 1
    assert 'incompatible type "str"; expected "Code"' in report
    assert 'has no attribute "NOT_FUOND"' in report
