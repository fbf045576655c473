"""The three directories as open data: ?format=csv (UTF-8 with BOM, spreadsheet-safe) or
?format=json, every page of the filtered list."""

import csv
import json

from django.http import HttpResponse, StreamingHttpResponse

from members.i18n import current_language
from members.notifications.rendering import absolute
from members.regions import PREFECTURES_BY_CODE
from members.spreadsheets import spreadsheet_cell


class _Echo:
    def write(self, value):
        return value


def prefecture_name(code: str) -> str:
    p = PREFECTURES_BY_CODE.get(code)
    if p is None:
        return ""
    return p.name_en if current_language() == "en" else p.name_ja


def iso_code(code: str) -> str:
    """ISO 3166-2:JP ("JP-05"), as the member directory writes it: a spreadsheet opens "05" as the
    number 5 and loses the code's leading zero; "JP-05" stays text. Empty for "anywhere"."""
    return f"JP-{code}" if code in PREFECTURES_BY_CODE else ""


# A need's or an entry's title in both languages, after the columns of the first version (a column is
# added at the end): ``language`` says which one its author wrote (``title`` keeps that original), the
# other is the optional translation, empty when there is none. Initiatives in the API carry theirs the
# same way (``language``, ``title_ja``, ``title_en``).
TITLES = ["language", "title_ja", "title_en"]


def titles(row) -> dict:
    """The ``TITLES`` cells of a row of ``TextInTwoLanguages``."""
    original, other = row.title, row.title_translated
    return {"language": row.language, "title_ja": original if row.language == "ja" else other,
            "title_en": original if row.language == "en" else other}


# The columns of each export, in order (docs/open-data.md): the CSV's header, written even when no
# row matches, and the keys of each row (a row with another key fails to write).
COLUMNS = {
    "partners": ["slug", "kind", "name_ja", "name_en", "prefecture", "prefecture_name", "municipality_code",
                 "website", "open_needs", "url"],
    "needs": ["id", "title", "status", "kind", "themes", "prefecture", "prefecture_name", "period", "partner",
              "partner_slug", "published", "url", *TITLES],
    "expertise": ["id", "title", "institution", "institution_name", "themes", "keywords", "nationwide",
                  "prefectures", "languages", "visibility", "url", *TITLES],
}


def partner_row(p) -> dict:
    return {"slug": p.slug, "kind": p.kind, "name_ja": p.name_ja, "name_en": p.name_en,
            "prefecture": iso_code(p.prefecture), "prefecture_name": prefecture_name(p.prefecture),
            "municipality_code": p.municipality_code, "website": p.website,
            "open_needs": getattr(p, "open_needs", None), "url": absolute(p.get_absolute_url())}


def need_row(n) -> dict:
    # never the submitter's name or address: only what the board shows
    return {"id": n.pk, "title": n.title, "status": n.status, "kind": n.help_kind,
            "themes": " ".join(g.slug for g in n.themes.all()), "prefecture": iso_code(n.prefecture),
            "prefecture_name": prefecture_name(n.prefecture), "period": n.period,
            "partner": n.partner.name if n.partner else "", "partner_slug": n.partner.slug if n.partner else "",
            "published": n.published_at.date().isoformat() if n.published_at else None,
            "url": absolute(n.get_absolute_url()), **titles(n)}


def expertise_row(e) -> dict:
    return {"id": e.pk, "title": e.title, "institution": e.institution.slug,
            "institution_name": e.institution.name, "themes": " ".join(g.slug for g in e.themes.all()),
            "keywords": e.keywords, "nationwide": e.nationwide,
            "prefectures": " ".join(iso_code(c) for c in e.prefecture_codes),
            "languages": e.languages, "visibility": e.visibility, "url": absolute(e.get_absolute_url()),
            **titles(e)}


def export(rows, fmt: str, name: str):
    """``rows`` (an iterable of dicts with the keys of ``COLUMNS[name]``) as a CSV download or a JSON
    document."""
    rows = list(rows)
    if fmt == "csv":
        writer = csv.DictWriter(_Echo(), fieldnames=COLUMNS[name])

        def lines():
            yield "\ufeff" + writer.writeheader()
            for row in rows:
                yield writer.writerow({k: spreadsheet_cell("" if v is None else v) for k, v in row.items()})

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="coalition-{name}.csv"'
        return response
    body = json.dumps({"count": len(rows), "results": rows}, ensure_ascii=False, indent=1)
    return HttpResponse(body, content_type="application/json; charset=utf-8")
