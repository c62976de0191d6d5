"""Greetings and thanks are not searches: "hallo", "merhaba", "привіт", "مرحبا", "danke", "dziękuję".

Typed on their own, they used to answer "I found no offer for „hallo“". The free-text handler
asks `is_small_talk` first and answers with the greeting and the main menu instead. The list is
per language but checked in all of them: a resident greets in whichever language comes to mind.
"""

from __future__ import annotations

from bot.offers.words import fold, tokens

SMALL_TALK = {
    "de": "hallo hi hey moin servus guten tag morgen abend gruss grüß gott danke dankeschön vielen dank schön "
          "tschüss tschüs ciao bye ok okay super gut",
    "en": "hello hi hey hiya good morning evening afternoon thanks thank you thx cheers bye goodbye ok okay great",
    "tr": "merhaba selam selamlar günaydın iyi akşamlar günler teşekkürler teşekkür ederim sağol sağ ol "
          "hoşçakal tamam",
    "ar": "مرحبا مرحبتين اهلا أهلا سلام السلام عليكم صباح الخير مساء شكرا شكراً مشكور يعطيك العافية تمام",
    "ro": "salut bună buna ziua dimineața seara mulțumesc multumesc mersi pa ok",
    "bg": "здравей здравейте здрасти добър ден вечер утро благодаря мерси чао довиждане добре",
    "uk": "привіт вітаю добрий день вечір ранок дякую дуже щиро бувай до побачення добре",
    "ru": "привет здравствуйте здравствуй добрый день вечер утро спасибо большое пока до свидания хорошо",
    "pl": "cześć czesc dzień dobry dobry wieczór hej siema dziękuję dziekuje dzięki bardzo pa ok",
}
_WORDS = frozenset(fold(word) for words in SMALL_TALK.values() for word in words.split())
MAX_WORDS = 4  # a longer message says something more and is searched


def is_small_talk(text: str) -> bool:
    """True when every word of a short message is a greeting, a thanks or a goodbye."""
    words = [fold(word) for word in tokens(text)]
    return 0 < len(words) <= MAX_WORDS and all(word in _WORDS for word in words)
