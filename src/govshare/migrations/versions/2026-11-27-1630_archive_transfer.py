"""Exchange: yearly transfer of electronic documents to the archive (GZ-15, GD-9).

- exchange_archive_transfer: one row per attempt of an agency-year — the package written (its
  path and SM3, the signed manifest and its SM3, the platform key that signed it), counts, the
  deadline (30 June of the next year), whether it was late, who transferred it and when, the
  archive's receipt, a failure, or the deadline watch's overdue mark.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 16:30:00
"""
import sqlalchemy as sa
from alembic import op

import govshare.kit.types

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange_archive_transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('deadline_date', sa.Date(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('resource_count', sa.Integer(), nullable=False),
    sa.Column('record_count', sa.Integer(), nullable=False),
    sa.Column('file_count', sa.Integer(), nullable=False),
    sa.Column('package_path', sa.String(length=500), nullable=False),
    sa.Column('package_sm3', sa.String(length=64), nullable=False),
    sa.Column('manifest_sm3', sa.String(length=64), nullable=False),
    sa.Column('manifest', sa.Text(), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('transferred_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('transferred_by', sa.String(length=64), nullable=False),
    sa.Column('received_by', sa.String(length=100), nullable=False),
    sa.Column('received_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('receipt_note', sa.Text(), nullable=False),
    sa.Column('failed_reason', sa.Text(), nullable=False),
    sa.Column('overdue_marked_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['directory_agency.id'], name=op.f('fk_exchange_archive_transfer_agency_id_directory_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_archive_transfer')),
    sa.UniqueConstraint('agency_id', 'year', 'attempt', name=op.f('uq_exchange_archive_transfer_agency_id_year_attempt'))
    )
    with op.batch_alter_table('exchange_archive_transfer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_archive_transfer_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_archive_transfer_year'), ['year'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exchange_archive_transfer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_archive_transfer_year'))
        batch_op.drop_index(batch_op.f('ix_exchange_archive_transfer_agency_id'))

    op.drop_table('exchange_archive_transfer')
