"""The desk in the browser: walk-in numbers remember the form that asked for them, and the waiting-room
screen's link.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queue_tickets") as batch:
        batch.add_column(sa.Column("walk_in_key", sa.String(length=32), nullable=True))
        batch.create_unique_constraint(batch.f("uq_queue_tickets_session_id_walk_in_key"),
                                       ["session_id", "walk_in_key"])
    op.create_table(
        "waiting_room_screens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waiting_room_screens")),
        sa.UniqueConstraint("quarter", name=op.f("uq_waiting_room_screens_quarter")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_waiting_room_screens_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("waiting_room_screens")
    with op.batch_alter_table("queue_tickets") as batch:
        batch.drop_constraint(batch.f("uq_queue_tickets_session_id_walk_in_key"), type_="unique")
        batch.drop_column("walk_in_key")
