"""The two interface languages: gettext catalogues (Babel) and the current request's language.

The catalogues are `app/locale/zh_CN/LC_MESSAGES/<domain>.po` (docs/i18n.md); they are compiled in
memory once, so only the `.po` sources are kept in the repository. The language is a context
variable set per request by the web layer; code that runs for a request (the core included) calls
`gettext`, and module-level names are marked with `N_` and translated where they are shown.
"""

from __future__ import annotations

import gettext as gettext_module
import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
LOCALES = {"zh": "zh_CN"}  # language code -> catalogue directory
HTML_LANG = {"en": "en", "zh": "zh-CN"}
LOCALE_DIR = Path(__file__).parent / "locale"

current_language: ContextVar[str] = ContextVar("cnnlab_language", default=DEFAULT_LANGUAGE)


def domain_files(language: str) -> list[Path]:
    locale = LOCALES.get(language)
    if locale is None:
        return []
    return sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po"))


@cache
def translations(language: str) -> gettext_module.NullTranslations:
    """Every domain of `language` merged into one catalogue (English: the messages themselves)."""
    merged: Translations | None = None
    for path in domain_files(language):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=LOCALES[language], domain=path.stem)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)  # fuzzy entries are left out, as pybabel compile does
        buffer.seek(0)
        compiled = Translations(buffer, domain=path.stem)
        if merged is None:
            merged = compiled
        else:
            merged.merge(compiled)
    return merged or gettext_module.NullTranslations()


def gettext(message: str) -> str:
    return translations(current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(current_language.get()).ngettext(singular, plural, count)


_ = gettext


def N_(message: str) -> str:
    """Marks a message for extraction without translating it (translate it where it is shown)."""
    return message
