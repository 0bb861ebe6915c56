"""product media and variant attributes: the images of products (and of their variants); a
variant's colour, size and other attributes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 10:14:52.432077

An image is an address elsewhere (`url`) or a file in the media storage (`storage_key`, with the
type, size and dimensions the upload showed), exactly one of the two; products list them by
`sort_order`. Deleting a product deletes its images' rows; deleting a variant keeps its images on
the product.

`variant_attributes` holds name/value pairs per variant (`colour` = "白色"), with the product's id
beside them so a product list filters by (name, value) on one index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('product_media',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('variant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('storage_key', sa.String(length=200), nullable=True),
    sa.Column('alt', sa.String(length=500), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(url IS NULL) <> (storage_key IS NULL)', name=op.f('ck_product_media_url_or_storage_key')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_media_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_product_media_variant_id_product_variants'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_media')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_product_media_storage_key'))
    )
    with op.batch_alter_table('product_media', schema=None) as batch_op:
        batch_op.create_index('ix_product_media_product_id_sort_order_id', ['product_id', 'sort_order', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_media_variant_id'), ['variant_id'], unique=False)
    op.create_table('variant_attributes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('variant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=30), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_variant_attributes_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_variant_attributes_variant_id_product_variants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_variant_attributes')),
    sa.UniqueConstraint('variant_id', 'name', name=op.f('uq_variant_attributes_variant_id_name'))
    )
    with op.batch_alter_table('variant_attributes', schema=None) as batch_op:
        batch_op.create_index('ix_variant_attributes_name_value_product_id', ['name', 'value', 'product_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('variant_attributes', schema=None) as batch_op:
        batch_op.drop_index('ix_variant_attributes_name_value_product_id')

    op.drop_table('variant_attributes')
    with op.batch_alter_table('product_media', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_media_variant_id'))
        batch_op.drop_index('ix_product_media_product_id_sort_order_id')

    op.drop_table('product_media')
