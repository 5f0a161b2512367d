"""Foundation: directory, working-day calendar, audit chain.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:38:29.716778
"""
import sqlalchemy as sa
from alembic import op

import govshare.kit.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('directory_division',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_code', sa.String(length=6), nullable=True),
    sa.ForeignKeyConstraint(['parent_code'], ['directory_division.code'], name=op.f('fk_directory_division_parent_code_directory_division')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_directory_division'))
    )
    op.create_table('evidence_audit_event',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('recorded_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.BigInteger(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_evidence_audit_event'))
    )
    with op.batch_alter_table('evidence_audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_audit_event_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_audit_event_event_type'), ['event_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_audit_event_recorded_at'), ['recorded_at'], unique=False)

    op.create_table('evidence_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_chain_head'))
    )
    op.create_table('workdays_day_override',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_working_day', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('entered_by_name', sa.String(length=64), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_workdays_day_override'))
    )
    op.create_table('workdays_declared_year',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('declared_by_name', sa.String(length=64), nullable=False),
    sa.Column('declared_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_workdays_declared_year'))
    )
    op.create_table('directory_agency',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('division_code', sa.String(length=6), nullable=False),
    sa.Column('platform_division_code', sa.String(length=6), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('is_it_authority', sa.Boolean(), nullable=False),
    sa.Column('responsible_name', sa.String(length=64), nullable=False),
    sa.Column('responsible_position', sa.String(length=64), nullable=False),
    sa.Column('responsible_phone', sa.String(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['division_code'], ['directory_division.code'], name=op.f('fk_directory_agency_division_code_directory_division')),
    sa.ForeignKeyConstraint(['parent_id'], ['directory_agency.id'], name=op.f('fk_directory_agency_parent_id_directory_agency')),
    sa.ForeignKeyConstraint(['platform_division_code'], ['directory_division.code'], name=op.f('fk_directory_agency_platform_division_code_directory_division')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_agency')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_directory_agency_credit_code')),
    sa.UniqueConstraint('name', name=op.f('uq_directory_agency_name'))
    )
    with op.batch_alter_table('directory_agency', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_agency_division_code'), ['division_code'], unique=False)

    op.create_table('directory_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['directory_agency.id'], name=op.f('fk_directory_user_agency_id_directory_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_user')),
    sa.UniqueConstraint('username', name=op.f('uq_directory_user_username'))
    )
    with op.batch_alter_table('directory_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_user_agency_id'), ['agency_id'], unique=False)

    op.create_table('directory_api_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('token_prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('roles', sa.String(length=255), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=255), nullable=True),
    sa.Column('last_used_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['directory_agency.id'], name=op.f('fk_directory_api_client_agency_id_directory_agency')),
    sa.ForeignKeyConstraint(['created_by_id'], ['directory_user.id'], name=op.f('fk_directory_api_client_created_by_id_directory_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_api_client')),
    sa.UniqueConstraint('token_prefix', name=op.f('uq_directory_api_client_token_prefix'))
    )
    with op.batch_alter_table('directory_api_client', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_api_client_agency_id'), ['agency_id'], unique=False)

    op.create_table('directory_user_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['directory_user.id'], name=op.f('fk_directory_user_role_user_id_directory_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_user_role')),
    sa.UniqueConstraint('user_id', 'role', name=op.f('uq_directory_user_role_user_id_role'))
    )

    _append_only("evidence_audit_event")


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on an evidence table at the database itself: the platform never
    changes evidence, so anything that tries is an error or an attack (GZ-26)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{table} is append-only'; END $$;
            CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
              FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
        """)
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
            """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER evidence_audit_event_no_update ON evidence_audit_event")
        op.execute("DROP FUNCTION evidence_audit_event_append_only()")
    else:
        op.execute("DROP TRIGGER evidence_audit_event_no_update")
        op.execute("DROP TRIGGER evidence_audit_event_no_delete")
    op.drop_table('directory_user_role')
    with op.batch_alter_table('directory_api_client', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_api_client_agency_id'))

    op.drop_table('directory_api_client')
    with op.batch_alter_table('directory_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_user_agency_id'))

    op.drop_table('directory_user')
    with op.batch_alter_table('directory_agency', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_agency_division_code'))

    op.drop_table('directory_agency')
    op.drop_table('workdays_declared_year')
    op.drop_table('workdays_day_override')
    op.drop_table('evidence_chain_head')
    with op.batch_alter_table('evidence_audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_audit_event_recorded_at'))
        batch_op.drop_index(batch_op.f('ix_evidence_audit_event_event_type'))
        batch_op.drop_index(batch_op.f('ix_evidence_audit_event_agency_id'))

    op.drop_table('evidence_audit_event')
    op.drop_table('directory_division')
