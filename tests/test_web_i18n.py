"""The back office speaks German completely, with its placeholders intact, from a current catalog."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR
from bot.web.rendering import staff_translator

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle)
                if message.id}


def test_the_staff_template_is_current_and_german_is_complete(tmp_path: Path) -> None:
    output = tmp_path / "staff.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel-staff.cfg",
                    "-k", "N_", "-o", str(output), "."], cwd=ROOT, check=True)
    assert ids(LOCALES_DIR / "staff.pot") == ids(output), "run `make i18n`"
    with (LOCALES_DIR / "de" / "LC_MESSAGES" / "staff.po").open("rb") as handle:
        catalog = read_po(handle, locale="de")
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        source = message.id if isinstance(message.id, tuple) else (message.id,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {source[0]!r}")
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != set(PLACEHOLDER.findall(source[-1])):
                problems.append(f"placeholders differ: {string!r}")
    assert problems == [] and ids(output) <= {message.id if isinstance(message.id, str) else message.id[0]
                                              for message in catalog if message.id}


def test_staff_texts_are_not_in_the_residents_catalogs() -> None:
    residents = ids(LOCALES_DIR / "messages.pot")
    assert "Log out" not in residents and "Audit log" not in residents
    assert staff_translator("de", ZoneInfo("Europe/Berlin")).gettext("Log out") == "Abmelden"
    assert staff_translator("en", ZoneInfo("Europe/Berlin")).gettext("Log out") == "Log out"
