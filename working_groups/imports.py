"""The secretariat's CSV import of people: their affiliation (with a role) to member institutions
and the working groups they take part in.

One row is one person at one institution. Every row is checked before anything is written: one bad
row writes nothing, and the report gives each row's errors (a dry run stops there and reports what
each row would do). The writes go through the same services as the pages (an affiliation approved
with its role, a role changed, a person's registration in a group approved), so each leaves the
same audit entry and sends the same e-mail; the import adds one audit entry of its own.

Rows are keyed by e-mail and institution: importing the same file again changes nothing and sends
nothing. An import adds and changes, never removes: a person missing from the file, or a group
missing from their row, stays as it is (people leave through the pages, with a reason).

Accounts are not created here: a person signs up and confirms their address themselves, so the
portal never writes to an address nobody confirmed; a row for an address without an account is an
error that says so. Files are UTF-8 (with or without the BOM Excel writes) or Shift_JIS (what
Excel in Japan saves as "CSV"), at most IMPORT_MAX_BYTES and IMPORT_MAX_ROWS rows.
"""

from collections import Counter
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.audit.services import audit
from members.models import Affiliation, Institution, User
from members.services.affiliations import affiliation_decide, affiliation_set_role
from members.services.imports import decode_csv_upload, read_csv
from members.spreadsheets import FORMULA_STARTS

from .models import Membership, WorkingGroup
from .services import membership_decide

PEOPLE_COLUMNS = ["email", "name", "language", "institution", "role", "title", "groups"]
REQUIRED_COLUMNS = ["email", "institution", "role"]
IMPORT_MAX_BYTES = 1024 * 1024
IMPORT_MAX_ROWS = 2000
# Free-text columns a spreadsheet would run as a formula if they started like one (CSV injection):
# refused, so that the portal never stores a value that turns into a formula when exported again.
TEXT_COLUMNS = ("name", "title")

A = Affiliation.Status
NAME_MAX = User._meta.get_field("name").max_length
TITLE_MAX = Affiliation._meta.get_field("title").max_length


@dataclass
class RowPlan:
    line: int
    email: str
    institution: str
    actions: list[str] = field(default_factory=list)  # what the row does, translated
    errors: list[str] = field(default_factory=list)
    # what the write needs
    user: User | None = None
    inst: Institution | None = None
    role: str = ""
    title: str | None = None
    name: str | None = None
    language: str | None = None
    affiliation: Affiliation | None = None
    groups: list[WorkingGroup] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.actions)


@dataclass
class PeopleImportReport:
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, error): file errors and row errors
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> dict:
        changed = sum(1 for row in self.rows if row.changes)
        return {"rows": len(self.rows), "changed": changed, "unchanged": len(self.rows) - changed}


def _verified_users(emails) -> dict[str, User]:
    addresses = EmailAddress.objects.filter(verified=True, user__is_active=True).select_related("user")
    found = {}
    for address in addresses.filter(email__in=emails):
        found[address.email.lower()] = address.user
    # an address stored with capitals: case-insensitive, one query per such row at most
    for email in set(emails) - set(found):
        address = addresses.filter(email__iexact=email).first()
        if address is not None:
            found[email] = address.user
    return found


def _plan(rows: list[dict], by: User) -> list[RowPlan]:
    """Check every row against the database and the other rows; say what each would do."""
    cleaned = [{k: (v or "").strip() for k, v in row.items() if k} for row in rows]
    emails = {row.get("email", "").lower() for row in cleaned if row.get("email")}
    users = _verified_users(emails)
    institutions = {i.slug: i for i in Institution.objects.filter(slug__in={r.get("institution") for r in cleaned})}
    groups = {g.slug: g for g in WorkingGroup.objects.all()}
    open_affiliations = {
        (a.user_id, a.institution_id): a
        for a in Affiliation.objects.filter(user__in=users.values(), status__in=[A.PENDING, A.APPROVED])
    }
    member_for = {(user_id, group_id): inst_id for user_id, group_id, inst_id in Membership.objects.filter(
        user__in=users.values(), status=Membership.Status.ACTIVE).values_list("user_id", "group_id", "institution_id")}
    pending_memberships = {
        (m.user_id, m.group_id): m for m in Membership.objects.filter(user__in=users.values(),
                                                                      status=Membership.Status.PENDING)}
    seen: dict[tuple[str, str], int] = {}
    plans = []
    for line, row in enumerate(cleaned, start=2):
        email, slug = row.get("email", "").lower(), row.get("institution", "")
        plan = RowPlan(line=line, email=email, institution=slug)
        plans.append(plan)
        errors = plan.errors
        for column in TEXT_COLUMNS:
            if row.get(column, "").startswith(FORMULA_STARTS):
                errors.append(_("%(column)s starts like a spreadsheet formula (=, +, -, @); write it without "
                                "that sign") % {"column": column})
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("email: %(value)s is not an e-mail address") % {"value": email or "—"})
        else:
            plan.user = users.get(email)
            if plan.user is None:
                errors.append(_("no account has the confirmed address %(email)s: the person signs up first, "
                                "then the file is imported again") % {"email": email})
            elif plan.user.pk == by.pk:
                errors.append(_("this row is about you: another person of the secretariat imports it"))
        plan.inst = institutions.get(slug)
        if plan.inst is None:
            errors.append(_("institution: no member has the address name %(slug)s") % {"slug": slug or "—"})
        elif not plan.inst.is_active:
            errors.append(_("institution: %(name)s is not an active member") % {"name": plan.inst.name})
        plan.role = row.get("role", "")
        if plan.role not in Affiliation.Role.values:
            errors.append(_("role must be one of: %(roles)s") % {"roles": ", ".join(Affiliation.Role.values)})
        language = row.get("language", "")
        if language and language not in ("ja", "en"):
            errors.append(_("language must be ja or en (or empty)"))
        for column, limit in (("name", NAME_MAX), ("title", TITLE_MAX)):
            if len(row.get(column, "")) > limit:
                errors.append(_("%(column)s is longer than %(max)s characters") % {"column": column, "max": limit})
        for group_slug in row.get("groups", "").split():
            group = groups.get(group_slug)
            if group is None or group.is_general_meeting:
                errors.append(_("groups: there is no working group %(slug)s") % {"slug": group_slug})
            elif group.status != WorkingGroup.Status.ACTIVE:
                errors.append(_("groups: %(name)s is closed") % {"name": group.name})
            elif group not in plan.groups:
                plan.groups.append(group)
        key = (email, slug)
        if key in seen:
            errors.append(_("the same person and institution are on row %(line)s") % {"line": seen[key]})
        seen.setdefault(key, line)
        if errors:
            continue
        user, inst = plan.user, plan.inst
        plan.affiliation = open_affiliations.get((user.pk, inst.pk))
        affiliation = plan.affiliation
        if affiliation is None:
            plan.actions.append(_("affiliated as %(role)s") % {"role": Affiliation.Role(plan.role).label})
        elif affiliation.status == A.PENDING:
            plan.actions.append(_("pending request approved as %(role)s") % {"role": Affiliation.Role(plan.role).label})
        elif affiliation.role != plan.role:
            plan.actions.append(_("role changed from %(before)s to %(after)s") % {
                "before": affiliation.get_role_display(), "after": Affiliation.Role(plan.role).label})
        title = row.get("title", "")
        if title and (affiliation is None or affiliation.title != title):
            plan.title = title
            if affiliation is not None:
                plan.actions.append(_("position set to %(title)s") % {"title": title})
        if row.get("name") and row["name"] != user.name:
            plan.name = row["name"]
            plan.actions.append(_("name set to %(name)s") % {"name": plan.name})
        if language and language != user.language:
            plan.language = language
            plan.actions.append(_("language set to %(language)s") % {"language": language})
        new_groups = []
        for group in plan.groups:
            member_for_institution = member_for.get((user.pk, group.pk))
            if member_for_institution == inst.pk:
                continue
            pending = pending_memberships.get((user.pk, group.pk))
            if member_for_institution is not None or (pending is not None and pending.institution_id != inst.pk):
                errors.append(_("groups: the person is already in %(name)s (or asked to join) for another "
                                "institution") % {"name": group.name})
                continue
            new_groups.append(group)
            plan.actions.append(_("registered in %(group)s") % {"group": group.name})
        plan.groups = new_groups
        if errors:
            plan.actions = []
    _check_representatives(plans, institutions.values())
    return plans


def _check_representatives(plans, institutions) -> None:
    """At most one representative per institution once the file is imported (a database
    constraint too): the file's representatives plus those it leaves in place."""
    in_file = {(p.user.pk, p.inst.pk): p for p in plans if not p.errors}
    wanted = Counter(p.inst.pk for p in in_file.values() if p.role == Affiliation.Role.REPRESENTATIVE)
    for user_id, inst_id in Affiliation.objects.approved().filter(
            institution__in=list(institutions), role=Affiliation.Role.REPRESENTATIVE).values_list("user_id",
                                                                                               "institution_id"):
        if (user_id, inst_id) not in in_file:
            wanted[inst_id] += 1
    for plan in in_file.values():
        if plan.role == Affiliation.Role.REPRESENTATIVE and wanted[plan.inst.pk] > 1:
            plan.errors.append(_("%(name)s would have two representatives: change the other one's role in the "
                                 "file or on the institution's people page first") % {"name": plan.inst.name})
            plan.actions = []


def read_people_file(data: bytes) -> list[dict]:
    """The rows of an uploaded file; ValidationError (on "file") when it cannot be read."""
    if len(data) > IMPORT_MAX_BYTES:
        raise ValidationError({"file": _("The file is too large (at most %(size)s MB).") % {"size": 1}})
    columns, rows = read_csv(decode_csv_upload(data))
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ValidationError({"file": _("Missing columns: %(columns)s") % {"columns": ", ".join(missing)}})
    if not rows:
        raise ValidationError({"file": _("The file has no rows under its header.")})
    if len(rows) > IMPORT_MAX_ROWS:
        raise ValidationError({"file": _("The file has more than %(max)s rows; split it.") % {"max": IMPORT_MAX_ROWS}})
    return rows


def people_import(*, data: bytes, by: User, dry_run: bool = False) -> PeopleImportReport:
    """Check a file of people (PEOPLE_COLUMNS) and, unless ``dry_run`` or a row has an error, write
    it in one transaction. Raises ValidationError when the file itself cannot be read.

    Side effects (of a written import), through the pages' services: an affiliation approved with
    its role (audit entry ``affiliation.approve``, the decision e-mail to the person), a role
    changed (``affiliation.role``), a registration in a group approved (``membership.approve``, the
    institution then takes part in the group, the decision e-mail); names, languages and positions
    updated; one audit entry ``people.import`` with the counts. Nothing when nothing changes.
    """
    report = PeopleImportReport(rows=_plan(read_people_file(data), by))
    report.errors = [(row.line, "; ".join(row.errors)) for row in report.rows if row.errors]
    if dry_run or not report.ok or not any(row.changes for row in report.rows):
        return report
    try:
        _write(report, by)
    except ValidationError as exc:  # the database changed since the check (another decision, a race)
        report.errors = [(0, " ".join(exc.messages))]
        return report
    report.written = True
    return report


@transaction.atomic
def _write(report: PeopleImportReport, by: User) -> None:
    plans = [row for row in report.rows if row.changes]
    # Who stops being a representative first, so that their successor in the same file can be one.
    plans.sort(key=lambda row: row.role == Affiliation.Role.REPRESENTATIVE)
    for row in plans:
        user = row.user
        if row.name is not None or row.language is not None:
            user = User.objects.select_for_update().get(pk=user.pk)
            user.name = row.name if row.name is not None else user.name
            user.language = row.language or user.language
            user.full_clean(exclude=["password"])
            user.save(update_fields=["name", "language"])
        affiliation = row.affiliation
        if affiliation is None:
            affiliation = Affiliation.objects.create(user=user, institution=row.inst, title=row.title or "",
                                                     created_at=timezone.now())
        elif row.title is not None:
            Affiliation.objects.filter(pk=affiliation.pk).update(title=row.title)
        if affiliation.status == A.PENDING:
            affiliation_decide(affiliation=affiliation, by=by, approve=True, role=row.role)
        elif affiliation.role != row.role:
            affiliation_set_role(affiliation=affiliation, by=by, role=row.role)
        for group in row.groups:
            membership = Membership.objects.filter(user=user, group=group, status=Membership.Status.PENDING).first()
            if membership is None:
                membership = Membership.objects.create(user=user, group=group, institution=row.inst)
            membership_decide(membership=membership, by=by, approve=True)
    audit(actor=by, action="people.import", detail=report.counts)
