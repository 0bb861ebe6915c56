"""Payment gateways (payment apps) and their transactions, as `Order.transactions` shows them."""

from __future__ import annotations

import strawberry

from db.models import App as AppModel
from db.models import Transaction as TransactionModel
from schema.context import Info
from schema.money import Money
from schema.payments.enums import TransactionStatus
from schema.relay import Node, not_fetchable, register_node, to_global_id


@strawberry.type(description="A payment app that takes payments (`transactionInitialize` with its id).")
class PaymentGateway:
    id: strawberry.ID = strawberry.field(description="The app's global id.")
    name: str = strawberry.field(description="The app's name, to show a shopper choosing how to pay.")

    @classmethod
    def of(cls, app_id: int, name: str) -> PaymentGateway:
        return cls(id=strawberry.ID(to_global_id("App", app_id)), name=name)


@strawberry.type(
    description="An order's payment at a payment app: opened for the amount due, moved by what the app reports."
)
class Transaction(Node):
    status: TransactionStatus = strawberry.field(description="Where it stands.")
    amount: Money = strawberry.field(description="What was due when it was opened.")
    charged_amount: Money = strawberry.field(description="What the app reported charged.")
    refunded_amount: Money = strawberry.field(description="What the app reported refunded.")
    psp_reference: str | None = strawberry.field(description="The payment provider's reference, once it gave one.")
    app_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, m: TransactionModel) -> Transaction:
        return cls(
            pk=m.id,
            status=m.status,
            amount=Money.of(m.amount, m.currency),
            charged_amount=Money.of(m.charged, m.currency),
            refunded_amount=Money.of(m.refunded, m.currency),
            psp_reference=m.psp_reference,
            app_id=m.app_id,
        )

    @strawberry.field(description="The payment app; null if the app was deleted.")
    async def gateway(self, info: Info) -> PaymentGateway | None:
        app: AppModel | None = await info.context.loaders.app_by_id.load(self.app_id) if self.app_id else None
        return PaymentGateway.of(app.id, app.name) if app else None


register_node("Transaction", not_fetchable)  # read through its order; its app names it when it reports
