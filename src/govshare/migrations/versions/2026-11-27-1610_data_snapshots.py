"""Evidence: data snapshots of licence and document queries (GZ-23).

- evidence_snapshot: one row per snapshot — who asked, for which case, under which grant, and
  `data`, the RFC 8785 bytes that become a leaf of the receipt log; `leaf_index` stays empty until
  the worker appends the snapshot (a partial index finds those rows).
- evidence_snapshot_subject: the SM3 digests of the subjects a snapshot names, for search.
- Append-only at the database itself, as the receipt log is (0008): DELETE refused on both
  engines, TRUNCATE on PostgreSQL; UPDATE refused except to set an empty `leaf_index` once,
  every other column unchanged.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 16:10:00
"""
import sqlalchemy as sa
from alembic import op

import govshare.kit.types

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

KEPT = ("id", "taken_at", "kind", "agency_id", "actor_kind", "actor_id", "actor", "resource_code",
        "grant_id", "case_number", "query_log_id", "data", "leaf_hash")


def upgrade() -> None:
    op.create_table('evidence_snapshot',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('taken_at', govshare.kit.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('resource_code', sa.String(length=64), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=True),
    sa.Column('case_number', sa.String(length=64), nullable=False),
    sa.Column('query_log_id', sa.BigInteger(), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('leaf_index', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_snapshot'))
    )
    with op.batch_alter_table('evidence_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_snapshot_agency_id_taken_at'), ['agency_id', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_snapshot_actor_taken_at'), ['actor', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_snapshot_resource_code_taken_at'), ['resource_code', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_snapshot_taken_at'), ['taken_at'], unique=False)
        batch_op.create_index('ix_evidence_snapshot_pending', ['id'], unique=False,
                              postgresql_where=sa.text('leaf_index IS NULL'),
                              sqlite_where=sa.text('leaf_index IS NULL'))

    op.create_table('evidence_snapshot_subject',
    sa.Column('snapshot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subject_digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['evidence_snapshot.id'], name=op.f('fk_evidence_snapshot_subject_snapshot_id_evidence_snapshot')),
    sa.PrimaryKeyConstraint('snapshot_id', 'subject_digest', name=op.f('pk_evidence_snapshot_subject'))
    )
    with op.batch_alter_table('evidence_snapshot_subject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_snapshot_subject_subject_digest_snapshot_id'), ['subject_digest', 'snapshot_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        _postgresql_guards()
    else:
        _sqlite_guards()


def _postgresql_guards() -> None:
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in KEPT)
    op.execute(f"""
        CREATE FUNCTION evidence_snapshot_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND OLD.leaf_index IS NULL AND NEW.leaf_index IS NOT NULL
             AND NOT ({changed}) THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'evidence_snapshot is append-only (only an empty leaf_index may be set, once)';
        END $$;
        CREATE TRIGGER evidence_snapshot_no_change BEFORE UPDATE OR DELETE ON evidence_snapshot
          FOR EACH ROW EXECUTE FUNCTION evidence_snapshot_guard();
        CREATE TRIGGER evidence_snapshot_no_truncate BEFORE TRUNCATE ON evidence_snapshot
          FOR EACH STATEMENT EXECUTE FUNCTION evidence_snapshot_guard();
        CREATE FUNCTION evidence_snapshot_subject_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'evidence_snapshot_subject is append-only'; END $$;
        CREATE TRIGGER evidence_snapshot_subject_no_update BEFORE UPDATE OR DELETE
          ON evidence_snapshot_subject FOR EACH ROW EXECUTE FUNCTION evidence_snapshot_subject_append_only();
        CREATE TRIGGER evidence_snapshot_subject_no_truncate BEFORE TRUNCATE ON evidence_snapshot_subject
          FOR EACH STATEMENT EXECUTE FUNCTION evidence_snapshot_subject_append_only();
    """)


def _sqlite_guards() -> None:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in KEPT)
    op.execute(f"""
        CREATE TRIGGER evidence_snapshot_no_update BEFORE UPDATE ON evidence_snapshot
        WHEN OLD.leaf_index IS NOT NULL OR NEW.leaf_index IS NULL OR {changed}
        BEGIN SELECT RAISE(ABORT, 'evidence_snapshot is append-only (only an empty leaf_index may be set, once)'); END;
    """)
    op.execute("""
        CREATE TRIGGER evidence_snapshot_no_delete BEFORE DELETE ON evidence_snapshot
        BEGIN SELECT RAISE(ABORT, 'evidence_snapshot is append-only'); END;
    """)
    for action in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER evidence_snapshot_subject_no_{action.lower()} BEFORE {action}
            ON evidence_snapshot_subject
            BEGIN SELECT RAISE(ABORT, 'evidence_snapshot_subject is append-only'); END;
        """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER evidence_snapshot_subject_no_truncate ON evidence_snapshot_subject")
        op.execute("DROP TRIGGER evidence_snapshot_subject_no_update ON evidence_snapshot_subject")
        op.execute("DROP FUNCTION evidence_snapshot_subject_append_only()")
        op.execute("DROP TRIGGER evidence_snapshot_no_truncate ON evidence_snapshot")
        op.execute("DROP TRIGGER evidence_snapshot_no_change ON evidence_snapshot")
        op.execute("DROP FUNCTION evidence_snapshot_guard()")
    else:
        for trigger in ("evidence_snapshot_subject_no_update", "evidence_snapshot_subject_no_delete",
                        "evidence_snapshot_no_update", "evidence_snapshot_no_delete"):
            op.execute(f"DROP TRIGGER {trigger}")
    with op.batch_alter_table('evidence_snapshot_subject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_snapshot_subject_subject_digest_snapshot_id'))

    op.drop_table('evidence_snapshot_subject')
    with op.batch_alter_table('evidence_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_snapshot_pending', postgresql_where=sa.text('leaf_index IS NULL'),
                            sqlite_where=sa.text('leaf_index IS NULL'))
        batch_op.drop_index(batch_op.f('ix_evidence_snapshot_taken_at'))
        batch_op.drop_index(batch_op.f('ix_evidence_snapshot_resource_code_taken_at'))
        batch_op.drop_index(batch_op.f('ix_evidence_snapshot_actor_taken_at'))
        batch_op.drop_index(batch_op.f('ix_evidence_snapshot_agency_id_taken_at'))

    op.drop_table('evidence_snapshot')
