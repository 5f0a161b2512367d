"""Exchange: change feed cursors and push subscriptions (filled in by its work; an empty step until then).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 16:20:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
