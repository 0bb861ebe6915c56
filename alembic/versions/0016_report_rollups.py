"""report rollups: sales figures per business day, kept from the order events

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 10:15:55.022223

Sales per business day, channel and store (per variant, per store, per category) and members' orders,
and the feeds' watermarks. The tables start empty and without a watermark: the feed (in `serve`, or
`omnishop reports-rebuild`) counts the existing order history from the first event.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_category_orders_daily',
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('category_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('units_sold', sa.Integer(), nullable=False),
    sa.Column('units_returned', sa.Integer(), nullable=False),
    sa.Column('gross', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('discounts', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('returns', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.PrimaryKeyConstraint('business_date', 'channel_id', 'location_id', 'category_id', name=op.f('pk_report_category_orders_daily'))
    )
    op.create_table('report_member_orders_daily',
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('member_id', 'business_date', 'channel_id', 'location_id', name=op.f('pk_report_member_orders_daily'))
    )
    with op.batch_alter_table('report_member_orders_daily', schema=None) as batch_op:
        batch_op.create_index('ix_report_member_orders_daily_business_date', ['business_date'], unique=False)

    op.create_table('report_orders_daily',
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('units_sold', sa.Integer(), nullable=False),
    sa.Column('units_returned', sa.Integer(), nullable=False),
    sa.Column('gross', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('discounts', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('returns', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.PrimaryKeyConstraint('business_date', 'channel_id', 'location_id', name=op.f('pk_report_orders_daily'))
    )
    op.create_table('report_sales_daily',
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('category_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('variant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('units_sold', sa.Integer(), nullable=False),
    sa.Column('units_returned', sa.Integer(), nullable=False),
    sa.Column('gross', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('discounts', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('returns', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.PrimaryKeyConstraint('business_date', 'channel_id', 'location_id', 'category_id', 'product_id', 'variant_id', name=op.f('pk_report_sales_daily'))
    )
    op.create_table('report_watermarks',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('last_event_id', sa.BigInteger(), nullable=False),
    sa.Column('gaps', sa.JSON(), nullable=False),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_report_watermarks'))
    )


def downgrade() -> None:
    op.drop_table('report_watermarks')
    op.drop_table('report_sales_daily')
    op.drop_table('report_orders_daily')
    with op.batch_alter_table('report_member_orders_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_report_member_orders_daily_business_date')

    op.drop_table('report_member_orders_daily')
    op.drop_table('report_category_orders_daily')
