"""settlement: parties, attribution on carts and orders, rules and the ledger

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 10:15:17.458714

The brand party is created with the database (every line's remainder is the brand's). Statements collect settleable entries per
party, period and currency. Existing
locations and staff users get a referral code each (printed on their QR); existing orders keep
no attribution and no entries (they completed before settlement existed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import db.types
from domain.settlement.model import new_referral_code


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _give_referral_codes(table: str) -> None:
    """A fresh random code for each existing row (the model's default gives new rows theirs)."""
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.text(f"SELECT id FROM {table}"))]
    codes: set[str] = set()
    while len(codes) < len(ids):
        codes.add(new_referral_code())
    for row_id, code in zip(ids, sorted(codes), strict=True):
        conn.execute(sa.text(f"UPDATE {table} SET referral_code = :code WHERE id = :id"), {"code": code, "id": row_id})


def upgrade() -> None:
    op.create_table('parties',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('BRAND', 'FRANCHISEE', 'CONCESSION', 'PLATFORM', 'SUPPLIER', name='partykind', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parties'))
    )
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.create_index('uq_parties_brand', ['kind'], unique=True, sqlite_where=sa.text("kind = 'BRAND'"), postgresql_where=sa.text("kind = 'BRAND'"))
    parties = sa.table('parties', sa.column('name'), sa.column('kind'), sa.column('created_at', db.types.UtcDateTime()))
    op.bulk_insert(parties, [{'name': 'Brand', 'kind': 'BRAND', 'created_at': datetime.now(UTC)}])

    op.create_table('settlement_rules',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role', sa.Enum('BRAND', 'SELLER', 'FULFILLER', 'REFERRER', 'GUIDE', 'HOST', 'PLATFORM', 'SUPPLIER', name='settlementrole', native_enum=False, length=20), nullable=False),
    sa.Column('party_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('category_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('rate', db.types.Amount(precision=14, scale=3), nullable=True),
    sa.Column('fixed_amount', db.types.Amount(precision=14, scale=3), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('valid_from', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('valid_to', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(rate IS NULL) <> (fixed_amount IS NULL)', name=op.f('ck_settlement_rules_rate_xor_fixed_amount')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_settlement_rules_category_id_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_settlement_rules_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_settlement_rules_location_id_locations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_settlement_rules_party_id_parties'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_rules'))
    )
    with op.batch_alter_table('settlement_rules', schema=None) as batch_op:
        batch_op.create_index('ix_settlement_rules_role_id', ['role', 'id'], unique=False)

    op.create_table('settlement_statements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('party_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('period_start', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('period_end', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('DRAFT', 'CONFIRMED', 'PAID', name='settlementstatementstatus', native_enum=False, length=20), nullable=False),
    sa.Column('total', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('payment_reference', sa.String(length=100), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_settlement_statements_party_id_parties'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_statements')),
    sa.UniqueConstraint('party_id', 'currency', 'period_start', 'period_end', name='uq_settlement_statements_period')
    )
    with op.batch_alter_table('settlement_statements', schema=None) as batch_op:
        batch_op.create_index('ix_settlement_statements_party_id_id', ['party_id', 'id'], unique=False)

    op.create_table('settlement_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_line_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('party_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role', sa.Enum('BRAND', 'SELLER', 'FULFILLER', 'REFERRER', 'GUIDE', 'HOST', 'PLATFORM', 'SUPPLIER', name='settlementrole', native_enum=False, length=20), nullable=False),
    sa.Column('event', sa.Enum('SALE', 'RETURN', 'ADJUSTMENT', name='settlementevent', native_enum=False, length=20), nullable=False),
    sa.Column('rule_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('amount', db.types.Amount(precision=14, scale=3), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('completed_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('statement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_settlement_entries_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['settlement_statements.id'], name=op.f('fk_settlement_entries_statement_id_settlement_statements'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_settlement_entries_order_line_id_order_lines'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_settlement_entries_party_id_parties'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['rule_id'], ['settlement_rules.id'], name=op.f('fk_settlement_entries_rule_id_settlement_rules'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_entries'))
    )
    with op.batch_alter_table('settlement_entries', schema=None) as batch_op:
        batch_op.create_index('ix_settlement_entries_order_id_id', ['order_id', 'id'], unique=False)
        batch_op.create_index('ix_settlement_entries_party_id_completed_at', ['party_id', 'completed_at'], unique=False)
        batch_op.create_index('ix_settlement_entries_statement_id_id', ['statement_id', 'id'], unique=False)

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referring_location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('guide_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('guide_location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_carts_guide_id_staff_users'), 'staff_users', ['guide_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_carts_referring_location_id_locations'), 'locations', ['referring_location_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_carts_guide_location_id_locations'), 'locations', ['guide_location_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('party_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_channels_party_id_parties'), 'parties', ['party_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('party_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('referral_code', sa.String(length=16), nullable=True))
    _give_referral_codes('locations')
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.alter_column('referral_code', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_locations_referral_code'), ['referral_code'])
        batch_op.create_foreign_key(batch_op.f('fk_locations_party_id_parties'), 'parties', ['party_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('selling_location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('referring_location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('guide_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('guide_location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_orders_guide_location_id_locations'), 'locations', ['guide_location_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_orders_guide_id_staff_users'), 'staff_users', ['guide_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_orders_referring_location_id_locations'), 'locations', ['referring_location_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_orders_selling_location_id_locations'), 'locations', ['selling_location_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_code', sa.String(length=16), nullable=True))
    _give_referral_codes('staff_users')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.alter_column('referral_code', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_staff_users_referral_code'), ['referral_code'])



def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_staff_users_referral_code'), type_='unique')
        batch_op.drop_column('referral_code')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_orders_selling_location_id_locations'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_orders_referring_location_id_locations'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_orders_guide_id_staff_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_orders_guide_location_id_locations'), type_='foreignkey')
        batch_op.drop_column('guide_location_id')
        batch_op.drop_column('guide_id')
        batch_op.drop_column('referring_location_id')
        batch_op.drop_column('selling_location_id')

    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_locations_party_id_parties'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_locations_referral_code'), type_='unique')
        batch_op.drop_column('referral_code')
        batch_op.drop_column('party_id')

    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_channels_party_id_parties'), type_='foreignkey')
        batch_op.drop_column('party_id')

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_carts_guide_location_id_locations'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_carts_referring_location_id_locations'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_carts_guide_id_staff_users'), type_='foreignkey')
        batch_op.drop_column('guide_location_id')
        batch_op.drop_column('guide_id')
        batch_op.drop_column('referring_location_id')

    with op.batch_alter_table('settlement_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_settlement_entries_statement_id_id')
        batch_op.drop_index('ix_settlement_entries_party_id_completed_at')
        batch_op.drop_index('ix_settlement_entries_order_id_id')

    op.drop_table('settlement_entries')
    with op.batch_alter_table('settlement_statements', schema=None) as batch_op:
        batch_op.drop_index('ix_settlement_statements_party_id_id')

    op.drop_table('settlement_statements')
    with op.batch_alter_table('settlement_rules', schema=None) as batch_op:
        batch_op.drop_index('ix_settlement_rules_role_id')

    op.drop_table('settlement_rules')
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_index('uq_parties_brand', sqlite_where=sa.text("kind = 'BRAND'"), postgresql_where=sa.text("kind = 'BRAND'"))

    op.drop_table('parties')
