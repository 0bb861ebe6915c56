"""transactions: payment apps' transactions and the events they report

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 10:30:00.000000

A transaction is an order's payment at a gateway (an app with the PAYMENTS scope): opened for the
amount due, moved by the events its app reports. Events are unique per transaction, type and the
provider's reference, so a repeated report is counted once.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS = ('PENDING', 'CHARGED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'FAILED')
EVENT_TYPE = ('CHARGE_SUCCESS', 'CHARGE_FAILURE', 'REFUND_SUCCESS', 'REFUND_FAILURE')


def upgrade() -> None:
    op.create_table('transactions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('app_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('webhook_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.Enum(*STATUS, name='transactionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('amount', db.types.Amount(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('charged', db.types.Amount(), nullable=False),
    sa.Column('refunded', db.types.Amount(), nullable=False),
    sa.Column('refund_requested', db.types.Amount(), nullable=False),
    sa.Column('psp_reference', sa.String(length=100), nullable=True),
    sa.Column('staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('charged >= 0 AND refunded >= 0 AND refunded <= charged', name=op.f('ck_transactions_totals_consistent')),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], name=op.f('fk_transactions_app_id_apps'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_transactions_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_transactions_staff_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['webhook_id'], ['webhooks.id'], name=op.f('fk_transactions_webhook_id_webhooks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transactions'))
    )
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transactions_app_id'), ['app_id'], unique=False)
        batch_op.create_index('ix_transactions_order_id_id', ['order_id', 'id'], unique=False)
    op.create_table('transaction_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('transaction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('type', sa.Enum(*EVENT_TYPE, name='transactioneventtype', native_enum=False, length=20), nullable=False),
    sa.Column('amount', db.types.Amount(), nullable=False),
    sa.Column('psp_reference', sa.String(length=100), nullable=False),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['transaction_id'], ['transactions.id'], name=op.f('fk_transaction_events_transaction_id_transactions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transaction_events')),
    sa.UniqueConstraint('transaction_id', 'type', 'psp_reference', name=op.f('uq_transaction_events_transaction_id_type_psp_reference'))
    )


def downgrade() -> None:
    op.drop_table('transaction_events')
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_transactions_order_id_id')
        batch_op.drop_index(batch_op.f('ix_transactions_app_id'))
    op.drop_table('transactions')
