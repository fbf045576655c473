"""The secretariat's CSV import of the member list."""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import extensions
from ..audit.services import audit
from ..models import EmailDomain, Institution, User
from ..regions import PREFECTURES_BY_CODE
from ..spreadsheets import csv_upload_text

IMPORT_COLUMNS = ["slug", "name_ja", "name_en", "name_kana", "kind", "category", "prefecture", "website",
                  "joined_on", "target_year", "email_domains"]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def decode_csv_upload(raw: bytes) -> str:
    """The file's text, UTF-8 or Shift_JIS (``members.spreadsheets.csv_upload_text``: a broken UTF-8
    file is refused naming its line, not read as Shift_JIS mojibake); ValidationError on "file"."""
    try:
        return csv_upload_text(raw)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages[0]}) from None


def read_csv(text: str) -> tuple[list[str], list[dict]]:
    """The header and the rows of a file's text (``decode_csv_upload``, which refuses a NUL
    character); a file the csv module cannot read (a field longer than its limit, a quotation mark
    never closed) is refused, not a server error."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        return reader.fieldnames or [], list(reader)
    except csv.Error:
        raise ValidationError({"file": _("Line %(line)s cannot be read as CSV: a field is too long or a quotation "
                                         "mark is not closed.") % {"line": reader.line_num + 1}})


def _prefecture_code(value: str) -> str:
    return value.zfill(2) if value.isdigit() else value


def institutions_import(*, data: bytes, by: User) -> ImportReport:
    """Import a member list. Every row is checked first; one bad row imports nothing (the report
    lists each row's errors). Rows are keyed by slug: a second import of the same file changes
    nothing. Columns: IMPORT_COLUMNS (email_domains separated by spaces)."""
    report = ImportReport()
    columns, rows = read_csv(decode_csv_upload(data))
    missing = [c for c in IMPORT_COLUMNS[:7] if c not in columns]
    if missing:
        report.errors.append((1, _("Missing columns: %(columns)s") % {"columns": ", ".join(missing)}))
        return report
    planned, seen, domain_rows = [], set(), {}
    for line, row in enumerate(rows, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        problems = []
        slug = row.get("slug", "")
        if slug in seen:
            problems.append(_("the slug %(slug)s appears twice in the file") % {"slug": slug})
        seen.add(slug)
        existing = Institution.objects.filter(slug=slug).first()
        inst = existing or Institution(status=Institution.Status.ACTIVE)
        values = {
            "slug": slug, "name_ja": row.get("name_ja", ""), "name_en": row.get("name_en", ""),
            "name_kana": row.get("name_kana", ""), "kind": row.get("kind", ""), "category": row.get("category", ""),
            "prefecture": _prefecture_code(row.get("prefecture", "")), "website": row.get("website", ""),
        }
        values["joined_on"] = existing.joined_on if existing else None
        if row.get("joined_on"):
            try:
                values["joined_on"] = datetime.date.fromisoformat(row["joined_on"])
            except ValueError:
                problems.append(_("joined_on must be a date like 2021-07-29"))
        try:
            values["target_year"] = int(row["target_year"]) if row.get("target_year") else None
        except ValueError:
            problems.append(_("target_year must be a year"))
        domains = [d.lower() for d in row.get("email_domains", "").split()]
        if values["prefecture"] and values["prefecture"] not in PREFECTURES_BY_CODE:
            problems.append(_("prefecture must be a code from 01 to 47"))
        changed = existing is None or any(getattr(existing, k) != v for k, v in values.items())
        follow_target = existing is not None and existing.target_year != values["target_year"]
        for key, value in values.items():
            setattr(inst, key, value)
        try:
            inst.full_clean(exclude=["slug"] if existing else None, validate_unique=existing is None)
        except ValidationError as exc:
            problems += [f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items()]
        if follow_target:
            problems += [f"target_year: {problem}" for keeper in extensions.target_year_keepers()
                         if (problem := keeper.check(existing, values["target_year"]))]
        for domain in domains:
            holder = EmailDomain.objects.filter(domain=domain).exclude(institution__slug=slug).first()
            if holder:
                problems.append(_("the domain %(domain)s belongs to %(name)s") % {"domain": domain,
                                                                                   "name": holder.institution})
            first_slug, first_line = domain_rows.setdefault(domain, (slug, line))
            if first_slug != slug:
                problems.append(_("the domain %(domain)s is also on row %(line)s")
                                % {"domain": domain, "line": first_line})
            try:
                EmailDomain._meta.get_field("domain").run_validators(domain)
            except ValidationError as exc:
                problems.append(f"{domain}: {' '.join(exc.messages)}")
        if problems:
            report.errors.append((line, "; ".join(str(p) for p in problems)))
        else:
            planned.append((inst, existing, changed, domains, follow_target))
    if report.errors:
        return report
    with transaction.atomic():
        for inst, existing, changed, domains, follow_target in planned:
            if changed:
                inst.save()
            if follow_target:
                for keeper in extensions.target_year_keepers():
                    keeper.follow(inst, inst.target_year, by)
            if changed:
                if existing:
                    report.updated += 1
                else:
                    report.created += 1
            else:
                report.unchanged += 1
            for domain in domains:
                EmailDomain.objects.get_or_create(domain=domain, defaults={"institution": inst})
        if report.created or report.updated:
            audit(actor=by, action="institution.import",
                  detail={"created": report.created, "updated": report.updated, "unchanged": report.unchanged})
    return report
