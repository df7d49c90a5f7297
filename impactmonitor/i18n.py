"""The one translation table: every text a user reads, in Dutch (default) and English.

The texts are data: one TOML catalogue per language in `impactmonitor/locales/` (`nl.toml`,
`en.toml`), a flat table of key -> template. Templates have named fields (`{column}`,
`{value}`, ...); `text(key, lang, **fields)` fills them in. Tests check that both catalogues have
the same keys and the same fields per key, that every key the code uses exists and that no key
is unused (tests/test_i18n.py).
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

DEFAULT_LANGUAGE = "nl"
LANGUAGES = ("nl", "en")
LOCALES_DIR = Path(__file__).with_name("locales")


def _load_catalogue(lang: str) -> Mapping[str, str]:
    with (LOCALES_DIR / f"{lang}.toml").open("rb") as file:
        return MappingProxyType(tomllib.load(file))


# language -> key -> template, read once at import.
CATALOGUES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {lang: _load_catalogue(lang) for lang in LANGUAGES}
)
# key -> language -> template (the same texts, by key; every key of the default language).
TEXTS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        key: MappingProxyType(
            {lang: CATALOGUES[lang][key] for lang in LANGUAGES if key in CATALOGUES[lang]}
        )
        for key in CATALOGUES[DEFAULT_LANGUAGE]
    }
)


def text(key: str, lang: str = DEFAULT_LANGUAGE, /, **fields: object) -> str:
    """The text for `key` in `lang`, with its fields filled in (Dutch when `lang` has none)."""
    entry = TEXTS[key]
    template = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return template.format(**fields) if fields else template


class UserError(ValueError):
    """A problem the user can put right, said from the catalogue: `key` is its message and
    `fields` fill it in, so a page or a command line says it in its user's language. (str(): the
    English text, for logs and developers.)"""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(text(key, "en", **fields))
        self.key = key
        self.fields = fields

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return text(self.key, lang, **self.fields)


def template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def column_label(column: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The header users read for a data column (the name itself when it has no label)."""
    key = f"column_{column}"
    return text(key, lang) if key in TEXTS else column
