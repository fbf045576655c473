"""CSV files people open in a spreadsheet (the directory's open data, a meeting's participants).

A cell that starts with =, +, -, @, a tab or a carriage return is read by Excel and LibreOffice as a
formula, which can fetch addresses or run commands (CSV injection). Such a value is written with a
leading single quote, which makes the cell text (OWASP's remedy); the full-width forms that a
Japanese input method produces get the same, as a precaution. Only CSV: JSON keeps values as they are.

Files people upload (the member import, a group's people, yearly figures) are read as text by one
function, ``csv_upload_text``, which tells UTF-8 from Shift_JIS without turning a broken UTF-8 file
into mojibake.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_LINE_ENDS = re.compile(r"\r\n|\r|\n")
# What Python's cp932 makes of single bytes that no Shift_JIS text holds (0x80, 0xA0, 0xFD-0xFF)
_NOT_SHIFT_JIS = re.compile("[\x80\uf8f0-\uf8f3]")
_BOM = b"\xef\xbb\xbf"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def spreadsheet_cell(value):
    """``value`` safe to open in a spreadsheet: a string that starts like a formula gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_row(values) -> list:
    return [spreadsheet_cell(value) for value in values]


def _line_at(text: str, index: int) -> int:
    """The line (1, 2, ...) of ``text[index]``: LF, CRLF and CR each end a line."""
    return len(_LINE_ENDS.findall(text, 0, index)) + 1


def _line_at_byte(data: bytes, position: int) -> int:
    """The line of the byte ``data[position]`` (CR and LF are the same bytes in UTF-8 and Shift_JIS,
    and no multi-byte character of either holds them)."""
    return _line_at(data[:position].decode("latin-1"), position)


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without its BOM: a CSV file is mostly ASCII, which UTF-16 writes with a zero byte
    before or after each character, so one of the two halves of the bytes is mostly zeros."""
    half = len(data) // 2
    if half < 2:
        return False
    odd, even = data[1::2].count(0), data[0::2].count(0)
    return (odd >= half * 0.3 and even <= half * 0.05) or (even >= half * 0.3 and odd <= half * 0.05)


_LINE_BREAK = re.compile(r"[\r\n]")


def _utf16_refused() -> ValidationError:
    return ValidationError(_("The file is UTF-16 text (what Excel saves as Unicode text): save it as CSV UTF-8 "
                             "or CSV and upload it again."))


def _decodes_as_utf16(data: bytes) -> bool:
    """Text in UTF-16 (either byte order) that reads as CSV: no NUL character, a line break (``\n``,
    or ``\r`` alone as old Mac files end their lines, which the CSV reader takes too), and a comma in
    its first line. Not UTF-8 with a stray zero byte: read in pairs, such bytes can make a comma (a
    zero before a comma, big-endian) but not also a first line with one ending in a break."""
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        newline = _LINE_BREAK.search(text)
        if "\x00" not in text and newline and "," in text[:newline.start()]:
            return True
    return False


def csv_upload_text(data: bytes) -> str:
    """An uploaded CSV file's text: UTF-8 (with or without the BOM Excel writes) or Shift_JIS (what
    Excel in Japan saves as "CSV"). Refused with a ValidationError, naming the line where it can:
    UTF-16 (Excel's "Unicode text"), a UTF-8 file with a broken byte sequence (read as Shift_JIS it
    would become mojibake without an error, so a file whose text before the fault is UTF-8 with
    Japanese in it is taken as UTF-8), other bytes, and a NUL character (no text column, nor PostgreSQL, holds one)."""
    # UTF-16 of mostly Japanese text has too few zero bytes to look like UTF-16: it decodes as it
    bom = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if bom or _looks_utf16(data) or (b"\x00" in data and _decodes_as_utf16(data)):
        raise _utf16_refused()
    has_bom = data.startswith(_BOM)
    body = data[len(_BOM):] if has_bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if has_bom or not body[:exc.start].isascii():
            raise ValidationError(_("Line %(line)s is not UTF-8 text (a broken character): save the file as CSV UTF-8 "
                                "again.") % {"line": _line_at_byte(body, exc.start)}) from None
        try:
            text = body.decode("cp932")
        except UnicodeDecodeError as sjis:
            line = _line_at_byte(body, sjis.start)
        else:
            stray = _NOT_SHIFT_JIS.search(text)
            line = _line_at(text, stray.start()) if stray else None
        if line is not None:
            raise ValidationError(_("Line %(line)s is neither UTF-8 nor Shift_JIS text: save the file as CSV UTF-8 and "
                                "upload it again.") % {"line": line}) from None
    if "\x00" in text:
        raise ValidationError(_("Line %(line)s contains a NUL character, so the file is not a CSV text file.")
                          % {"line": _line_at(text, text.index("\x00"))})
    return text
