"""Review marks of the survey and the Sprechstunden in the content files (`unreviewed: [ru, pl]`): imported,
exported in the bot's language order, round-tripping, and never a change of what the content says: an answered
survey keeps its version, and a Sprechstunde's titles keep their translation state."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FixedClock
from bot.content.exporter import export_folder
from bot.content.importer import ContentError, ImportReport, import_folder, read_folder
from bot.queue.editing import title_states
from bot.queue.models import Consultation
from bot.surveys.definition import unreviewed_in
from bot.surveys.models import Survey, SurveyResponse
from tests.support.chat import Chat
from tests.support.databases import HORST
from tests.support.queue import sprechstunden
from tests.support.review import SPRECHSTUNDEN_FILE, SURVEY_FILE, mark, marked_copy
from tests.support.survey import SURVEY, answer_survey


def changed(report: ImportReport, kind: str) -> dict[str, int]:
    return {status.split(".", 1)[1]: count for status, count in report.counts.items()
            if status.startswith(f"{kind}.") and count}


async def stored(app: App) -> tuple[Consultation, list[Survey]]:
    async with app.sessions() as session:
        consultation = await session.scalar(select(Consultation).where(Consultation.quarter == "horst"))
        assert consultation is not None
        surveys = list(await session.scalars(select(Survey).where(Survey.quarter == "horst", Survey.key == SURVEY)
                                             .order_by(Survey.version)))
        return consultation, surveys


async def test_marks_are_imported_exported_in_the_bots_order_and_round_trip(own: App, tmp_path: Path,
                                                                         clock: FixedClock) -> None:
    folder = marked_copy(tmp_path / "marked")
    report = await import_folder(own.sessions, folder, "horst", clock)
    assert changed(report, "sprechstunden") == {"updated": 1} and changed(report, "surveys") == {"updated": 1}
    consultation, [survey] = await stored(own)
    assert consultation.unreviewed == ["ru", "pl"]  # written [pl, ru]
    assert unreviewed_in(survey.definition) == ("ru", "pl")

    await export_folder(own.sessions, tmp_path / "export", "horst")
    assert read_folder(tmp_path / "export") == read_folder(folder)
    written = {name: (tmp_path / "export" / name).read_text(encoding="utf-8") for name in (SPRECHSTUNDEN_FILE,
                                                                                          SURVEY_FILE)}
    assert "\n  unreviewed: [ru, pl]\n  place:" in written[SPRECHSTUNDEN_FILE]
    assert "\nexample_data: true\nunreviewed: [ru, pl]\n" in written[SURVEY_FILE]  # retention: the default
    again = await import_folder(own.sessions, tmp_path / "export", "horst", clock)
    assert changed(again, "sprechstunden") == {"unchanged": 1} and changed(again, "surveys") == {"unchanged": 1}

    # The marks taken out of the file again: stored as checked, and the export says nothing of them.
    cleared = await import_folder(own.sessions, HORST, "horst", clock)
    assert changed(cleared, "sprechstunden") == {"updated": 1} and changed(cleared, "surveys") == {"updated": 1}
    consultation, [survey] = await stored(own)
    assert consultation.unreviewed == [] and "unreviewed" not in survey.definition
    await export_folder(own.sessions, tmp_path / "plain", "horst")
    for name in (SPRECHSTUNDEN_FILE, SURVEY_FILE):
        assert "unreviewed" not in (tmp_path / "plain" / name).read_text(encoding="utf-8")


def test_an_entry_without_marks_dumps_as_before_marks_existed_so_its_digest_stays() -> None:
    """The import's digests are hashes of these dumps: a quarter's stored digests stay valid, and its next import
    of an unchanged file says "unchanged"."""
    horst = read_folder(HORST)
    assert horst.sprechstunden is not None and horst.surveys
    for model in (*horst.sprechstunden.sprechstunden, *horst.surveys):
        assert "unreviewed" not in model.model_dump_json()
        assert "unreviewed" in model.model_copy(update={"unreviewed": ("ru",)}).model_dump_json()


async def test_a_changed_mark_keeps_an_answered_survey_version_but_a_changed_question_does_not(
        own: App, tmp_path: Path, clock: FixedClock) -> None:
    await answer_survey(Chat(own, "console", language_hint="de"), {}, stop_before="know_people")
    folder = marked_copy(tmp_path / "marked")
    assert changed(await import_folder(own.sessions, folder, "horst", clock), "surveys") == {"updated": 1}
    mark(folder, survey=("pl",), sprechstunde=("pl", "ru"))  # Russian checked meanwhile
    assert changed(await import_folder(own.sessions, folder, "horst", clock), "surveys") == {"updated": 1}
    _, surveys = await stored(own)
    assert [(survey.version, survey.active, unreviewed_in(survey.definition)) for survey in surveys] == [
        (1, True, ("pl",))]
    async with own.sessions() as session:
        assert await session.scalar(select(func.count(SurveyResponse.id))
                                    .where(SurveyResponse.survey_id == surveys[0].id)) == 1

    # The same import tells a question's new meaning apart: that is a new version.
    path = folder / SURVEY_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("de: Wie lange wohnen Sie schon in Horst?",
                                 "de: Wie lange leben Sie schon in Gelsenkirchen-Horst?", 1), encoding="utf-8")
    assert changed(await import_folder(own.sessions, folder, "horst", clock), "surveys") == {"new_version": 1}
    _, surveys = await stored(own)
    assert [(survey.version, survey.active) for survey in surveys] == [(1, False), (2, True)]
    assert unreviewed_in(surveys[1].definition) == ("pl",)


async def test_a_changed_mark_leaves_the_titles_current(own: App, tmp_path: Path, clock: FixedClock) -> None:
    before, _ = await stored(own)
    await import_folder(own.sessions, marked_copy(tmp_path / "marked"), "horst", clock)
    after, _ = await stored(own)
    assert after.unreviewed == ["ru", "pl"] and after.titles == before.titles
    assert after.title_sources == before.title_sources and title_states(after) == title_states(before)
    assert after.content_hash != before.content_hash  # the file says something new, so the import stored it


def test_marks_that_do_not_fit_are_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"unreviewed: no title in uk"):
        sprechstunden(unreviewed=["ro", "uk"])  # titles in de, en and ro only
    with pytest.raises(ValidationError, match=r"listed twice: ro"):
        sprechstunden(unreviewed=["ro", "ro"])
    with pytest.raises(ContentError) as refused:
        read_folder(marked_copy(tmp_path / "marked", survey=("ru", "xx")))
    assert any("unreviewed" in error and "xx" in error for error in refused.value.errors), refused.value.errors
