"""Catalog search: the published entries as the search shows them, and the full-text index.

The index is engine-specific (see govshare.catalog.search): an FTS5 virtual table on SQLite,
a table of tsvector columns with GIN indexes on PostgreSQL. Both are called catalog_search_fts
and hold the same terms, computed in Python (govshare.catalog.search_terms).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 20:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# contentless (the text is in catalog_search_entry), no positions (queries are ANDs of terms, not
# phrases), no column sizes (ranking is by tier, not bm25): the smallest index that can answer.
SQLITE_FTS = """
CREATE VIRTUAL TABLE catalog_search_fts USING fts5(
    name, body, facets,
    content='', columnsize=0, detail='column', tokenize="ascii tokenchars '_'")
"""
POSTGRES_FTS = [
    """CREATE TABLE catalog_search_fts (
        id integer NOT NULL CONSTRAINT pk_catalog_search_fts PRIMARY KEY,
        name_terms tsvector NOT NULL,
        all_terms tsvector NOT NULL)""",
    "CREATE INDEX ix_catalog_search_fts_name_terms ON catalog_search_fts USING gin (name_terms)",
    "CREATE INDEX ix_catalog_search_fts_all_terms ON catalog_search_fts USING gin (all_terms)",
]


def upgrade() -> None:
    op.create_table('catalog_search_entry',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('resource_code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('item_names', sa.Text(), nullable=False),
    sa.Column('provider_agency_id', sa.Integer(), nullable=False),
    sa.Column('provider_name', sa.String(length=200), nullable=False),
    sa.Column('classification', sa.String(length=16), nullable=False),
    sa.Column('share_type', sa.String(length=16), nullable=False),
    sa.Column('share_mode', sa.String(length=32), nullable=False),
    sa.Column('resource_kind', sa.String(length=16), nullable=False),
    sa.Column('library_group', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_search_entry'))
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_FTS:
            op.execute(statement)
    else:
        op.execute(SQLITE_FTS)


def downgrade() -> None:
    # On SQLite dropping the virtual table drops its shadow tables with it.
    op.execute("DROP TABLE catalog_search_fts")
    op.drop_table('catalog_search_entry')
