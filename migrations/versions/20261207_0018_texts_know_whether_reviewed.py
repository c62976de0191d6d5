"""Texts of categories, offers and events know whether a native speaker has checked them.

A translation made with machine help or by someone who does not speak the language natively is imported
with `reviewed: false`, so the back office can list what still needs a native speaker. Texts stored
before count as checked.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels = None
depends_on = None

TABLES = ("category_texts", "offer_texts", "event_texts")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("reviewed", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("reviewed")
