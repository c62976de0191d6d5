"""Translations remember the German text they were made from, so staff see which are outdated.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels = None
depends_on = None

TABLES = ("category_texts", "offer_texts", "event_texts")


def upgrade() -> None:
    # Null for the texts already there: made before this was kept, they count as current.
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("source_fingerprint", sa.String(length=16), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("source_fingerprint")
