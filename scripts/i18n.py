#!/usr/bin/env python
"""Keep the Japanese translation complete.

    scripts/i18n.py extract          # makemessages, then list untranslated msgids as JSON
    scripts/i18n.py apply FILE.json  # fill msgstr from {"msgid": "訳", ...} (plural: a list)
    scripts/i18n.py compile          # write the .mo files (committed, so no gettext is needed to run)

Needs GNU gettext for extract and compile (developers only; a fresh machine runs on the committed .mo).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
IGNORE = [".venv", "var", "bench", "tests", "scripts", "node_modules"]


def manage(*args):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="coalition.settings")
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True, env=env)


def extract():
    ignore = [a for i in IGNORE for a in ("-i", i)]
    manage("makemessages", "-l", "ja", "--no-location", "--no-obsolete", *ignore)
    po = polib.pofile(str(PO))
    for entry in po:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            if entry.msgstr_plural:
                entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
    po.save()
    missing = {}
    for e in po:
        if e.msgid_plural:
            if not all(e.msgstr_plural.values()):
                missing[e.msgid] = [e.msgid_plural]
        elif not e.msgstr:
            missing[e.msgid] = ""
    print(json.dumps(missing, ensure_ascii=False, indent=1))
    print(f"{len(missing)} untranslated", file=sys.stderr)


def apply(path):
    mapping = json.loads(Path(path).read_text(encoding="utf-8"))
    po = polib.pofile(str(PO))
    done = 0
    for entry in po:
        if entry.msgid in mapping and mapping[entry.msgid]:
            value = mapping[entry.msgid]
            if entry.msgid_plural:
                values = value if isinstance(value, list) else [value]
                entry.msgstr_plural = dict(enumerate(values))
            else:
                entry.msgstr = value
            done += 1
    po.save()
    print(f"applied {done}", file=sys.stderr)


def compile_():
    manage("compilemessages", "-l", "ja", "--ignore", ".venv")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "extract"
    if command == "extract":
        extract()
    elif command == "apply":
        apply(sys.argv[2])
    elif command == "compile":
        compile_()
    else:
        sys.exit(__doc__)
