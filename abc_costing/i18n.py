"""The reader's language: English or Russian texts from translation catalogues.

The English text is the message id; each other language has a gettext
catalogue in ``abc_costing/locale/<language>.po``, read with Babel (no compiled
``.mo`` to keep in step). A text without a translation stays English, and a test
fails when one of the texts the reports show has none.

The language is chosen per reader: ``--lang`` in the CLI, the sidebar in the
dashboard. Without a choice it is ``$ABC_COSTING_LANG``, else the system locale's
language when it is one of :data:`LANGUAGES`, else English.

Examples
--------
>>> translate("Cost per instance", "ru")
'Стоимость экземпляра'
>>> translate("Cost per instance", "en"), translate("no such text", "ru")
('Cost per instance', 'no such text')
"""

from __future__ import annotations

import locale
import os
from functools import cache
from pathlib import Path
from typing import Literal

__all__ = ["LANGUAGES", "LANGUAGE_ENV", "Language", "catalogue", "default_language",
           "language_of", "translate"]

Language = Literal["en", "ru"]
#: The languages a reader may choose; English is the texts as written.
LANGUAGES: tuple[Language, ...] = ("en", "ru")
#: The environment variable naming the default language.
LANGUAGE_ENV = "ABC_COSTING_LANG"
_LOCALE_DIR = Path(__file__).with_name("locale")


def language_of(tag: str | None) -> Language | None:
    """The language a locale tag names (``ru_RU.UTF-8``, ``ru-RU``, ``en``), if known.

    >>> language_of("ru_RU.UTF-8"), language_of("en-GB"), language_of("de_DE"), language_of(None)
    ('ru', 'en', None, None)
    """
    if not tag:
        return None
    code = tag.replace("-", "_").split("_")[0].split(".")[0].lower()
    return code if code in LANGUAGES else None


def default_language() -> Language:
    """``$ABC_COSTING_LANG``, else the system locale's language, else English."""
    chosen = language_of(os.environ.get(LANGUAGE_ENV))
    if chosen is not None:
        return chosen
    for tag in (locale.getlocale()[0], os.environ.get("LC_ALL"), os.environ.get("LC_MESSAGES"),
                os.environ.get("LANG")):
        found = language_of(tag)
        if found is not None:
            return found
    return "en"


@cache
def catalogue(language: Language) -> dict[str, str]:
    """English text -> the language's text, from its ``.po`` file (empty for English)."""
    if language == "en":
        return {}
    from babel.messages.pofile import read_po

    with (_LOCALE_DIR / f"{language}.po").open("rb") as po:
        read = read_po(po, locale=language, domain="abc_costing")
    return {str(message.id): str(message.string) for message in read
            if message.id and message.string and not message.fuzzy}


def translate(text: str, language: Language) -> str:
    """``text`` in ``language`` (the English text when the catalogue has none)."""
    if language == "en":
        return text
    return catalogue(language).get(text, text)
