"""Chinese is the default language and must be complete; the compiled catalogue must match the .po."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale/zh_Hans/LC_MESSAGES/django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{\{\s*(\w+)\s*\}\}")


def _entries(*, with_fuzzy: bool = True) -> list[polib.POEntry]:
    """Live entries; fuzzy ones are not compiled into the .mo (msgfmt skips them)."""
    return [e for e in polib.pofile(str(PO)) if not e.obsolete and (with_fuzzy or "fuzzy" not in e.flags)]


def _label(e: polib.POEntry) -> str:
    return f"{e.msgctxt + ' | ' if e.msgctxt else ''}{e.msgid!r}"


def test_zh_hans_catalogue_has_no_untranslated_or_fuzzy_entry() -> None:
    entries = _entries()
    assert len(entries) > 50
    fuzzy = [_label(e) for e in entries if "fuzzy" in e.flags]
    untranslated = [
        _label(e)
        for e in entries
        if not (e.msgstr_plural and all(e.msgstr_plural.values()) if e.msgid_plural else e.msgstr)
    ]
    assert fuzzy == [], "fuzzy entries (check and remove the flag): " + ", ".join(fuzzy)
    assert untranslated == [], "untranslated: " + ", ".join(untranslated)


def test_translations_keep_their_placeholders() -> None:
    """A translation that drops or renames %(name)s fails at run time, in Chinese only."""
    wrong = []
    for e in _entries(with_fuzzy=False):
        expected = {a or b for a, b in PLACEHOLDER.findall(e.msgid)}
        for text in [e.msgstr] if not e.msgid_plural else list(e.msgstr_plural.values()):
            if text and {a or b for a, b in PLACEHOLDER.findall(text)} != expected:
                wrong.append(_label(e))
    assert wrong == []


@pytest.mark.parametrize("language", ["zh-hans"])
def test_compiled_catalogue_matches_the_po_file(language: str) -> None:
    """Every entry of the .po answers through gettext: the .mo was compiled after the last change."""
    stale = []
    with translation.override(language):
        for e in _entries(with_fuzzy=False):
            if e.msgid_plural:
                got = translation.ngettext(e.msgid, e.msgid_plural, 1)
                want = e.msgstr_plural.get(0, "")
            elif e.msgctxt:
                got, want = translation.pgettext(e.msgctxt, e.msgid), e.msgstr
            else:
                got, want = translation.gettext(e.msgid), e.msgstr
            if want and got != want:
                stale.append(_label(e))
    assert stale == [], "run `.ci/i18n fill` or compilemessages; stale: " + ", ".join(stale[:20])
