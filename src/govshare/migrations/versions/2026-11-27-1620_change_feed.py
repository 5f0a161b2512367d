"""Exchange: the change feed and its push subscriptions (库表 synchronisation, GD-16).

- ix_exchange_record_library (library_id, id) on exchange_record: the feed reads one library's
  versions in id order after a cursor; without it, a small library among large ones would be
  found by scanning every record after the cursor.
- exchange_subscription: an agency's push subscription to a hosted resource under a grant, with
  its webhook, signing secret, purpose (GD-24), cursor and delivery state.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 16:20:00
"""
import sqlalchemy as sa
from alembic import op

import govshare.kit.types

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('exchange_record', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_record_library', ['library_id', 'id'], unique=False)

    big = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
    op.create_table('exchange_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('resource_code', sa.String(length=32), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=128), nullable=False),
    sa.Column('duty', sa.String(length=200), nullable=False),
    sa.Column('case_number', sa.String(length=64), nullable=False),
    sa.Column('batch_size', sa.Integer(), nullable=False),
    sa.Column('cursor', big, nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('stopped_reason', sa.Text(), nullable=False),
    sa.Column('pending_message_id', sa.Integer(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('pushed_changes', big, nullable=False),
    sa.Column('last_pushed_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_delivered_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['directory_agency.id'], name=op.f('fk_exchange_subscription_agency_id_directory_agency')),
    sa.ForeignKeyConstraint(['grant_id'], ['access_grant.id'], name=op.f('fk_exchange_subscription_grant_id_access_grant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_subscription'))
    )
    with op.batch_alter_table('exchange_subscription', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_subscription_active', ['active', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_subscription_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_subscription_grant_id'), ['grant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exchange_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_subscription_grant_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_subscription_agency_id'))
        batch_op.drop_index('ix_exchange_subscription_active')

    op.drop_table('exchange_subscription')
    with op.batch_alter_table('exchange_record', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_record_library')
