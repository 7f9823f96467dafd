"""`python -m app.i18n extract|update|compile|check [domain ...]`: Babel's commands per domain.

The domains and their sources are docs/i18n.md's table: `site` (the site-wide templates and
scripts, app/pages.py), `app` (the rest of app/), and one per lesson (its template, its partials
`_<slug>_*.html`, static/js/pages/<slug>/). A page added later is a domain as soon as its
template exists. Every command runs on all domains unless some are named.

- extract: a fresh template (.pot) per domain, in build/i18n/ (not committed)
- update:  extract, then merge into app/locale/zh_CN/LC_MESSAGES/<domain>.po (created if missing)
- compile: the .po files to .mo beside them, with statistics (the app itself compiles in memory)
- check:   every message extracted has a Chinese translation, nothing in a .po is unused, and
           placeholders and markup survive translation; exits 1 and lists the problems otherwise
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LOCALE = "zh_CN"
POT_DIR = ROOT / "build" / "i18n"
MAPPING = ROOT / "babel.cfg"
# t("...") and tn("singular", "plural", n) in page scripts, on top of gettext's own keywords.
KEYWORDS = ["-k", "t", "-k", "tn:1,2", "-k", "NP_:1c,2"]
WIDTH = "100"
SITE_TEMPLATES = ("base.html", "home.html", "404.html", "docs.html")


def lesson_domains() -> list[str]:
    """One domain per page template that is not the site's: templates/conv_transpose.html."""
    names = (p.stem for p in (ROOT / "templates").glob("*.html") if not p.name.startswith("_"))
    return sorted(name for name in names if f"{name}.html" not in SITE_TEMPLATES)


def domains() -> list[str]:
    return ["site", "app", *lesson_domains()]


def partial_owner(name: str, lessons: list[str]) -> str:
    """_conv_backward.html -> conv; _conv_transpose_x.html -> conv_transpose; others -> site."""
    stem = name.removeprefix("_").removesuffix(".html")
    owners = [slug for slug in lessons if stem == slug or stem.startswith(slug + "_")]
    return max(owners, key=len) if owners else "site"


def rel(paths) -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in paths if p.is_file())


def sources(domain: str) -> list[str]:
    """The files a domain's messages are extracted from, relative to the repository."""
    templates, js = ROOT / "templates", ROOT / "static" / "js"
    lessons = lesson_domains()
    partials = [p for p in templates.glob("_*.html") if partial_owner(p.name, lessons) == domain]
    if domain == "site":
        return rel(
            [templates / name for name in SITE_TEMPLATES]
            + partials
            + list(js.glob("*.js"))
            + list((js / "widgets").rglob("*.js"))
            + list((js / "export").rglob("*.js"))
            + [js / "pages" / "docs.js", ROOT / "app" / "pages.py"]
        )
    if domain == "app":
        app = ROOT / "app"
        return rel(p for p in app.rglob("*.py") if p != app / "pages.py")
    if domain not in lessons:
        raise SystemExit(f"unknown domain {domain!r}: one of {', '.join(domains())}")
    return rel([templates / f"{domain}.html", *partials, *(js / "pages" / domain).rglob("*.js")])


def po_path(domain: str) -> Path:
    return LOCALE_DIR / LOCALE / "LC_MESSAGES" / f"{domain}.po"


@contextmanager
def at_root():
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(here)


def pybabel(*args: str) -> None:
    with at_root():
        CommandLineInterface().run(["pybabel", "-q", *args])


def extract(domain: str, directory: Path = POT_DIR) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    pot = directory / f"{domain}.pot"
    pybabel(
        "extract", "-F", str(MAPPING), *KEYWORDS, "--add-comments", "TRANSLATORS:",
        "--project", "cnnlab", "--width", WIDTH, "-o", str(pot), *sources(domain),
    )  # fmt: skip
    return pot


def message_count(pot: Path) -> int:
    with pot.open("rb") as handle:
        return sum(1 for message in read_po(handle) if message.id)


def update(domain: str) -> None:
    pot = extract(domain)
    if not po_path(domain).exists() and message_count(pot) == 0:
        return  # nothing marked yet: no catalogue
    pybabel(
        "update", "-D", domain, "-i", str(pot), "-d", str(LOCALE_DIR), "-l", LOCALE,
        "--init-missing", "--ignore-obsolete", "--width", WIDTH,
    )  # fmt: skip


def compile_domain(domain: str) -> None:
    if po_path(domain).exists():
        pybabel("compile", "-D", domain, "-d", str(LOCALE_DIR), "-l", LOCALE, "--statistics")


# --- check ------------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)[sdifr]|%[sdifr]")
TAG = re.compile(r"</?([a-zA-Z][\w-]*)")
ENTITY = re.compile(r"&\w+;|&#\d+;")


def markers(text: str) -> Counter:
    """The placeholders, tag names and entities a translation must keep (in any order)."""
    found = PLACEHOLDER.findall(text) + [f"<{t}>" for t in TAG.findall(text)]
    return Counter(found + ENTITY.findall(text))


def key(message) -> tuple:
    return (message.context, message.id if isinstance(message.id, str) else tuple(message.id))


def problems(domain: str) -> list[str]:
    """What is wrong with one domain's catalogue against a fresh extraction (empty: complete)."""
    with __import__("tempfile").TemporaryDirectory() as tmp:
        pot = extract(domain, Path(tmp))
        with pot.open("rb") as handle:
            extracted = {key(m): m for m in read_po(handle) if m.id}
    path = po_path(domain)
    if not path.exists():
        return [f"{domain}: no catalogue ({len(extracted)} messages)"] if extracted else []
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=LOCALE, domain=domain)
    translated = {key(m): m for m in catalog if m.id}
    found = []
    for k, message in extracted.items():
        entry = translated.get(k)
        where = ", ".join(f"{f}:{line}" for f, line in message.locations[:2])
        label = f"{domain}: {message.id!r} ({where})"
        if entry is None:
            found.append(f"{label}: not in the catalogue (run python -m app.i18n update)")
            continue
        strings = list(entry.string) if entry.pluralizable else [entry.string]
        if entry.fuzzy:
            found.append(f"{label}: fuzzy")
        if not all(s and s.strip() for s in strings):
            found.append(f"{label}: no translation")
            continue
        ids = list(message.id) if message.pluralizable else [message.id]
        for s in strings:
            if markers(s) != markers(ids[-1]) and markers(s) != markers(ids[0]):
                found.append(f"{label}: placeholders or markup differ in {s!r}")
    found += [
        f"{domain}: {k[1]!r}: unused (no longer in the sources; run python -m app.i18n update)"
        for k in translated
        if k not in extracted
    ]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.i18n", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["extract", "update", "compile", "check"])
    parser.add_argument("domains", nargs="*", help=f"default: all ({', '.join(domains())})")
    args = parser.parse_args(argv)
    chosen = args.domains or domains()
    if args.command == "check":
        found = [line for domain in chosen for line in problems(domain)]
        for line in found:
            print(line)
        print(f"{len(found)} problem(s) in {len(chosen)} domain(s)", file=sys.stderr)
        return 1 if found else 0
    for domain in chosen:
        {"extract": extract, "update": update, "compile": compile_domain}[args.command](domain)
        if args.command == "extract":
            print(POT_DIR / f"{domain}.pot")
    return 0
