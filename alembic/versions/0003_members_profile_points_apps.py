"""members profile points apps

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:13:32.679996
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('apps',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token_hint', sa.String(length=12), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_by_staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_staff_id'], ['staff_users.id'], name=op.f('fk_apps_created_by_staff_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apps')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_apps_token_hash'))
    )
    op.create_table('member_addresses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('line1', sa.String(length=250), nullable=False),
    sa.Column('line2', sa.String(length=250), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('postal_code', sa.String(length=20), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_addresses_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_addresses'))
    )
    with op.batch_alter_table('member_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_addresses_member_id'), ['member_id'], unique=False)

    op.create_table('member_tags',
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tag', sa.String(length=50), nullable=False),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_tags_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'tag', name=op.f('pk_member_tags'))
    )
    with op.batch_alter_table('member_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_tags_tag'), ['tag'], unique=False)

    op.create_table('points_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.Enum('EARN', 'SPEND', 'REFUND', 'CLAWBACK', 'ADJUST', 'EXPIRE', name='pointskind', native_enum=False, length=20), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('balance_after', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=250), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('channel_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('expires_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('balance_after >= 0', name=op.f('ck_points_entries_balance_after_not_negative')),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_points_entries_channel_id_channels'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_points_entries_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_points_entries_staff_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_entries'))
    )
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.create_index('ix_points_entries_member_id_id', ['member_id', 'id'], unique=False)
        batch_op.create_index('ix_points_entries_expires_at', ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_points_entries_reference'), ['reference'], unique=False)

    with op.batch_alter_table('channels', schema=None) as batch_op:
        # Existing channels earn 1 point per currency unit (Amount stores thousandths on SQLite).
        one = "1000" if op.get_bind().dialect.name == "sqlite" else "1"
        batch_op.add_column(sa.Column('points_per_unit', db.types.Amount(precision=14, scale=3), nullable=False,
                                      server_default=one))
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.alter_column('points_per_unit', server_default=None)

    with op.batch_alter_table('member_identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('linked_by_staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_member_identities_linked_by_staff_id_staff_users'), 'staff_users', ['linked_by_staff_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joined_location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('points_balance', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('erased_at', db.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_members_joined_location_id_locations'), 'locations', ['joined_location_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(op.f('ck_members_points_balance_not_negative'), 'points_balance >= 0')



def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_members_points_balance_not_negative'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_members_joined_location_id_locations'), type_='foreignkey')
        batch_op.drop_column('erased_at')
        batch_op.drop_column('points_balance')
        batch_op.drop_column('joined_location_id')

    with op.batch_alter_table('member_identities', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_member_identities_linked_by_staff_id_staff_users'), type_='foreignkey')
        batch_op.drop_column('linked_by_staff_id')

    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('points_per_unit')

    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_entries_reference'))
        batch_op.drop_index('ix_points_entries_expires_at')
        batch_op.drop_index('ix_points_entries_member_id_id')

    op.drop_table('points_entries')
    with op.batch_alter_table('member_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_tags_tag'))

    op.drop_table('member_tags')
    with op.batch_alter_table('member_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_addresses_member_id'))

    op.drop_table('member_addresses')
    op.drop_table('apps')
