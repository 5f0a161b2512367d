"""Exchange: hosted libraries (库表, GD-16) — the library of a resource, the loads into it, and the
records, one row per version, append-only, found by (library, subject, id) (issue 5, GZ-16, GZ-17).

exchange_record has no foreign keys on purpose (PostgreSQL would check them with a trigger per
row, halving the ingest rate); its only writer is exchange.ingest_service. Its subject column is
COLLATE "C" on PostgreSQL: only equality is asked, and byte comparison keeps index work cheap
under a zh_CN locale.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 13:00:00
"""
import sqlalchemy as sa
from alembic import op

import govshare.kit.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange_library',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_code', sa.String(length=32), nullable=False),
    sa.Column('provider_agency_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('subject_key', sa.String(length=24), nullable=False),
    sa.Column('subject_item', sa.String(length=100), nullable=False),
    sa.Column('version_count', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subject_count', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_load_id', sa.Integer(), nullable=True),
    sa.Column('last_load_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_agency_id'], ['directory_agency.id'], name=op.f('fk_exchange_library_provider_agency_id_directory_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_library')),
    sa.UniqueConstraint('resource_code', name=op.f('uq_exchange_library_resource_code'))
    )
    with op.batch_alter_table('exchange_library', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_library_provider_agency_id'), ['provider_agency_id'], unique=False)

    op.create_table('exchange_load',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('library_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('catalog_version_id', sa.Integer(), nullable=False),
    sa.Column('deadline_class', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('loaded_by', sa.String(length=64), nullable=False),
    sa.Column('loaded_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('record_count', sa.Integer(), nullable=False),
    sa.Column('new_subject_count', sa.Integer(), nullable=False),
    sa.Column('late_count', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('request_digest', sa.String(length=64), nullable=True),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['directory_agency.id'], name=op.f('fk_exchange_load_agency_id_directory_agency')),
    sa.ForeignKeyConstraint(['library_id'], ['exchange_library.id'], name=op.f('fk_exchange_load_library_id_exchange_library')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_load')),
    sa.UniqueConstraint('agency_id', 'idempotency_key', name=op.f('uq_exchange_load_agency_id_idempotency_key'))
    )
    with op.batch_alter_table('exchange_load', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_load_library', ['library_id', 'id'], unique=False)

    op.create_table('exchange_record',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('library_id', sa.Integer(), nullable=False),
    sa.Column('load_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=64).with_variant(sa.String(length=64, collation='C'), 'postgresql'), nullable=False),
    sa.Column('produced_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('valid_from', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('loaded_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('division_code', sa.String(length=6), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_record'))
    )
    with op.batch_alter_table('exchange_record', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_record_subject', ['library_id', 'subject', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exchange_record', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_record_subject')
    op.drop_table('exchange_record')
    with op.batch_alter_table('exchange_load', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_load_library')
    op.drop_table('exchange_load')
    with op.batch_alter_table('exchange_library', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_library_provider_agency_id'))
    op.drop_table('exchange_library')
