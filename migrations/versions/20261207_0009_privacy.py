"""Privacy: anonymous survey responses, participation apart, unmet searches per week, consents

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 07:00:00

Survey responses get random ids and a resident link that exists only while they are in
progress; the keyed token goes (and with it the server secret). Existing responses are moved
over: completed ones keep no link (their residents may answer the same version once more,
since which resident gave them cannot be told), unfinished ones lose theirs and stay as
anonymous partial answers; completed dates are coarsened to the month. Responses and answers
are rebuilt rather than altered in place: on SQLite, recreating a table that others reference
with cascading deletes would delete the answers with it.

Unmet searches become counts per week, words and language, without ids or times. Sign-ups get
the resident link (new ones; for erasure and "my data"), topic subscriptions the version of the
consent text, and event registrations may lose their resident after the event.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections import Counter
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RANDOM_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _random_id() -> int:
    return secrets.randbelow(2**53 - 1) + 1


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def upgrade() -> None:
    _rebuild_survey_responses()
    _rebuild_unmet_searches()
    with op.batch_alter_table("survey_signups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resident_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_survey_signups_resident_id"), ["resident_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_survey_signups_resident_id_residents"), "residents",
                                    ["resident_id"], ["id"], ondelete="CASCADE")
    with op.batch_alter_table("topic_subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("event_registrations", schema=None) as batch_op:
        batch_op.alter_column("resident_id", existing_type=sa.Integer(), nullable=True)


def _rebuild_survey_responses() -> None:
    connection = op.get_bind()
    responses = connection.execute(sa.text(
        "SELECT id, survey_id, language, started_on, updated_on, completed_on FROM survey_responses")).all()
    answers = connection.execute(sa.text(
        "SELECT response_id, question, status, value, text_language FROM survey_answers")).all()
    op.drop_table("survey_answers")
    op.drop_table("survey_responses")
    responses_table = op.create_table(
        "survey_responses",
        sa.Column("id", RANDOM_ID, autoincrement=False, nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name=op.f("fk_survey_responses_resident_id_residents"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], name=op.f("fk_survey_responses_survey_id_surveys"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("survey_id", "resident_id", name=op.f("uq_survey_responses_survey_id_resident_id")),
    )
    op.create_index(op.f("ix_survey_responses_survey_id"), "survey_responses", ["survey_id"], unique=False)
    op.create_index(op.f("ix_survey_responses_resident_id"), "survey_responses", ["resident_id"], unique=False)
    op.create_index(op.f("ix_survey_responses_updated_on"), "survey_responses", ["updated_on"], unique=False)
    answers_table = op.create_table(
        "survey_answers",
        sa.Column("response_id", RANDOM_ID, nullable=False),
        sa.Column("question", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("text_language", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["response_id"], ["survey_responses.id"],
                                name=op.f("fk_survey_answers_response_id_survey_responses"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("response_id", "question", name=op.f("pk_survey_answers")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "survey_participations",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name=op.f("fk_survey_participations_resident_id_residents"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"],
                                name=op.f("fk_survey_participations_survey_id_surveys"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("survey_id", "resident_id", name=op.f("pk_survey_participations")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_survey_participations_resident_id"), "survey_participations", ["resident_id"],
                    unique=False)
    new_ids = {row.id: _random_id() for row in responses}
    moved = []
    for row in responses:
        started, updated = _as_date(row.started_on), _as_date(row.updated_on)
        completed = _as_date(row.completed_on) if row.completed_on is not None else None
        if completed is not None:
            started = updated = completed = completed.replace(day=1)
        moved.append({"id": new_ids[row.id], "survey_id": row.survey_id, "resident_id": None,
                      "language": row.language, "started_on": started, "updated_on": updated,
                      "completed_on": completed})
    if moved:
        op.bulk_insert(responses_table, sorted(moved, key=lambda row: row["id"]))
    kept = [{"response_id": new_ids[row.response_id], "question": row.question, "status": row.status,
             "value": row.value if not isinstance(row.value, str) else _json(row.value),
             "text_language": row.text_language} for row in answers if row.response_id in new_ids]
    if kept:
        op.bulk_insert(answers_table, sorted(kept, key=lambda row: (row["response_id"], row["question"])))


def _json(stored: str) -> Any:
    """A plain SELECT hands JSON columns back as text."""
    try:
        return json.loads(stored)
    except ValueError:
        return stored


def _rebuild_unmet_searches() -> None:
    connection = op.get_bind()
    searches = connection.execute(sa.text("SELECT quarter, text, language, created_at FROM unmet_searches")).all()
    with op.batch_alter_table("unmet_searches", schema=None) as batch_op:
        batch_op.drop_index("ix_unmet_searches_quarter_created")
    op.drop_table("unmet_searches")
    table = op.create_table(
        "unmet_searches",
        sa.Column("quarter", sa.String(length=40), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("quarter", "week", "language", "text", name=op.f("pk_unmet_searches")),
        sqlite_with_rowid=False,
    )
    counts: Counter[tuple[str, dt.date, str, str]] = Counter()
    for row in searches:
        day = _as_date(row.created_at)
        counts[(row.quarter, day - dt.timedelta(days=day.weekday()), row.language, row.text)] += 1
    if counts:
        op.bulk_insert(table, [{"quarter": quarter, "week": week, "language": language, "text": text, "count": count}
                               for (quarter, week, language, text), count in sorted(counts.items())])


def downgrade() -> None:
    raise NotImplementedError("the privacy migration removes links on purpose and cannot be undone")
