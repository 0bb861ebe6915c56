"""Member profile rules without a database: what a till's scan could be, tags, delivery addresses."""

from __future__ import annotations

import pytest

from domain.accounts.model import Identity, IdentityKind
from domain.errors import DomainError, DomainErrors
from domain.members.model import (
    MAX_TAGS_PER_CALL,
    OPAQUE_KINDS,
    AddressData,
    lookup_candidates,
    normalize_tags,
    validate_address,
)

# --- lookup_candidates ---------------------------------------------------------------------------


def kinds(candidates: list[Identity]) -> list[IdentityKind]:
    return [c.kind for c in candidates]


def test_an_email_is_looked_up_lower_case_and_as_an_opaque_id() -> None:
    candidates = lookup_candidates("  Ann.Lee@Example.COM ", "CN")
    assert candidates[0] == Identity(IdentityKind.EMAIL, "ann.lee@example.com")
    assert kinds(candidates[1:]) == list(OPAQUE_KINDS)
    assert {c.value for c in candidates[1:]} == {"Ann.Lee@Example.COM"}


@pytest.mark.parametrize("typed", ["138 0013 8000", "13800138000", "+86 138-0013-8000", "(+86) 138 0013 8000"])
def test_a_phone_number_in_any_format_is_one_e164_phone(typed: str) -> None:
    candidates = lookup_candidates(typed, "CN")
    assert candidates[0] == Identity(IdentityKind.PHONE, "+8613800138000")


def test_a_number_without_country_code_uses_the_default_region() -> None:
    assert lookup_candidates("650 253 0000", "US")[0] == Identity(IdentityKind.PHONE, "+16502530000")


def test_a_card_number_is_tried_as_every_opaque_kind_as_given() -> None:
    candidates = lookup_candidates(" CARD-0001 ", "CN")
    assert candidates == [Identity(kind, "CARD-0001") for kind in OPAQUE_KINDS]


def test_a_malformed_email_is_only_an_opaque_id() -> None:
    assert kinds(lookup_candidates("ann@", "CN")) == list(OPAQUE_KINDS)


@pytest.mark.parametrize("typed", ["", "   ", "x" * 255])
def test_nothing_or_too_much_has_no_candidates(typed: str) -> None:
    assert lookup_candidates(typed, "CN") == []


# --- normalize_tags ------------------------------------------------------------------------------


def test_tags_are_trimmed_lower_cased_and_unique_in_order() -> None:
    assert normalize_tags([" VIP", "store:SH01", "vip", "new", "Store:sh01"]) == ["vip", "store:sh01", "new"]


@pytest.mark.parametrize("tag", ["a", "dormant", "store:sh01", "tier_2", "campaign-11.11", "9lives", "x" * 50])
def test_good_tags(tag: str) -> None:
    assert normalize_tags([tag]) == [tag]


@pytest.mark.parametrize("tag", ["", "  ", "two words", "vip!", ":vip", "-vip", "x" * 51, "标签"])
def test_bad_tags_name_their_position(tag: str) -> None:
    with pytest.raises(DomainError) as caught:
        normalize_tags(["ok", tag])
    assert (caught.value.code, caught.value.field) == ("INVALID", ["input", "tags", "1"])


def test_no_tags_is_required_and_too_many_is_invalid() -> None:
    with pytest.raises(DomainError) as none:
        normalize_tags([])
    assert (none.value.code, none.value.field) == ("REQUIRED", ["input", "tags"])
    with pytest.raises(DomainError) as many:
        normalize_tags([f"t{i}" for i in range(MAX_TAGS_PER_CALL + 1)])
    assert (many.value.code, many.value.field) == ("INVALID", ["input", "tags"])


# --- validate_address ----------------------------------------------------------------------------


def shanghai(**overrides: object) -> AddressData:
    fields: dict[str, object] = {
        "name": " Ann Lee ",
        "phone": "138 0013 8000",
        "line1": " 1 Nanjing Road ",
        "city": "Shanghai",
        "country": "cn",
        **overrides,
    }
    return AddressData(**fields)  # type: ignore[arg-type]


def test_a_good_address_comes_back_cleaned() -> None:
    clean = validate_address(shanghai(line2="  ", postal_code=" 200001 ", latitude=31.23, longitude=121.47), "CN")
    assert clean == AddressData(
        name="Ann Lee",
        phone="+8613800138000",
        line1="1 Nanjing Road",
        city="Shanghai",
        country="CN",
        line2=None,
        postal_code="200001",
        latitude=31.23,
        longitude=121.47,
    )


def test_the_phone_is_read_in_the_addresses_country() -> None:
    clean = validate_address(shanghai(phone="650 253 0000", country="US"), "CN")
    assert clean.phone == "+16502530000"


def test_a_bad_country_falls_back_to_the_default_region_for_the_phone() -> None:
    with pytest.raises(DomainError) as caught:
        validate_address(shanghai(country="China"), "CN")
    assert (caught.value.code, caught.value.field) == ("INVALID", ["input", "country"])


def fields_of(error: DomainError) -> list[tuple[str, list[str] | None]]:
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return sorted((e.code, e.field) for e in errors)


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(DomainError) as caught:
        validate_address(
            shanghai(
                name="", phone="123", line1=" ", city="x" * 101, country="ZZZ", postal_code="9" * 21, line2="y" * 251
            ),
            "CN",
        )
    assert fields_of(caught.value) == [
        ("INVALID", ["input", "city"]),
        ("INVALID", ["input", "country"]),
        ("INVALID", ["input", "line2"]),
        ("INVALID", ["input", "phone"]),
        ("INVALID", ["input", "postalCode"]),
        ("REQUIRED", ["input", "line1"]),
        ("REQUIRED", ["input", "name"]),
    ]


@pytest.mark.parametrize(("lat", "lon"), [(31.2, None), (None, 121.4), (91.0, 0.0), (0.0, 181.0), (-90.5, 10.0)])
def test_coordinates_come_as_a_valid_pair_or_not_at_all(lat: float | None, lon: float | None) -> None:
    with pytest.raises(DomainError) as caught:
        validate_address(shanghai(latitude=lat, longitude=lon), "CN")
    assert (caught.value.code, caught.value.field) == ("INVALID", ["input", "latitude"])


def test_errors_are_reported_under_the_path_given() -> None:
    with pytest.raises(DomainError) as caught:
        validate_address(shanghai(city=""), "CN", ("input", "address"))
    assert caught.value.field == ["input", "address", "city"]
