"""Machine translation for staff answering residents in their language (issue 15): a LibreTranslate client."""

from bot.translate.libretranslate import (
    AUTO,
    SERVICE_CODES,
    LibreTranslate,
    Reason,
    Translation,
    TranslationUnavailable,
    translation_configured,
)

__all__ = ["AUTO", "SERVICE_CODES", "LibreTranslate", "Reason", "Translation", "TranslationUnavailable",
           "translation_configured"]
