"""A Sprechstunde knows which of its titles a native speaker should still check.

`unreviewed: [ru, pl]` in sprechstunden.yaml marks titles made with machine help or not by a native speaker,
as `reviewed: false` does for a text of an offer, category or event (0018). Titles stored before count as
checked. (A survey's mark lives in its stored definition, which is the survey file itself, so it needs no
column.)

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.add_column(sa.Column("unreviewed", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.drop_column("unreviewed")
