"""Generated texts for fuzzing the channels: words residents type, numbers, commands and deep links, and what breaks
text handling (zero-width and right-to-left marks, astral emoji, combining stacks, control characters, HTML and
format strings, texts longer than a message). Shared by tests/test_fuzz_telegram.py and tests/test_fuzz_matrix.py.
"""

from __future__ import annotations

from hypothesis import strategies as st

BOT_NAME = "QuartiersTestBot"  # the bot's username, which commands and mentions may carry
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u034f", "\u180e"]
BIDI = ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
        "\u2069", "\u061c"]
COMBINING = ["\u0301", "\u0308", "\u0327", "\u036f", "\u20dd", "\u0e49", "\u0301" * 40, "e\u0301", "\u0915\u094d"]
ASTRAL = ["😀", "👩‍👩‍👧‍👦", "🏳️‍🌈", "🇩🇪", "𝕳𝖔𝖗𝖘𝖙", "𓀀", "🫠", "👍🏽", "🧑‍🚀", "\U0010fffd", "\U000e0041"]
CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u2029", "\t", "\r\n", "\r", "\x0b",
           "\x0c", "\ufffd", "\ufffe", "\uffff"]
ODD = ["İ", "ß", "ǅ", "ﬃ", "١٢٣", "۱۲", "१२", "Ⅻ", "①", "０１", "&lt;", "<b>", "</b>", "<a href='x'>", "&", "&amp;",
       "<", ">", '"', "'", "\\", "%s", "{query}", "{0}", "${x}", "'; DROP TABLE residents;--", "\u3000", "\u2003" * 9]
WORDS = ["Deutschkurs", "Tafel", "food bank", "Almanca kursu", "Beratung", "Sprechstunde", "Nummer", "Hilfe",
         "Menü", "menu", "zurück", "Deutsch", "English", "العربية", "Українська", "Türkçe", "Leichte Sprache",
         "Jugend", "Senioren", "Kinder", "curs de germană", "ja", "nein", "weiter", "Weiter ▶", "◀ Zurück", "🏠 Menü"]
NUMBERS = ["0", "1", "2", "3", "4", "5", "7", "9", "10", "12", "20", "-1", "1.", " 2 ", "٣", "١٢", "99999",
           "1" * 40, "0x1", "1e3", "½"]
COMMANDS = ["start", "menu", "help", "offers", "angebote", "language", "lang", "sprache", "survey", "umfrage",
            "events", "termine", "queue", "nummer", "privacy", "datenschutz", "desk", "settings", "stop",
            "unknown_command", "START", "Start", "st", "start_", "a" * 64, "ümlaut", "start-offers", "x"]
DEEP_LINKS = ["offers", "survey", "events", "queue", "privacy", "OFFERS", "offers ", "poster-that-does-not-exist",
              "a" * 64, "b" * 512, "c2VjcmV0", "%00", "../../etc/passwd", "ref_123", "offers survey"]

fragment = st.one_of(
    st.sampled_from(ZERO_WIDTH + BIDI + COMBINING + ASTRAL + CONTROL + ODD),
    st.sampled_from(WORDS), st.text(max_size=10), st.just(" "), st.just("\n"),
)
mixed_text = st.lists(fragment, max_size=8).map("".join)
huge_text = st.tuples(
    st.one_of(st.text(min_size=1, max_size=6), st.sampled_from(ASTRAL + COMBINING + WORDS + ["a ", "\n\n", " "])),
    st.sampled_from([4095, 4096, 4097, 5000, 8192, 20_000]),
).map(lambda unit: (unit[0] * (unit[1] // len(unit[0]) + 1))[: unit[1]])
command_text = st.builds(
    lambda slash, name, bot, arguments: f"{slash}{name}{bot}{arguments}",
    st.sampled_from(["/", "/", "/", "!", "／", " /"]), st.sampled_from(COMMANDS),
    st.sampled_from(["", "", "", f"@{BOT_NAME}", f"@{BOT_NAME.lower()}", "@OtherBot", "@"]),
    st.one_of(st.just(""), st.sampled_from(DEEP_LINKS).map(" ".__add__), mixed_text.map(" ".__add__)),
)
text = st.one_of(
    st.sampled_from(WORDS), st.sampled_from(NUMBERS), command_text, command_text, mixed_text, mixed_text,
    st.text(max_size=40), huge_text, st.sampled_from(["", " ", "\n", "/", "//", "/ start", "@" + BOT_NAME]),
)
short_text = st.one_of(st.sampled_from(WORDS), mixed_text, st.text(max_size=20))
