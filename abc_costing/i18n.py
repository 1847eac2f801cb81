"""The reader's language: English or Russian texts from translation catalogues.

The English text is the message id; each other language has gettext catalogues
in ``abc_costing/locale/<language>/*.po`` (one file per part of the product:
tables, dashboard, reports, problems, CLI), read with Babel (no compiled ``.mo``
to keep in step). A text without a translation stays English, and a test fails
when a text marked for translation has none.

Texts are marked two ways, both found by Babel's extractor:

- ``N_("Cost of {variant}", variant=name)`` where the text is made (a problem, a
  title): it is English now and remembers its template and values, so a reader
  of another language gets it with :func:`translate` later;
- ``_ = translator(language)`` then ``_("Overview")`` where the reader is known
  (a dashboard page, the CLI).

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
import string
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

__all__ = ["LANGUAGES", "LANGUAGE_ENV", "Language", "Message", "N_", "catalogue",
           "default_language", "joined", "language_of", "placeholders", "translate",
           "translator"]

Language = Literal["en", "ru"]
#: The languages a reader may choose; English is the texts as written.
LANGUAGES: tuple[Language, ...] = ("en", "ru")
#: The environment variable naming the default language.
LANGUAGE_ENV = "ABC_COSTING_LANG"
LOCALE_DIR = Path(__file__).with_name("locale")


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
    """English text -> the language's text, from its ``.po`` files (empty for English).

    Two files giving one text different translations is a mistake in the
    catalogues, found here rather than shown as whichever file was read last.
    """
    if language == "en":
        return {}
    from babel.messages.pofile import read_po

    texts: dict[str, str] = {}
    where: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / language).glob("*.po")):
        with path.open("rb") as po:
            read = read_po(po, locale=language, domain="abc_costing")
        for message in read:
            if not (message.id and message.string and not message.fuzzy):
                continue
            english, said = str(message.id), str(message.string)
            if texts.get(english, said) != said:
                raise ValueError(f"{path.name} and {where[english]} translate {english!r} "
                                 f"differently: {said!r} and {texts[english]!r}")
            texts[english], where[english] = said, path.name
    return texts


def _unescaped(template: str) -> str:
    """A template with no values as it reads: its doubled braces single, as ``format``
    writes them when there are values ("needs {{mean: m, sd: s}}" was shown as written).

    >>> _unescaped("lognormal needs {{mean: m, sd: s}}")
    'lognormal needs {mean: m, sd: s}'
    """
    return template.replace("{{", "{").replace("}}", "}")


class Message(str):
    """An English text that remembers its template and values (see :func:`N_`).

    It is a ``str`` (the English text), so code that prints, compares or stores
    messages is unchanged; :func:`translate` says it again in another language.

    >>> m = N_("{count} rows read", count=3)
    >>> m, m.template, m.values
    ('3 rows read', '{count} rows read', {'count': 3})
    """

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, values: dict[str, Any]) -> Message:
        made = super().__new__(cls, template.format(**values) if values else _unescaped(template))
        made.template, made.values = template, values
        return made

    def __reduce__(self) -> tuple[Any, ...]:  # pickled to the simulation's workers
        return (Message, (self.template, self.values))


def N_(template: str, **values: Any) -> Message:  # noqa: N802 - gettext's marker name
    """Mark ``template`` for translation; fill its ``{placeholders}`` from ``values``.

    The placeholders are the text's grammar, not Python: the translation may put
    them in another order, a value that is itself a :class:`Message` is
    translated with it, and a value with an ``in_language(language)`` method (a
    :class:`abc_costing.numbers.Figure`) is written in the reader's form (its
    ``str`` is the English one).

    >>> N_("Probabilities of {gateway} sum to {total}", gateway="approved", total="0.9")
    'Probabilities of approved sum to 0.9'
    """
    return Message(template, values)


def joined(parts: Sequence[str]) -> str:
    """``parts`` (texts made before their reader is known) as one list separated by
    semicolons, each said in the reader's language with the list ("" for none).

    >>> str(joined([N_("Unknown id {id}", id="x"), "y"])), joined([])
    ('Unknown id x; y', '')
    """
    if not parts:
        return ""
    together = parts[0]
    for part in parts[1:]:  # a list, said in each language with its own separator
        together = N_("{reason}; {part}", reason=together, part=part)
    return together


def translate(text: str, language: Language) -> str:
    """``text`` in ``language`` (the English text when the catalogue has none).

    >>> translate(N_("Unknown id {id}", id="x"), "en")
    'Unknown id x'
    """
    if language == "en":
        return str(text)
    if isinstance(text, Message):
        template = catalogue(language).get(text.template, text.template)
        if not text.values:
            return _unescaped(template)
        return template.format(**{name: _said(value, language)
                                  for name, value in text.values.items()})
    return catalogue(language).get(text, text)


def _said(value: Any, language: Language) -> Any:
    """A message's value as ``language`` says it: a message translated, a value that can
    say itself in a language (a figure of :mod:`abc_costing.numbers`, a duration:
    duck-typed, as they live above this module) in that form, anything else as is."""
    if isinstance(value, Message):
        return translate(value, language)
    in_language = getattr(value, "in_language", None)
    return in_language(language) if callable(in_language) else value


def translator(language: Language) -> Callable[..., str]:
    """``_`` for one reader: ``_(text, **values)`` is ``text`` in ``language``.

    >>> _ = translator("ru")
    >>> _("Utilisation")
    'Загрузка'
    """

    def _(text: str, **values: Any) -> str:
        return translate(Message(text, values), language)

    return _


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a text fills in (a translation must fill the same ones).

    >>> sorted(placeholders("{a} of {b:,.2f} {{not}}"))
    ['a', 'b']
    """
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
