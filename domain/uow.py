"""The unit of work a request's use cases share, as the domain sees it: every area's Protocol in
one, so the schema holds it without naming the SQL adapter (db/uow.py `SqlUnitOfWork`)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from domain.accounts.services import AccountsUnitOfWork
from domain.apps.services import AppsUnitOfWork
from domain.apps.webhook_services import WebhooksUnitOfWork
from domain.catalog.attributes import VariantAttributesUnitOfWork
from domain.catalog.media_services import MediaUnitOfWork
from domain.catalog.services import CatalogUnitOfWork
from domain.inventory.location_services import LocationsUnitOfWork
from domain.inventory.transfers import TransferUnitOfWork
from domain.members.services import MembersUnitOfWork
from domain.orders.checkout import CheckoutPromotions, CheckoutRepository, CheckoutUnitOfWork
from domain.orders.returns import ReturnsRepository, ReturnsUnitOfWork
from domain.orders.services import CouponReturns
from domain.payments.services import PaymentsUnitOfWork
from domain.promotions.admin import (
    PromotionAdminRepository,
    PromotionAdminUnitOfWork,
    TemplateAdminRepository,
    TemplateAdminUnitOfWork,
)
from domain.promotions.coupon_services import (
    ClaimUnitOfWork,
    CouponUnitOfWork,
    TillCouponRepository,
    TillCouponUnitOfWork,
)
from domain.promotions.issuing import IssuingUnitOfWork, StaffIssuing
from domain.settlement.statements import StatementsUnitOfWork


class Orders(CheckoutRepository, ReturnsRepository, Protocol):
    """Orders as checkout, returns and the order use cases see them."""


class Promotions(CheckoutPromotions, CouponReturns, TillCouponRepository, Protocol):
    """Promotions and coupons as checkout, returns and the coupon use cases see them."""


class PromotionAdmin(PromotionAdminRepository, TemplateAdminRepository, Protocol):
    """Promotions and coupon templates as staff manage them."""


class UnitOfWork(
    AccountsUnitOfWork,
    AppsUnitOfWork,
    CatalogUnitOfWork,
    MediaUnitOfWork,
    VariantAttributesUnitOfWork,
    CheckoutUnitOfWork,
    ReturnsUnitOfWork,
    CouponUnitOfWork,
    ClaimUnitOfWork,
    TillCouponUnitOfWork,
    PromotionAdminUnitOfWork,
    TemplateAdminUnitOfWork,
    IssuingUnitOfWork,
    MembersUnitOfWork,
    LocationsUnitOfWork,
    TransferUnitOfWork,
    WebhooksUnitOfWork,
    PaymentsUnitOfWork,
    StatementsUnitOfWork,
    Protocol,
):
    """What `Context.uow` offers: the repositories of every area and `transaction()`."""

    @property
    def orders(self) -> Orders: ...
    @property
    def promotions(self) -> Promotions: ...
    @property
    def promotion_admin(self) -> PromotionAdmin: ...
    @property
    def coupon_issuing(self) -> StaffIssuing: ...  # members claiming a coupon use a part of it
    def transaction(self) -> AbstractAsyncContextManager[None]:
        """One mutation's transaction: everything in the block commits together or rolls back."""
        ...
