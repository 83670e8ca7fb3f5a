"""The English catalogue is complete, and no translation loses or invents a placeholder.

The .po file is read with a small parser (polib is not a dependency): an entry is a run of lines
separated from the next by a blank line; strings may continue on the following quoted lines.
"""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PO_FILE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")

KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$')
# %(name)s, %(count)d… and bare %s, %d; "%%" is a literal percent sign, not a placeholder.
PLACEHOLDER = re.compile(r"%%|%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[-#0 +]*\d*(?:\.\d+)?[sdifr]")


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    strings: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.strings.get("msgid", "")

    @property
    def translations(self) -> dict[str, str]:
        return {key: value for key, value in self.strings.items() if key.startswith("msgstr")}

    def source_of(self, key: str) -> str:
        """msgstr and msgstr[0] translate msgid; msgstr[1] and beyond translate msgid_plural."""
        if key in ("msgstr", "msgstr[0]"):
            return self.msgid
        return self.strings["msgid_plural"]


def parse_po(text: str) -> list[Entry]:
    entries = []
    for block in re.split(r"\n\s*\n", text):
        entry, key = Entry(), None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#~"):  # obsolete entry, ignored by gettext
                entry, key = None, None
                break
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            elif match := KEYWORD.match(line):
                key = match.group(1)
                entry.strings[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                entry.strings[key] += ast.literal_eval(line)
        if entry is not None and "msgid" in entry.strings:
            entries.append(entry)
    return entries


def placeholders(text: str) -> set[str]:
    return {token for token in PLACEHOLDER.findall(text) if token != "%%"}


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(catalogue) -> list[Entry]:
    """Every entry but the header (the one whose msgid is empty)."""
    return [entry for entry in catalogue if entry.msgid]


def test_the_catalogue_holds_messages(messages) -> None:
    assert len(messages) > 100


def test_the_header_declares_english_utf8_and_two_plural_forms(catalogue) -> None:
    header = next(entry for entry in catalogue if not entry.msgid).strings["msgstr"]
    assert "Language: en\n" in header
    assert "charset=UTF-8" in header
    assert "nplurals=2;" in header


def test_no_entry_is_marked_fuzzy(catalogue) -> None:
    fuzzy = [entry.msgid for entry in catalogue if "fuzzy" in entry.flags]
    assert fuzzy == []


def test_every_entry_is_translated(messages) -> None:
    untranslated = [
        (entry.msgid, key) for entry in messages for key, value in entry.translations.items() if not value
    ]
    assert untranslated == []


def test_plural_entries_have_a_singular_and_a_plural_translation(messages) -> None:
    incomplete = [
        entry.msgid
        for entry in messages
        if "msgid_plural" in entry.strings and set(entry.translations) != {"msgstr[0]", "msgstr[1]"}
    ]
    assert incomplete == []


def test_every_translation_keeps_the_placeholders_of_its_source(messages) -> None:
    mismatches = [
        (entry.source_of(key), value)
        for entry in messages
        for key, value in entry.translations.items()
        if placeholders(value) != placeholders(entry.source_of(key))
    ]
    assert mismatches == []


def test_the_placeholder_check_sees_named_and_bare_placeholders() -> None:
    assert placeholders("%(name)s a %(count)d offres, 100 %% et %s") == {"%(name)s", "%(count)d", "%s"}


def test_the_compiled_catalogue_matches_the_source(messages) -> None:
    with MO_FILE.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for entry in messages:
        context = entry.strings.get("msgctxt")
        if "msgid_plural" in entry.strings:
            plural = entry.strings["msgid_plural"]
            expected = [entry.strings["msgstr[0]"], entry.strings["msgstr[1]"]]
            if context is None:
                got = [compiled.ngettext(entry.msgid, plural, n) for n in (1, 2)]
            else:
                got = [compiled.npgettext(context, entry.msgid, plural, n) for n in (1, 2)]
        else:
            expected = [entry.strings["msgstr"]]
            if context is None:
                got = [compiled.gettext(entry.msgid)]
            else:
                got = [compiled.pgettext(context, entry.msgid)]
        if got != expected:
            stale.append((entry.msgid, got))
    assert stale == [], "recompile: msgfmt --check -o locale/en/LC_MESSAGES/django.mo <the .po>"
