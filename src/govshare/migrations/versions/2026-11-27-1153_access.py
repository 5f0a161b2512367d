"""Access: requests and their steps, grants, confidentiality agreements, consents, notices, and
the outbox that sends webhooks after commit (issue 4: GZ-19, GZ-21, GZ-25, GD-20 – GD-22, GD-34).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 11:53:59.832299
"""
import sqlalchemy as sa
from alembic import op

import govshare.kit.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kit_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('destination', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=128), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kit_outbox'))
    )
    with op.batch_alter_table('kit_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_kit_outbox_due', ['sent_at', 'next_attempt_at'], unique=False)

    op.create_table('access_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_agency_id', sa.Integer(), nullable=False),
    sa.Column('consumer_agency_id', sa.Integer(), nullable=False),
    sa.Column('resource_codes', sa.JSON(), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('sensitivities', sa.JSON(), nullable=False),
    sa.Column('signed_date', sa.Date(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('document_name', sa.String(length=200), nullable=False),
    sa.Column('document_sm3', sa.String(length=64), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=False),
    sa.Column('secrecy_filing', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('filed_by', sa.String(length=64), nullable=False),
    sa.Column('filed_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consumer_agency_id'], ['directory_agency.id'], name=op.f('fk_access_agreement_consumer_agency_id_directory_agency')),
    sa.ForeignKeyConstraint(['provider_agency_id'], ['directory_agency.id'], name=op.f('fk_access_agreement_provider_agency_id_directory_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_agreement'))
    )
    with op.batch_alter_table('access_agreement', schema=None) as batch_op:
        batch_op.create_index('ix_access_agreement_parties', ['provider_agency_id', 'consumer_agency_id'], unique=False)

    op.create_table('access_notice_hook',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=128), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['directory_agency.id'], name=op.f('fk_access_notice_hook_agency_id_directory_agency')),
    sa.PrimaryKeyConstraint('agency_id', name=op.f('pk_access_notice_hook'))
    )
    op.create_table('access_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requester_agency_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('provider_agency_id', sa.Integer(), nullable=False),
    sa.Column('route', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('since_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('due_provisional', sa.Boolean(), nullable=False),
    sa.Column('resource_code', sa.String(length=32), nullable=True),
    sa.Column('catalog_version_id', sa.Integer(), nullable=True),
    sa.Column('resource_name', sa.String(length=200), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('duty', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('row_scope', sa.JSON(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('created_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['catalog_version_id'], ['catalog_version.id'], name=op.f('fk_access_request_catalog_version_id_catalog_version')),
    sa.ForeignKeyConstraint(['provider_agency_id'], ['directory_agency.id'], name=op.f('fk_access_request_provider_agency_id_directory_agency')),
    sa.ForeignKeyConstraint(['requester_agency_id'], ['directory_agency.id'], name=op.f('fk_access_request_requester_agency_id_directory_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_request'))
    )
    with op.batch_alter_table('access_request', schema=None) as batch_op:
        batch_op.create_index('ix_access_request_due', ['status', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_request_provider_agency_id'), ['provider_agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_request_requester_agency_id'), ['requester_agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_request_resource_code'), ['resource_code'], unique=False)

    op.create_table('access_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('grantee_agency_id', sa.Integer(), nullable=False),
    sa.Column('provider_agency_id', sa.Integer(), nullable=False),
    sa.Column('resource_code', sa.String(length=32), nullable=True),
    sa.Column('resource_name', sa.String(length=200), nullable=False),
    sa.Column('catalog_version_id', sa.Integer(), nullable=True),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('sensitive_items', sa.JSON(), nullable=False),
    sa.Column('row_scope', sa.JSON(), nullable=False),
    sa.Column('division_code', sa.String(length=6), nullable=True),
    sa.Column('duty', sa.Text(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('basis', sa.String(length=40), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('issued_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_by', sa.String(length=64), nullable=True),
    sa.Column('revoked_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revoke_reasons', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['catalog_version_id'], ['catalog_version.id'], name=op.f('fk_access_grant_catalog_version_id_catalog_version')),
    sa.ForeignKeyConstraint(['grantee_agency_id'], ['directory_agency.id'], name=op.f('fk_access_grant_grantee_agency_id_directory_agency')),
    sa.ForeignKeyConstraint(['provider_agency_id'], ['directory_agency.id'], name=op.f('fk_access_grant_provider_agency_id_directory_agency')),
    sa.ForeignKeyConstraint(['request_id'], ['access_request.id'], name=op.f('fk_access_grant_request_id_access_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_grant')),
    sa.UniqueConstraint('request_id', name=op.f('uq_access_grant_request_id'))
    )
    with op.batch_alter_table('access_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_grant_provider_agency_id'), ['provider_agency_id'], unique=False)
        batch_op.create_index('ix_access_grant_use', ['grantee_agency_id', 'resource_code', 'status'], unique=False)

    op.create_table('access_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('read_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['directory_agency.id'], name=op.f('fk_access_notice_agency_id_directory_agency')),
    sa.ForeignKeyConstraint(['request_id'], ['access_request.id'], name=op.f('fk_access_notice_request_id_access_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_notice')),
    sa.UniqueConstraint('agency_id', 'request_id', 'kind', 'due_date', name=op.f('uq_access_notice_agency_id_request_id_kind_due_date'))
    )
    with op.batch_alter_table('access_notice', schema=None) as batch_op:
        batch_op.create_index('ix_access_notice_inbox', ['agency_id', 'read_at'], unique=False)

    op.create_table('access_request_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=False),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('actor_agency_id', sa.Integer(), nullable=True),
    sa.Column('taken_date', sa.Date(), nullable=False),
    sa.Column('taken_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['access_request.id'], name=op.f('fk_access_request_step_request_id_access_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_request_step')),
    sa.UniqueConstraint('request_id', 'seq', name=op.f('uq_access_request_step_request_id_seq'))
    )
    with op.batch_alter_table('access_request_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_request_step_request_id'), ['request_id'], unique=False)

    op.create_table('access_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('given_by', sa.String(length=64), nullable=False),
    sa.Column('given_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['grant_id'], ['access_grant.id'], name=op.f('fk_access_consent_grant_id_access_grant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_consent'))
    )
    with op.batch_alter_table('access_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_consent_grant_id'), ['grant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('access_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_consent_grant_id'))

    op.drop_table('access_consent')
    with op.batch_alter_table('access_request_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_request_step_request_id'))

    op.drop_table('access_request_step')
    with op.batch_alter_table('access_notice', schema=None) as batch_op:
        batch_op.drop_index('ix_access_notice_inbox')

    op.drop_table('access_notice')
    with op.batch_alter_table('access_grant', schema=None) as batch_op:
        batch_op.drop_index('ix_access_grant_use')
        batch_op.drop_index(batch_op.f('ix_access_grant_provider_agency_id'))

    op.drop_table('access_grant')
    with op.batch_alter_table('access_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_request_resource_code'))
        batch_op.drop_index(batch_op.f('ix_access_request_requester_agency_id'))
        batch_op.drop_index(batch_op.f('ix_access_request_provider_agency_id'))
        batch_op.drop_index('ix_access_request_due')

    op.drop_table('access_request')
    op.drop_table('access_notice_hook')
    with op.batch_alter_table('access_agreement', schema=None) as batch_op:
        batch_op.drop_index('ix_access_agreement_parties')

    op.drop_table('access_agreement')
    with op.batch_alter_table('kit_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_kit_outbox_due')

    op.drop_table('kit_outbox')
