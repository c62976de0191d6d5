"""The Horst example with review marks: its folder copied, and the survey and the Sprechstunde marked as translated
by machine in some languages (`unreviewed`), as a file of a quarter that used machine help would say it."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.databases import HORST

SURVEY_FILE, SPRECHSTUNDEN_FILE = "bedarfsabfrage.yaml", "sprechstunden.yaml"


def mark(folder: Path, survey: tuple[str, ...] = (), sprechstunde: tuple[str, ...] = ()) -> Path:
    """Mark `folder`'s survey and Sprechstunde (a copy of Horst's) in these languages, in the order given; none:
    no mark at all, as in the example."""
    survey_path, hours_path = folder / SURVEY_FILE, folder / SPRECHSTUNDEN_FILE
    survey_text = (HORST / SURVEY_FILE).read_text(encoding="utf-8")
    hours_text = (HORST / SPRECHSTUNDEN_FILE).read_text(encoding="utf-8")
    if survey:
        survey_text = _insert(survey_text, "retention_months: 24\n", f"unreviewed: [{', '.join(survey)}]\n")
    if sprechstunde:
        hours_text = _insert(hours_text, "    place:", f"    unreviewed: [{', '.join(sprechstunde)}]\n")
    survey_path.write_text(survey_text, encoding="utf-8")
    hours_path.write_text(hours_text, encoding="utf-8")
    return folder


def marked_copy(target: Path, survey: tuple[str, ...] = ("ru", "pl"), sprechstunde: tuple[str, ...] = ("pl", "ru")
                ) -> Path:
    """A copy of the Horst folder at `target`, marked (see `mark`). The Sprechstunde's languages are given out of
    the bot's order on purpose: the order written must not matter."""
    shutil.copytree(HORST, target)
    return mark(target, survey, sprechstunde)


def _insert(text: str, before: str, line: str) -> str:
    """`line` inserted at `before` (after it if `before` ends a line), which must occur exactly once."""
    assert text.count(before) == 1, before
    at = text.index(before) + (len(before) if before.endswith("\n") else 0)
    return text[:at] + line + text[at:]
