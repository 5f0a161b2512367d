"""Evidence: the receipt log (RFC 9162 Merkle tree with SM3) and its signed tree heads.

- evidence_log_leaf: one row per leaf (its leaf hash; the data for leaves the log owns, such as
  audit checkpoints), evidence_log_head: the size, locked by writers.
- evidence_tree_head: tree heads signed with the platform key; evidence_tree_head_timestamp:
  RFC 3161 time stamps over them.
- Leaves, tree heads and time stamps are append-only at the database itself, as the audit chain
  is (0001, 0004): UPDATE and DELETE refused on both engines, TRUNCATE on PostgreSQL (GZ-26).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 14:30:00
"""
import sqlalchemy as sa
from alembic import op

import govshare.kit.types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

APPEND_ONLY = ("evidence_log_leaf", "evidence_tree_head", "evidence_tree_head_timestamp")


def upgrade() -> None:
    op.create_table('evidence_log_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_log_head'))
    )
    op.create_table('evidence_log_leaf',
    sa.Column('leaf_index', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('data', sa.Text(), nullable=True),
    sa.Column('appended_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('leaf_index', name=op.f('pk_evidence_log_leaf'))
    )
    with op.batch_alter_table('evidence_log_leaf', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_log_leaf_kind_leaf_index'), ['kind', 'leaf_index'], unique=False)

    op.create_table('evidence_tree_head',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tree_size', sa.BigInteger(), nullable=False),
    sa.Column('root_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('timestamp', sa.BigInteger(), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('algorithm', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('issued_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_tree_head'))
    )
    with op.batch_alter_table('evidence_tree_head', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_tree_head_tree_size'), ['tree_size'], unique=False)

    op.create_table('evidence_tree_head_timestamp',
    sa.Column('tree_head_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tsa_url', sa.String(length=500), nullable=False),
    sa.Column('token', sa.LargeBinary(), nullable=False),
    sa.Column('gen_time', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tree_head_id'], ['evidence_tree_head.id'], name=op.f('fk_evidence_tree_head_timestamp_tree_head_id_evidence_tree_head')),
    sa.PrimaryKeyConstraint('tree_head_id', name=op.f('pk_evidence_tree_head_timestamp'))
    )
    for table in APPEND_ONLY:
        _append_only(table)


def _append_only(table: str) -> None:
    """Refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE, which fires no row trigger)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{table} is append-only'; END $$;
            CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
              FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
            CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
              FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only();
        """)
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
            """)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        if postgresql:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_update ON {table}")
            op.execute(f"DROP FUNCTION {table}_append_only()")
        else:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
    op.drop_table('evidence_tree_head_timestamp')
    with op.batch_alter_table('evidence_tree_head', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_tree_head_tree_size'))

    op.drop_table('evidence_tree_head')
    with op.batch_alter_table('evidence_log_leaf', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_log_leaf_kind_leaf_index'))

    op.drop_table('evidence_log_leaf')
    op.drop_table('evidence_log_head')
