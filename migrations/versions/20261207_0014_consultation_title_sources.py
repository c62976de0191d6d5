"""A Sprechstunde's titles remember the German title they were made from, so staff see which are outdated.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Null for the titles already there: made before this was kept, they count as current.
    with op.batch_alter_table("consultations") as batch:
        batch.add_column(sa.Column("title_sources", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.drop_column("title_sources")
