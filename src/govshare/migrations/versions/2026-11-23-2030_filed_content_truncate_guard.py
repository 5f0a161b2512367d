"""Entries keep their filed form; TRUNCATE of the audit chain refused on PostgreSQL.

- catalog_entry.filed_content / filed_hash: the entry frozen when it was filed, so compiling a
  shared-catalog version is one INSERT … SELECT (100,000 entries in seconds).
- PostgreSQL's row triggers do not fire on TRUNCATE: a statement trigger closes that way around
  the append-only rule of evidence_audit_event (GZ-26).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:30:45.042234
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('catalog_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filed_content', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('filed_hash', sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE TRIGGER evidence_audit_event_no_truncate BEFORE TRUNCATE
              ON evidence_audit_event FOR EACH STATEMENT
              EXECUTE FUNCTION evidence_audit_event_append_only();
        """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER evidence_audit_event_no_truncate ON evidence_audit_event")
    with op.batch_alter_table('catalog_entry', schema=None) as batch_op:
        batch_op.drop_column('filed_hash')
        batch_op.drop_column('filed_content')
