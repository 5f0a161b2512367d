"""Exchange: provider APIs (接口) and file resources (文件).

- exchange_endpoint: the provider API registered for a 共享平台·接口 resource (one per resource).
- exchange_file_version: every uploaded version of a 共享平台·文件 resource, its bytes in the row
  with their SM3 digest (see exchange/file_service.py for why in the database).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 15:00:00
"""
import sqlalchemy as sa
from alembic import op

import govshare.kit.types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange_endpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_code', sa.String(length=32), nullable=False),
    sa.Column('provider_agency_id', sa.Integer(), nullable=False),
    sa.Column('base_url', sa.String(length=500), nullable=False),
    sa.Column('subject_param', sa.String(length=64), nullable=False),
    sa.Column('auth_header', sa.String(length=64), nullable=False),
    sa.Column('secret', sa.String(length=500), nullable=False),
    sa.Column('timeout_seconds', sa.Float(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('division_field', sa.String(length=64), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_agency_id'], ['directory_agency.id'], name=op.f('fk_exchange_endpoint_provider_agency_id_directory_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_endpoint')),
    sa.UniqueConstraint('resource_code', name=op.f('uq_exchange_endpoint_resource_code'))
    )
    with op.batch_alter_table('exchange_endpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_endpoint_provider_agency_id'), ['provider_agency_id'], unique=False)

    op.create_table('exchange_file_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_code', sa.String(length=32), nullable=False),
    sa.Column('provider_agency_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=127), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sm3', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['provider_agency_id'], ['directory_agency.id'], name=op.f('fk_exchange_file_version_provider_agency_id_directory_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_file_version')),
    sa.UniqueConstraint('resource_code', 'version', name=op.f('uq_exchange_file_version_resource_code_version'))
    )
    with op.batch_alter_table('exchange_file_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_file_version_provider_agency_id'), ['provider_agency_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('exchange_file_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_file_version_provider_agency_id'))

    op.drop_table('exchange_file_version')
    with op.batch_alter_table('exchange_endpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_endpoint_provider_agency_id'))

    op.drop_table('exchange_endpoint')
