"""Helpers for .ci/i18n: list, fill and check the zh_Hans catalogue (polib)."""

import json
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale/zh_Hans/LC_MESSAGES/django.po"


def _missing(po: polib.POFile) -> list[polib.POEntry]:
    return [
        e
        for e in po
        if not e.obsolete and ("fuzzy" in e.flags or not (e.msgstr or any(e.msgstr_plural.values())))
    ]


def main() -> int:
    po = polib.pofile(str(PO))
    command = sys.argv[1]
    if command == "todo":
        todo = {e.msgid if not e.msgid_plural else f"{e.msgid}|||{e.msgid_plural}": "" for e in _missing(po)}
        print(json.dumps(todo, ensure_ascii=False, indent=1))
        return 0
    if command == "fill":
        mapping = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        done = 0
        for entry in po:
            key = entry.msgid if not entry.msgid_plural else f"{entry.msgid}|||{entry.msgid_plural}"
            value = mapping.get(key) or mapping.get(entry.msgid)
            if not value:
                continue
            if entry.msgid_plural:
                entry.msgstr_plural = {0: value}
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            done += 1
        po.save()
        print(f"filled {done}; still missing {len(_missing(po))}")
        return 0
    if command == "check":
        missing = _missing(po)
        for e in missing:
            print(f"untranslated: {e.msgid!r}")
        return 1 if missing else 0
    raise SystemExit("usage: po_tool.py todo|fill FILE|check")


if __name__ == "__main__":
    sys.exit(main())
