"""Every UI string exists in Japanese, and the committed .mo matches the .po."""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/ja/LC_MESSAGES/django.po"
MO = ROOT / "locale/ja/LC_MESSAGES/django.mo"


def test_po_has_no_untranslated_or_fuzzy_entries():
    po = polib.pofile(str(PO))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_compiled_mo_matches_po():
    po = polib.pofile(str(PO))
    with MO.open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = []
    for entry in po.translated_entries():
        if entry.msgid_plural:
            continue
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if mo._catalog.get(key) != entry.msgstr:
            stale.append(entry.msgid)
    assert stale == [], "run scripts/i18n.py compile"


JAPANESE = "[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]"


def test_japanese_text_has_full_width_parentheses():
    """An aside in Japanese text reads （満席）, not (満席): no msgstr puts ASCII parentheses around or
    right after Japanese words (a placeholder alone in them, such as (%(n)s), is left to the words
    around it). Parentheses a template puts around a value go through the ``paren`` filter."""
    import re

    ascii_aside = re.compile(rf"{JAPANESE}\s?\([^()]*\)|\([^()]*{JAPANESE}[^()]*\)")
    po = polib.pofile(str(PO))
    found = [e.msgstr or e.msgstr_plural.get(0, "") for e in po.translated_entries()]
    assert [s for s in found if ascii_aside.search(s)] == []


def test_paren_filter_is_full_width_in_japanese_and_spaced_in_english():
    from django.template import Context, Template
    from django.utils import translation

    template = Template("{{ room }}{{ note|paren }}{{ empty|paren }}")
    context = {"room": "定員 2名", "note": "満席 & <b>", "empty": ""}
    with translation.override("ja"):
        assert template.render(Context(context)) == "定員 2名（満席 &amp; &lt;b&gt;）"
    with translation.override("en"):
        assert template.render(Context({**context, "room": "2 seats", "note": "full"})) == "2 seats (full)"


def test_every_string_in_the_code_is_in_the_po(tmp_path):
    """makemessages on a copy of the code finds no msgid that the committed .po lacks."""
    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext is not installed")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "var", "node_modules", "__pycache__", "*.sqlite3")
    )
    subprocess.run(
        [sys.executable, "scripts/i18n.py", "extract"], cwd=copy, check=True, capture_output=True, text=True
    )
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale/ja/LC_MESSAGES/django.po"))}
    committed = {e.msgid for e in polib.pofile(str(PO))}
    assert sorted(fresh - committed) == []


def test_no_translated_string_hides_in_an_f_string():
    """xgettext does not look inside f-strings: ``f"{_('Text')}"`` stays English on /ja/ while every
    check above passes (it happened to "No initiative yet."). Take the string into a variable."""
    import ast

    names = {"_", "gettext", "gettext_lazy", "ngettext", "pgettext", "npgettext"}
    hidden = []
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {".venv", "var", "node_modules"}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                for call in ast.walk(node):
                    if isinstance(call, ast.Call) and getattr(call.func, "id", None) in names:
                        hidden.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert hidden == []


def test_japanese_calls_signing_in_one_thing():
    """The menu, the sign-in form and its buttons say ログイン: no msgstr says サインイン for the same act
    (the university sign-in said 大学のアカウントでサインイン under a form headed ログイン)."""
    po = polib.pofile(str(PO))
    found = [e.msgstr or " ".join(e.msgstr_plural.values()) for e in po.translated_entries()]
    assert [s for s in found if "サインイン" in s] == []
