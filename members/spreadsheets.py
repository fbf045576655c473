"""CSV files people open in a spreadsheet (the directory's open data, a meeting's participants).

A cell that starts with =, +, -, @, a tab or a carriage return is read by Excel and LibreOffice as a
formula, which can fetch addresses or run commands (CSV injection). Such a value is written with a
leading single quote, which makes the cell text (OWASP's remedy); the full-width forms that a
Japanese input method produces get the same, as a precaution. Only CSV: JSON keeps values as they are.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def spreadsheet_cell(value):
    """``value`` safe to open in a spreadsheet: a string that starts like a formula gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_row(values) -> list:
    return [spreadsheet_cell(value) for value in values]
