"""The two interface languages: gettext catalogues (Babel) and the current request's language.

The catalogues are `app/locale/zh_CN/LC_MESSAGES/<domain>.po` (docs/i18n.md); they are compiled in
memory once, so only the `.po` sources are kept in the repository. The language is a context
variable set per request by the web layer (app/language.py); code that runs for a request (the
core included) calls `gettext`, and module-level names are marked with `N_` and translated where
they are shown.

`python -m app.i18n extract|update|compile|check` runs Babel per domain (app/i18n_tools.py).
"""

from __future__ import annotations

import gettext as gettext_module
import io
import json
import re
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
LOCALES = {"zh": "zh_CN"}  # language code -> catalogue directory
HTML_LANG = {"en": "en", "zh": "zh-CN"}
LOCALE_DIR = Path(__file__).parent / "locale"
# The domain every page's script gets besides its own (docs/i18n.md).
SITE_DOMAIN = "site"
APP_DOMAIN = "app"

current_language: ContextVar[str] = ContextVar("cnnlab_language", default=DEFAULT_LANGUAGE)
# The lesson page being rendered (its catalogue domain), None for the API and site pages.
current_domain: ContextVar[str | None] = ContextVar("cnnlab_domain", default=None)


def domain_files(language: str) -> list[Path]:
    locale = LOCALES.get(language)
    if locale is None:
        return []
    return sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po"))


@cache
def read_catalog(language: str, domain: str) -> Catalog | None:
    """The parsed .po of one domain, None when it has none (English, or not started yet)."""
    locale = LOCALES.get(language)
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po" if locale else None
    if path is None or not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=domain)


@cache
def translations(language: str, domain: str | None = None) -> gettext_module.NullTranslations:
    """Every domain of `language` merged into one catalogue (English: the messages themselves).

    A short label ("Padding", "Run") may be translated differently in two lessons: the lesson
    being shown (`domain`) wins, then `app`, then `site`, then the others.
    """
    present = [path.stem for path in domain_files(language)]
    first = [name for name in (SITE_DOMAIN, APP_DOMAIN, domain) if name in present]
    merged: Translations | None = None
    for name in [name for name in present if name not in first] + first:  # the last merged wins
        catalog = read_catalog(language, name)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)  # fuzzy entries are left out, as pybabel compile does
        buffer.seek(0)
        compiled = Translations(buffer, domain=name)
        if merged is None:
            merged = compiled
        else:
            merged.merge(compiled)
    return merged or gettext_module.NullTranslations()


def active() -> gettext_module.NullTranslations:
    return translations(current_language.get(), current_domain.get())


def gettext(message: str) -> str:
    return active().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return active().ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    return active().pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, count: int) -> str:
    return active().npgettext(context, singular, plural, count)


_ = gettext


def N_(message: str) -> str:
    """Marks a message for extraction without translating it (translate it where it is shown)."""
    return message


def NP_(context: str, message: str) -> str:
    """N_ with a context, for an English label with two translations (translate it where it is
    shown with pgettext and the same context)."""
    return message


# --- negotiation -----------------------------------------------------------------------------

_LANGUAGE_RANGE = re.compile(
    r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$"
)


def language_of(tag: str | None) -> str | None:
    """'zh', 'zh-CN', 'zh-Hans-CN' -> 'zh'; 'en-GB' -> 'en'; anything else None."""
    if not tag:
        return None
    primary = tag.strip().lower().split("-", 1)[0].split("_", 1)[0]
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The supported language the browser prefers most (RFC 9110 q-values), None if none is."""
    if not header:
        return None
    best, best_q = None, 0.0
    for item in header.split(",")[:32]:
        match = _LANGUAGE_RANGE.match(item)
        if not match:
            continue
        try:
            q = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        language = language_of(match.group(1))
        # Equal q: the earlier range wins (a strict > keeps the first).
        if language and q > best_q:
            best, best_q = language, q
    return best


def negotiate(
    query: str | None, cookie: str | None, accept_language: str | None, api: bool = False
) -> tuple[str, str]:
    """(language, source): the URL's `lang`, then the remembered choice, then Accept-Language.

    For the API (api=True) Accept-Language comes before the cookie: a page sends its own
    language with each call (static/js/api.js), and another tab may have changed the cookie since.
    """
    header = from_accept_language(accept_language)
    order = [("url", query), ("header", header), ("cookie", cookie)]
    if not api:
        order[1], order[2] = order[2], order[1]
    for source, value in order:
        if value in LANGUAGES:
            return value, source
    return DEFAULT_LANGUAGE, "default"


# --- the page scripts' catalogue --------------------------------------------------------------


def is_script_message(message) -> bool:
    """A message a page script uses (t/tn in a .js file), by the locations extraction records."""
    return any(filename.endswith(".js") for filename, _line in message.locations)


@cache
def script_messages(language: str, domain: str) -> dict:
    """{msgid: msgstr | [plural forms]} of one domain's script messages, translated ones only."""
    catalog = read_catalog(language, domain)
    if catalog is None:
        return {}
    messages = {}
    for message in catalog:
        if not message.id or message.fuzzy or not is_script_message(message):
            continue
        if message.pluralizable:
            forms = list(message.string)
            if all(forms):
                messages[message.id[0]] = forms
        elif message.string:
            messages[message.id] = message.string
    return messages


def page_domain(slug: str | None) -> str | None:
    """/conv-transpose's domain is conv_transpose (its template's name)."""
    return slug.replace("-", "_") if slug else None


@cache
def script_catalogue_json(language: str, slug: str | None) -> str:
    """The JSON a page embeds for static/js/i18n.js: the site's messages and its lesson's."""
    messages = dict(script_messages(language, SITE_DOMAIN))
    domain = page_domain(slug)
    if domain and domain != SITE_DOMAIN:
        messages.update(script_messages(language, domain))
    text = json.dumps({"lang": language, "messages": messages}, ensure_ascii=False)
    # Written into a <script> element: no markup characters, as Jinja's tojson does.
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(char, escape)
    return text


if __name__ == "__main__":
    from app.i18n_tools import main

    raise SystemExit(main())
