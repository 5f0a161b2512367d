"""Exchange: electronic seals of licence and document records (GZ-23).

- exchange_record_seal: one row per sealed record version (record_id = exchange_record.id): the
  seal's id, the agency, its key id and algorithm, the sealed document exactly as signed, the
  per-item salts and the signature.
- Append-only at the database itself, as the receipt log is (0008): UPDATE and DELETE refused on
  both engines, TRUNCATE on PostgreSQL (GZ-26). No foreign key to exchange_record, which has
  none either (a trigger per row would slow ingest); the only writer is ingest.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 16:00:00
"""
import sqlalchemy as sa
from alembic import op

import govshare.kit.types

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TABLE = "exchange_record_seal"


def upgrade() -> None:
    op.create_table('exchange_record_seal',
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('library_id', sa.Integer(), nullable=False),
    sa.Column('seal_id', sa.String(length=36), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('algorithm', sa.String(length=16), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=False),
    sa.Column('salts', sa.JSON(), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('sealed_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_exchange_record_seal')),
    sa.UniqueConstraint('seal_id', name=op.f('uq_exchange_record_seal_seal_id'))
    )
    with op.batch_alter_table('exchange_record_seal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_record_seal_library_id'), ['library_id'], unique=False)
    _append_only(TABLE)


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
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {TABLE}_no_truncate ON {TABLE}")
        op.execute(f"DROP TRIGGER {TABLE}_no_update ON {TABLE}")
        op.execute(f"DROP FUNCTION {TABLE}_append_only()")
    else:
        op.execute(f"DROP TRIGGER {TABLE}_no_update")
        op.execute(f"DROP TRIGGER {TABLE}_no_delete")
    with op.batch_alter_table('exchange_record_seal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_record_seal_library_id'))
    op.drop_table('exchange_record_seal')
