"""Carts and orders: carts, cart lines, orders, order lines, allocations, payments, order events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 08:43:52.029114
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('carts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('fulfilment_method', sa.Enum('DELIVERY', 'PICKUP', 'IN_STORE', 'ENDLESS_AISLE', name='fulfilmentmethod', native_enum=False, length=20), nullable=True),
    sa.Column('pickup_location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('address', sa.JSON(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('completed_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('points >= 0', name=op.f('ck_carts_points_not_negative')),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_carts_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_carts_location_id_locations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_carts_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pickup_location_id'], ['locations.id'], name=op.f('fk_carts_pickup_location_id_locations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_carts_staff_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carts')),
    sa.UniqueConstraint('token', name=op.f('uq_carts_token'))
    )
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.create_index('ix_carts_member_id_id', ['member_id', 'id'], unique=False)

    op.create_table('cart_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cart_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('variant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity BETWEEN 1 AND 999', name=op.f('ck_cart_lines_quantity_in_range')),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], name=op.f('fk_cart_lines_cart_id_carts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_cart_lines_variant_id_product_variants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cart_lines')),
    sa.UniqueConstraint('cart_id', 'variant_id', name=op.f('uq_cart_lines_cart_id_variant_id'))
    )
    op.create_table('orders',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('cart_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('UNPAID', 'PAID', 'READY_FOR_PICKUP', 'SHIPPED', 'COMPLETED', 'CANCELLED', 'PARTIALLY_RETURNED', 'RETURNED', name='orderstatus', native_enum=False, length=20), nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('fulfilment_method', sa.Enum('DELIVERY', 'PICKUP', 'IN_STORE', 'ENDLESS_AISLE', name='fulfilmentmethod', native_enum=False, length=20), nullable=False),
    sa.Column('pickup_location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('address', sa.JSON(), nullable=True),
    sa.Column('tracking_number', sa.String(length=100), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('subtotal', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('discount_total', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('points_discount', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('shipping', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('total', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('points_spent', sa.Integer(), nullable=False),
    sa.Column('points_earned', sa.Integer(), nullable=False),
    sa.Column('pickup_code_hash', sa.String(length=64), nullable=True),
    sa.Column('pickup_attempts', sa.Integer(), nullable=False),
    sa.Column('expires_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('pickup_attempts >= 0', name=op.f('ck_orders_pickup_attempts_not_negative')),
    sa.CheckConstraint('points_spent >= 0 AND points_earned >= 0', name=op.f('ck_orders_points_not_negative')),
    sa.CheckConstraint('total >= 0', name=op.f('ck_orders_total_not_negative')),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], name=op.f('fk_orders_cart_id_carts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_orders_channel_id_channels'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_orders_location_id_locations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_orders_member_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pickup_location_id'], ['locations.id'], name=op.f('fk_orders_pickup_location_id_locations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_orders_staff_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('cart_id', 'idempotency_key', name=op.f('uq_orders_cart_id_idempotency_key')),
    sa.UniqueConstraint('number', name=op.f('uq_orders_number')),
    sa.UniqueConstraint('token', name=op.f('uq_orders_token'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_channel_id_id', ['channel_id', 'id'], unique=False)
        batch_op.create_index('ix_orders_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_orders_location_id_id', ['location_id', 'id'], unique=False)
        batch_op.create_index('ix_orders_member_id_id', ['member_id', 'id'], unique=False)
        batch_op.create_index('ix_orders_status_expires_at', ['status', 'expires_at'], unique=False)
        batch_op.create_index('ix_orders_status_id', ['status', 'id'], unique=False)

    op.create_table('order_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('type', sa.Enum('PLACED', 'PAID', 'CANCELLED', 'EXPIRED', 'SHIPPED', 'DELIVERED', 'READY_FOR_PICKUP', 'PICKUP_CODE_REJECTED', 'PICKED_UP', 'COMPLETED', 'RETURNED', 'REFUNDED', 'POINTS_EARNED', name='ordereventtype', native_enum=False, length=30), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_order_events_member_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_events_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_order_events_staff_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_events'))
    )
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.create_index('ix_order_events_order_id_id', ['order_id', 'id'], unique=False)

    op.create_table('order_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('variant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('product_name', sa.String(length=250), nullable=False),
    sa.Column('variant_name', sa.String(length=250), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('discounts', sa.JSON(), nullable=False),
    sa.Column('total', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('returned_quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_lines_quantity_positive')),
    sa.CheckConstraint('returned_quantity BETWEEN 0 AND quantity', name=op.f('ck_order_lines_returned_within_quantity')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_order_lines_variant_id_product_variants'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines'))
    )
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index('ix_order_lines_order_id_id', ['order_id', 'id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.Enum('CAPTURE', 'REFUND', name='paymentkind', native_enum=False, length=20), nullable=False),
    sa.Column('method', sa.Enum('CASH', 'CARD', 'WECHAT_PAY', 'ALIPAY', 'SANDBOX', name='paymentmethod', native_enum=False, length=20), nullable=False),
    sa.Column('amount', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_payments_amount_not_negative')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payments_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_payments_staff_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_order_id_id', ['order_id', 'id'], unique=False)

    op.create_table('order_allocations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_line_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('variant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_allocations_quantity_positive')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_order_allocations_location_id_locations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_allocations_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_order_allocations_order_line_id_order_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_order_allocations_variant_id_product_variants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_allocations'))
    )
    with op.batch_alter_table('order_allocations', schema=None) as batch_op:
        batch_op.create_index('ix_order_allocations_order_id_id', ['order_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('order_allocations', schema=None) as batch_op:
        batch_op.drop_index('ix_order_allocations_order_id_id')

    op.drop_table('order_allocations')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_order_id_id')

    op.drop_table('payments')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_order_lines_order_id_id')

    op.drop_table('order_lines')
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_index('ix_order_events_order_id_id')

    op.drop_table('order_events')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_status_id')
        batch_op.drop_index('ix_orders_status_expires_at')
        batch_op.drop_index('ix_orders_member_id_id')
        batch_op.drop_index('ix_orders_location_id_id')
        batch_op.drop_index('ix_orders_created_at_id')
        batch_op.drop_index('ix_orders_channel_id_id')

    op.drop_table('orders')
    op.drop_table('cart_lines')
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.drop_index('ix_carts_member_id_id')

    op.drop_table('carts')
