"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 03:45:37.044235
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("icon", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("example_data", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("quarter", "key", name=op.f("uq_categories_quarter_key")),
    )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_categories_quarter"), ["quarter"], unique=False)

    op.create_table(
        "residents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("channel_user_id", sa.String(length=255), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint("channel", "channel_user_id", name=op.f("uq_residents_channel_channel_user_id")),
    )
    op.create_table(
        "unmet_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=40), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unmet_searches")),
    )
    with op.batch_alter_table("unmet_searches", schema=None) as batch_op:
        batch_op.create_index("ix_unmet_searches_quarter_created", ["quarter", "created_at"], unique=False)

    op.create_table(
        "category_texts",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("synonyms", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_category_texts_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("category_id", "language", name=op.f("pk_category_texts")),
    )
    op.create_table(
        "conversation_states",
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_conversation_states_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resident_id", "flow", name=op.f("pk_conversation_states")),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=120), nullable=False),
        sa.Column("street", sa.String(length=120), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=80), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=False),
        sa.Column("website", sa.String(length=200), nullable=False),
        sa.Column("by_appointment", sa.Boolean(), nullable=False),
        sa.Column("temporarily_closed", sa.Boolean(), nullable=False),
        sa.Column("closed_dates", sa.JSON(), nullable=False),
        sa.Column("barrier_free", sa.String(length=8), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("cost", sa.String(length=10), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("example_data", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_offers_category_id_categories"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint("quarter", "key", name=op.f("uq_offers_quarter_key")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_quarter"), ["quarter"], unique=False)

    op.create_table(
        "offer_texts",
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("cost_note", sa.String(length=200), nullable=False),
        sa.Column("hours_note", sa.String(length=200), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_offer_texts_offer_id_offers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("offer_id", "language", name=op.f("pk_offer_texts")),
    )
    op.create_table(
        "opening_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens_minute", sa.Integer(), nullable=False),
        sa.Column("closes_minute", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_opening_slots_offer_id_offers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_slots")),
    )
    with op.batch_alter_table("opening_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opening_slots_offer_id"), ["offer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("opening_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opening_slots_offer_id"))

    op.drop_table("opening_slots")
    op.drop_table("offer_texts")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_quarter"))
        batch_op.drop_index(batch_op.f("ix_offers_category_id"))

    op.drop_table("offers")
    op.drop_table("conversation_states")
    op.drop_table("category_texts")
    with op.batch_alter_table("unmet_searches", schema=None) as batch_op:
        batch_op.drop_index("ix_unmet_searches_quarter_created")

    op.drop_table("unmet_searches")
    op.drop_table("residents")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_categories_quarter"))

    op.drop_table("categories")
