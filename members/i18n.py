"""Bilingual content: Japanese first, English second, each falling back to the other.

Models keep a pair of columns per text (``name_ja``/``name_en``); :func:`translated` makes a property
that returns the one for the active language, or the other when that one is empty. Search text is
folded with :func:`fold` so that full-width and half-width letters, upper and lower case, and
hiragana and katakana all match each other.
"""

import unicodedata

from django.utils.functional import lazy
from django.utils.translation import get_language, gettext_noop


def current_language() -> str:
    lang = (get_language() or "ja").split("-")[0]
    return "en" if lang == "en" else "ja"


def pick(ja: str, en: str, language: str | None = None) -> str:
    """The text for ``language`` (default: the active one), falling back to the other."""
    if (language or current_language()) == "en":
        return en or ja
    return ja or en


bilingual = lazy(pick, str)


def picked_language(ja: str, en: str, language: str | None = None) -> str:
    """The language :func:`pick` shows for ``language``: the one wanted, or the other when only it
    has text. Templates put it in ``lang`` and show the fallback note when it is not the page's."""
    wanted = language or current_language()
    if wanted == "en":
        return "en" if en or not ja else "ja"
    return "ja" if ja or not en else "en"


def translated(field: str):
    """A read-only property returning ``<field>_ja`` or ``<field>_en`` for the active language."""

    def getter(self):
        return pick(getattr(self, f"{field}_ja"), getattr(self, f"{field}_en"))

    getter.__doc__ = f"{field} in the active language, falling back to the other."
    return property(getter)


_KATAKANA_TO_HIRAGANA = {cp: cp - 0x60 for cp in range(0x30A1, 0x30F7)}


def fold(text: str) -> str:
    """Fold text for matching: NFKC (full-width ASCII, half-width kana), case, katakana → hiragana.

    >>> fold("ＴＯＫＹＯ トウキョウ")
    'tokyo とうきょう'
    """
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(text.translate(_KATAKANA_TO_HIRAGANA).split())


# Django's own wording of the form errors that REST framework's Japanese catalogue translates too,
# differently. An installed app's catalogue outranks Django's, so without these in our catalogue
# (which outranks both) every form would say 「この項目は必須です。」 since the API arrived. Our
# catalogue gives them Django's translations.
DJANGO_FORM_WORDING = (
    gettext_noop("This field is required."),
    gettext_noop("Enter a valid URL."),
    gettext_noop("No file was submitted."),
    gettext_noop("The submitted file is empty."),
    gettext_noop("Upload a valid image. The file you uploaded was either not an image or a corrupted image."),
    gettext_noop("Value must be valid JSON."),
)

# allauth's Japanese puts ASCII parentheses around Japanese words in the labels of the forms people
# fill in (「パスワード (再入力)」); ours, which outranks it, has full-width ones.
ALLAUTH_FORM_WORDING = (
    gettext_noop("Password (again)"),
    gettext_noop("New Password (again)"),
    gettext_noop("Email (again)"),
    gettext_noop("Email (optional)"),
)
