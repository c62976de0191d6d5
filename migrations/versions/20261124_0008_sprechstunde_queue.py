"""The Sprechstunde queue: consultation hours, their sessions, and the tickets taken

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 08:18:19.044236
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("ticket_prefix", sa.String(length=3), nullable=False),
        sa.Column("desks", sa.Integer(), nullable=False),
        sa.Column("numbers_before_minutes", sa.Integer(), nullable=False),
        sa.Column("no_show_minutes", sa.Integer(), nullable=False),
        sa.Column("late_minutes", sa.Integer(), nullable=False),
        sa.Column("minutes_per_person", sa.Integer(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("weekly", sa.JSON(), nullable=False),
        sa.Column("closed_dates", sa.JSON(), nullable=False),
        sa.Column("example_data", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
        sa.UniqueConstraint("quarter", "key", name=op.f("uq_consultations_quarter_key")),
    )
    op.create_table(
        "queue_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ad_hoc", sa.Boolean(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("links_removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_queue_sessions_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_sessions")),
        sa.UniqueConstraint("consultation_id", "starts_at", name=op.f("uq_queue_sessions_consultation_id_starts_at")),
    )
    with op.batch_alter_table("queue_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_queue_sessions_day"), ["day"], unique=False)

    op.create_table(
        "queue_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("walk_in", sa.Boolean(), nullable=False),
        sa.Column("topic", sa.String(length=30), nullable=False),
        sa.Column("interpreter", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_called_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("desk", sa.Integer(), nullable=True),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("soon_notified", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_queue_tickets_resident_id_residents"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["queue_sessions.id"],
            name=op.f("fk_queue_tickets_session_id_queue_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_tickets")),
        sa.UniqueConstraint("session_id", "number", name=op.f("uq_queue_tickets_session_id_number")),
    )
    with op.batch_alter_table("queue_tickets", schema=None) as batch_op:
        batch_op.create_index("ix_queue_tickets_resident_status", ["resident_id", "status"], unique=False)
        batch_op.create_index("ix_queue_tickets_session_status", ["session_id", "status", "number"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("queue_tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_tickets_session_status")
        batch_op.drop_index("ix_queue_tickets_resident_status")

    op.drop_table("queue_tickets")
    with op.batch_alter_table("queue_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_queue_sessions_day"))

    op.drop_table("queue_sessions")
    op.drop_table("consultations")
