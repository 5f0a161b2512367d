"""Catalog system: entries, items, base-information catalog, needs, shared-catalog versions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:47:07.147600
"""
import sqlalchemy as sa
from alembic import op

import govshare.kit.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalog_code_counter',
    sa.Column('classification', sa.String(length=16), nullable=False),
    sa.Column('last_sequence', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('classification', name=op.f('pk_catalog_code_counter'))
    )
    op.create_table('catalog_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('base_version_id', sa.Integer(), nullable=True),
    sa.Column('compiled_by', sa.String(length=64), nullable=False),
    sa.Column('compiled_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.Column('removes_content', sa.Boolean(), nullable=False),
    sa.Column('diff_summary', sa.JSON(), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('removal_approved', sa.Boolean(), nullable=False),
    sa.Column('published_by', sa.String(length=64), nullable=True),
    sa.Column('published_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['base_version_id'], ['catalog_version.id'], name=op.f('fk_catalog_version_base_version_id_catalog_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_version')),
    sa.UniqueConstraint('number', name=op.f('uq_catalog_version_number'))
    )
    with op.batch_alter_table('catalog_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_version_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_version_status'), ['status'], unique=False)

    op.create_table('catalog_base_item',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('library_group', sa.String(length=32), nullable=False),
    sa.Column('responsible_agency_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('updated_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['responsible_agency_id'], ['directory_agency.id'], name=op.f('fk_catalog_base_item_responsible_agency_id_directory_agency')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_catalog_base_item'))
    )
    op.create_table('catalog_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('resource_code', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=1), nullable=False),
    sa.Column('subcategory', sa.String(length=2), nullable=False),
    sa.Column('subject', sa.String(length=3), nullable=False),
    sa.Column('detail', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('format_class', sa.String(length=32), nullable=False),
    sa.Column('format_type', sa.String(length=64), nullable=False),
    sa.Column('share_type', sa.String(length=16), nullable=False),
    sa.Column('share_condition', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('share_mode', sa.String(length=32), nullable=False),
    sa.Column('open_to_public', sa.Boolean(), nullable=False),
    sa.Column('open_condition', sa.Text(), nullable=False),
    sa.Column('update_cycle', sa.String(length=16), nullable=False),
    sa.Column('publish_date', sa.Date(), nullable=True),
    sa.Column('related_codes', sa.JSON(), nullable=False),
    sa.Column('share_scope', sa.JSON(), nullable=False),
    sa.Column('update_frequency', sa.String(length=64), nullable=False),
    sa.Column('timeliness', sa.String(length=200), nullable=False),
    sa.Column('deadline_class', sa.String(length=32), nullable=False),
    sa.Column('is_base_information', sa.Boolean(), nullable=False),
    sa.Column('resource_kind', sa.String(length=16), nullable=False),
    sa.Column('library_group', sa.String(length=32), nullable=False),
    sa.Column('used_in_licensing', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=False),
    sa.Column('review_result', sa.String(length=16), nullable=True),
    sa.Column('reviewed_by', sa.String(length=64), nullable=True),
    sa.Column('reviewed_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('submitted_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('filed_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn', sa.Boolean(), nullable=False),
    sa.Column('created_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['directory_agency.id'], name=op.f('fk_catalog_entry_agency_id_directory_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_entry')),
    sa.UniqueConstraint('resource_code', name=op.f('uq_catalog_entry_resource_code'))
    )
    with op.batch_alter_table('catalog_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_entry_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_entry_library_group'), ['library_group'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_entry_share_type'), ['share_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_entry_status'), ['status'], unique=False)

    op.create_table('catalog_need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('provider_agency_id', sa.Integer(), nullable=True),
    sa.Column('resource_code', sa.String(length=32), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('items_wanted', sa.Text(), nullable=False),
    sa.Column('duty', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['directory_agency.id'], name=op.f('fk_catalog_need_agency_id_directory_agency')),
    sa.ForeignKeyConstraint(['provider_agency_id'], ['directory_agency.id'], name=op.f('fk_catalog_need_provider_agency_id_directory_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_need'))
    )
    with op.batch_alter_table('catalog_need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_need_agency_id'), ['agency_id'], unique=False)

    op.create_table('catalog_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('data_type', sa.String(length=1), nullable=False),
    sa.Column('length', sa.Integer(), nullable=True),
    sa.Column('share_type', sa.String(length=16), nullable=True),
    sa.Column('sensitivity', sa.String(length=20), nullable=False),
    sa.Column('subject_key', sa.String(length=24), nullable=True),
    sa.Column('base_item_code', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['base_item_code'], ['catalog_base_item.code'], name=op.f('fk_catalog_item_base_item_code_catalog_base_item')),
    sa.ForeignKeyConstraint(['entry_id'], ['catalog_entry.id'], name=op.f('fk_catalog_item_entry_id_catalog_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_item')),
    sa.UniqueConstraint('entry_id', 'name', name=op.f('uq_catalog_item_entry_id_name'))
    )
    with op.batch_alter_table('catalog_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_item_base_item_code'), ['base_item_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_item_entry_id'), ['entry_id'], unique=False)

    op.create_table('catalog_version_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('resource_code', sa.String(length=32), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['catalog_entry.id'], name=op.f('fk_catalog_version_entry_entry_id_catalog_entry')),
    sa.ForeignKeyConstraint(['version_id'], ['catalog_version.id'], name=op.f('fk_catalog_version_entry_version_id_catalog_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_version_entry')),
    sa.UniqueConstraint('version_id', 'resource_code', name=op.f('uq_catalog_version_entry_version_id_resource_code'))
    )
    with op.batch_alter_table('catalog_version_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_version_entry_version_id'), ['version_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('catalog_version_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_version_entry_version_id'))

    op.drop_table('catalog_version_entry')
    with op.batch_alter_table('catalog_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_item_entry_id'))
        batch_op.drop_index(batch_op.f('ix_catalog_item_base_item_code'))

    op.drop_table('catalog_item')
    with op.batch_alter_table('catalog_need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_need_agency_id'))

    op.drop_table('catalog_need')
    with op.batch_alter_table('catalog_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_entry_status'))
        batch_op.drop_index(batch_op.f('ix_catalog_entry_share_type'))
        batch_op.drop_index(batch_op.f('ix_catalog_entry_library_group'))
        batch_op.drop_index(batch_op.f('ix_catalog_entry_agency_id'))

    op.drop_table('catalog_entry')
    op.drop_table('catalog_base_item')
    with op.batch_alter_table('catalog_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_version_status'))
        batch_op.drop_index(batch_op.f('ix_catalog_version_published_at'))

    op.drop_table('catalog_version')
    op.drop_table('catalog_code_counter')
