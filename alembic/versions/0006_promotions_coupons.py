"""promotions, coupon templates, coupons; carts and orders remember their coupon

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 11:18:47.673407
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('coupon_templates',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('campaign_code', sa.String(length=32), nullable=True),
    sa.Column('valid_from', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('valid_until', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('valid_days', sa.Integer(), nullable=True),
    sa.Column('total_quantity', sa.Integer(), nullable=True),
    sa.Column('issued_count', sa.Integer(), nullable=False),
    sa.Column('per_member_limit', sa.Integer(), nullable=False),
    sa.Column('redeemable_at', sa.Enum('ONLINE', 'IN_STORE', 'ANYWHERE', name='redeemwhere', native_enum=False, length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('stackable', sa.Boolean(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('action_type', sa.Enum('PERCENT_OFF', 'AMOUNT_OFF', 'FIXED_PRICE', 'BUY_X_GET_Y', 'FREE_SHIPPING', 'POINTS_MULTIPLIER', name='actiontype', native_enum=False, length=20), nullable=False),
    sa.Column('action', sa.JSON(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('issued_count >= 0', name=op.f('ck_coupon_templates_issued_not_negative')),
    sa.CheckConstraint('per_member_limit >= 1', name=op.f('ck_coupon_templates_per_member_limit_positive')),
    sa.CheckConstraint('total_quantity IS NULL OR issued_count <= total_quantity', name=op.f('ck_coupon_templates_issued_within_quantity')),
    sa.CheckConstraint('valid_days IS NULL OR valid_days >= 1', name=op.f('ck_coupon_templates_valid_days_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_templates')),
    sa.UniqueConstraint('campaign_code', name=op.f('uq_coupon_templates_campaign_code'))
    )
    op.create_table('promotions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('starts_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('stackable', sa.Boolean(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('action_type', sa.Enum('PERCENT_OFF', 'AMOUNT_OFF', 'FIXED_PRICE', 'BUY_X_GET_Y', 'FREE_SHIPPING', 'POINTS_MULTIPLIER', name='actiontype', native_enum=False, length=20), nullable=False),
    sa.Column('action', sa.JSON(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_promotions_location_id_locations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promotions'))
    )
    with op.batch_alter_table('promotions', schema=None) as batch_op:
        batch_op.create_index('ix_promotions_active_window', ['is_active', 'starts_at', 'ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_promotions_location_id'), ['location_id'], unique=False)

    op.create_table('coupons',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('template_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('state', sa.Enum('ACTIVE', 'REDEEMED', name='couponstate', native_enum=False, length=20), nullable=False),
    sa.Column('valid_from', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('valid_until', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('issued_by_staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('redeemed_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('redeemed_location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('redeemed_staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issued_by_staff_id'], ['staff_users.id'], name=op.f('fk_coupons_issued_by_staff_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_coupons_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_coupons_order_id_orders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['redeemed_location_id'], ['locations.id'], name=op.f('fk_coupons_redeemed_location_id_locations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['redeemed_staff_id'], ['staff_users.id'], name=op.f('fk_coupons_redeemed_staff_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['template_id'], ['coupon_templates.id'], name=op.f('fk_coupons_template_id_coupon_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupons')),
    sa.UniqueConstraint('code', name=op.f('uq_coupons_code'))
    )
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.create_index('ix_coupons_member_id_id', ['member_id', 'id'], unique=False)
        batch_op.create_index('ix_coupons_order_id', ['order_id'], unique=False)
        batch_op.create_index('ix_coupons_template_id_member_id', ['template_id', 'member_id'], unique=False)

    op.create_table('promotion_uses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('promotion_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('variant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_promotion_uses_quantity_positive')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_promotion_uses_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_promotion_uses_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['promotion_id'], ['promotions.id'], name=op.f('fk_promotion_uses_promotion_id_promotions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_promotion_uses_variant_id_product_variants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promotion_uses'))
    )
    with op.batch_alter_table('promotion_uses', schema=None) as batch_op:
        batch_op.create_index('ix_promotion_uses_member_id_promotion_id', ['member_id', 'promotion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_promotion_uses_order_id'), ['order_id'], unique=False)

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coupon_code', sa.String(length=32), nullable=True))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coupon_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('points_multiplier', db.types.Amount(precision=14, scale=3), nullable=True))
    # Orders placed before promotions earned points at 1x (stored scaled on SQLite, see db.types.Amount).
    one = '1000' if op.get_bind().dialect.name == 'sqlite' else '1'
    op.execute(f'UPDATE orders SET points_multiplier = {one}')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column('points_multiplier', existing_type=db.types.Amount(precision=14, scale=3),
                              nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('points_multiplier')
        batch_op.drop_column('coupon_code')

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.drop_column('coupon_code')

    with op.batch_alter_table('promotion_uses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_promotion_uses_order_id'))
        batch_op.drop_index('ix_promotion_uses_member_id_promotion_id')

    op.drop_table('promotion_uses')
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.drop_index('ix_coupons_template_id_member_id')
        batch_op.drop_index('ix_coupons_order_id')
        batch_op.drop_index('ix_coupons_member_id_id')

    op.drop_table('coupons')
    with op.batch_alter_table('promotions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_promotions_location_id'))
        batch_op.drop_index('ix_promotions_active_window')

    op.drop_table('promotions')
    op.drop_table('coupon_templates')
