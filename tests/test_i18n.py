"""Every enabled language is complete; placeholders survive translation; Arabic reads RTL;
dates and numbers follow the resident's locale."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from gettext import c2py
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.conversation.context import isolate_direction
from bot.conversation.messages import Choice, Reply
from bot.i18n import LOCALES_DIR, RLM, Translator, fill
from bot.languages import BY_CODE, LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = [language.code for language in LANGUAGES if language.code != "en"]
PLACEHOLDER = re.compile(r"\{\w+\}")


def _catalog_ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {message.id if isinstance(message.id, str) else message.id[0] for message in catalog if message.id}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The messages the code uses now, extracted afresh (a stale .pot must not hide new ones)."""
    output = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-k", "N_",
         "-o", str(output), "."],
        cwd=ROOT, check=True,
    )
    return _catalog_ids(output)


def test_the_committed_template_is_current(template: set[str]) -> None:
    assert _catalog_ids(LOCALES_DIR / "messages.pot") == template, "run `make i18n`"


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated_with_its_placeholders(code: str, template: set[str]) -> None:
    path = LOCALES_DIR / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    problems = []
    present = set()
    rule = c2py(catalog.plural_expr)
    numbers_of_form: dict[int, set[int]] = {}
    for number in range(1001):
        numbers_of_form.setdefault(rule(number), set()).add(number)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        present.add(ids[0])
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {ids[0]!r}")
        if isinstance(message.id, tuple) and len(strings) != catalog.num_plurals:
            problems.append(f"plural forms {len(strings)} != {catalog.num_plurals}: {ids[0]!r}")
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for form, string in enumerate(strings):
            found = set(PLACEHOLDER.findall(string))
            # A plural form for one number only (Arabic's dual, "two days") may say the number in its word.
            alone = isinstance(message.id, tuple) and len(numbers_of_form.get(form, ())) == 1
            if found != expected and not (alone and found < expected):
                problems.append(f"placeholders differ in {string!r} for {ids[0]!r}")
    problems += [f"missing: {missing!r}" for missing in sorted(template - present)]
    assert problems == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_plural_forms_are_babels_rule_for_the_language(code: str) -> None:
    """The header decides which msgstr a number gets: it must be the CLDR rule that tools generate, or
    translators who fill the forms in the usual order write the wrong text for some numbers."""
    with (LOCALES_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=code)
    rule = get_plural(BY_CODE[code].babel_locale)
    assert catalog.num_plurals == rule.num_plurals
    ours, cldr = c2py(catalog.plural_expr), c2py(rule.plural_expr)
    assert [ours(n) for n in range(1001)] == [cldr(n) for n in range(1001)]


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_are_really_used_at_run_time(code: str) -> None:
    translator = Translator.for_language(code, ZoneInfo("Europe/Berlin"))
    assert translator.gettext("What do you need? Tap a button or type its number.") != \
        "What do you need? Tap a button or type its number."


def test_right_to_left_replies_give_every_line_an_rtl_mark() -> None:
    reply = isolate_direction(Reply("Deutschkurs\n09:00–12:00", (Choice("Tafel", "offers:home"),),
                                    title="Kurs", right_to_left=True))
    assert all(line.startswith(RLM) for line in reply.text.split("\n"))
    assert reply.title.startswith(RLM) and reply.choices[0].label.startswith(RLM)
    assert reply.choices[0].payload == "offers:home"
    left = Reply("Deutschkurs")
    assert isolate_direction(left) == left


def test_dates_times_and_numbers_follow_the_locale() -> None:
    zone = ZoneInfo("Europe/Berlin")
    moment = dt.datetime(2026, 3, 29, 8, 30, tzinfo=dt.UTC)  # 10:30 in Berlin (summer time)
    german, english = Translator.for_language("de", zone), Translator.for_language("en", zone)
    arabic = Translator.for_language("ar", zone)
    assert german.time(german.local(moment)) == "10:30"
    assert german.datetime(moment, "short") == "29.03.26, 10:30"
    assert german.weekday(0) == "Montag" and english.weekday(0) == "Monday"
    assert german.number(1234.5) == "1.234,5" and english.number(1234.5) == "1,234.5"
    assert german.language_name("tr") == "Türkisch"
    assert german.join(["Deutsch", "Arabisch", "Türkisch"]) == "Deutsch, Arabisch und Türkisch"
    assert arabic.weekday(0) != "Monday" and arabic.right_to_left


def test_arabic_counts_keep_their_noun_form() -> None:
    """11–99 take the singular accusative (مقعدًا), 100–102 the singular (مقعد): CLDR's "many" and "other"."""
    arabic = Translator.for_language("ar", ZoneInfo("Europe/Berlin"))
    def seats(count: int) -> str:
        return arabic.ngettext("Registration needed: {count} seat left.", "Registration needed: {count} seats left.",
                               count)
    assert "مقعدًا" in seats(11) and "مقعدًا" in seats(99)
    assert "مقعدًا" not in seats(100) and "مقعد" in seats(102)


def test_the_arabic_dual_says_the_number_without_a_digit() -> None:
    """ "2 دقيقتين" reads "2 two-minutes": where the form for two has its own word (the dual), no digit."""
    with (LOCALES_DIR / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ar")
    two = c2py(catalog.plural_expr)(2)
    duals = [message.string[two] for message in catalog if isinstance(message.id, tuple)
             and message.string[two] != message.string[c2py(catalog.plural_expr)(3)]]
    assert duals, "the dual forms were expected to differ from the plural"
    assert [dual for dual in duals if PLACEHOLDER.search(dual)] == []
    arabic = Translator.for_language("ar", ZoneInfo("Europe/Berlin"))
    assert arabic.ngettext("{count} offer", "{count} offers", 2).format(count=2) == "خدمتان"


def test_right_to_left_buttons_get_mirrored_arrows_once() -> None:
    reply = Reply("…", (Choice("◀ رجوع", "back"), Choice("الصفحة التالية ▶", "offers:p:2"), Choice("⏭ تخطي", "s")),
                  right_to_left=True)
    once = isolate_direction(reply)
    assert [choice.label for choice in once.choices] == [RLM + "▶ رجوع", RLM + "الصفحة التالية ◀", RLM + "⏮ تخطي"]
    assert isolate_direction(once) == once  # a notice isolated twice keeps its arrows
    assert isolate_direction(Reply("…", (Choice("◀ Back", "back"),))).choices[0].label == "◀ Back"


def test_a_date_that_ends_with_a_full_stop_takes_the_sentence_s_one() -> None:
    ukrainian = Translator.for_language("uk", ZoneInfo("Europe/Berlin"))
    day = ukrainian.date(dt.date(2027, 2, 26))
    assert day.endswith("р.")
    assert fill(ukrainian.gettext("Runs until {date}."), date=day) == f"Триває до {day}"
    assert fill("Bis {date}.", date="26.02.2027") == "Bis 26.02.2027."
    assert fill("{a}. {a}.", a="x.") == "x. x."


# One form of address per language: Romanian "dumneavoastră", Polish "Państwo" or impersonal ("Proszę wybrać"),
# Ukrainian and Russian "ви"/"вы" in lower case inside a sentence. Buttons may be short imperatives ("✍ Napisz").
MIXED_ADDRESS = {
    "ro": re.compile(r"\b(tu|tine|tău|tale|tăi|poți|vrei|ești|apasă|atinge)\b", re.IGNORECASE),
    "pl": re.compile(r"\b(ty|ciebie|tobie|cię|twój|twoja|twoje|twoich|twoim|twoją|możesz|masz|chcesz|jesteś|spróbuj|"
                     r"poprosisz)\b|(?<=[a-ząćęłńóśźż] )(wybierz|napisz|wpisz|kliknij|dotknij)\b", re.IGNORECASE),
    "uk": re.compile(r"(?<=[^\s.!?:…»\"“„(—–•-])\s+(Ви|Ваш\w*|Вам\w*|Вас|Вами)\b"),
    "ru": re.compile(r"(?<=[^\s.!?:…»\"“„(—–•-])\s+(Вы|Ваш\w*|Вам\w*|Вас|Вами)\b"),
}


@pytest.mark.parametrize("code", sorted(MIXED_ADDRESS))
def test_one_form_of_address_per_language(code: str) -> None:
    with (LOCALES_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=code)
    mixed = [string for message in catalog if message.id
             for string in (message.string if isinstance(message.string, tuple) else (message.string,))
             if MIXED_ADDRESS[code].search(string)]
    assert mixed == []


def _texts_in(node: object, code: str, inside: bool = False) -> list[str]:
    """Every string a content file holds in language `code` (a `code:` key's text, or the texts under it)."""
    if isinstance(node, str):
        return [node] if inside else []
    if isinstance(node, list):
        return [text for item in node for text in _texts_in(item, code, inside)]
    if isinstance(node, dict):
        return [text for key, value in node.items() for text in _texts_in(value, code, inside or key == code)]
    return []


@pytest.mark.parametrize("code", sorted(MIXED_ADDRESS))
def test_the_content_keeps_the_form_of_address_of_the_screens(code: str) -> None:
    """Offers, events, the survey and the Sprechstunde texts speak to residents as the screens do."""
    folder = Path(__file__).resolve().parents[1] / "content" / "horst"
    mixed = [f"{path.name}: {text}" for path in sorted(folder.glob("*.yaml")) if path.name != "needs.yaml"
             for text in _texts_in(yaml.safe_load(path.read_text(encoding="utf-8")), code)
             if MIXED_ADDRESS[code].search(text)]
    assert mixed == []
