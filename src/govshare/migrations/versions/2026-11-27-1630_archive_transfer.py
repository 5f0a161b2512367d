"""Exchange: yearly transfer of electronic documents to the archive (GZ-15, GD-9) (filled in by its work; an empty step until then).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 16:30:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
