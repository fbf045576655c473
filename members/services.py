"""Writes of the members app that have side effects: applications, affiliations, people, institutions.

Every service is atomic, validates before it saves, records decisions in the audit log and writes
its e-mails to the outbox in the same transaction (they leave after commit).
"""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from . import extensions
from .audit.services import audit
from .i18n import fold
from .models import Affiliation, EmailDomain, Institution, MembershipApplication, User
from .notifications.services import notify
from .regions import PREFECTURES_BY_CODE

A = MembershipApplication.Status


def secretariat_users():
    group = Group.objects.filter(name=settings.SECRETARIAT_GROUP).first()
    return list(group.user_set.filter(is_active=True)) if group else []


def institution_contacts(institution) -> list[User]:
    """People who decide for the institution: its approved contacts and representative."""
    return list(
        User.objects.filter(
            is_active=True,
            affiliations__institution=institution,
            affiliations__status=Affiliation.Status.APPROVED,
            affiliations__role__in=[Affiliation.Role.CONTACT, Affiliation.Role.REPRESENTATIVE],
        ).distinct()
    )


# ---------------------------------------------------------------------------------------------
# Membership applications
# ---------------------------------------------------------------------------------------------


def duplicate_of(*, name_ja: str, name_en: str, exclude_application=None) -> str | None:
    """Why an application for this institution cannot be taken, or None."""
    keys = {fold(name_ja), fold(name_en)} - {""}
    if not keys:
        return None
    candidates = Institution.objects.filter(
        Q(search_text__contains=fold(name_ja)) | Q(search_text__contains=fold(name_en))
    ).exclude(status=Institution.Status.WITHDRAWN)
    for inst in candidates[:50]:
        if keys & {fold(inst.name_ja), fold(inst.name_en)}:
            return _("%(name)s is already a member of the coalition. Its contact can add you as staff.") % {
                "name": inst.name
            }
    pending = MembershipApplication.objects.open().filter(name_key__in={MembershipApplication.key_of(k) for k in keys})
    if exclude_application is not None:
        pending = pending.exclude(pk=exclude_application.pk)
    if pending.exists():
        return _("An application for %(name)s is already being reviewed by the secretariat.") % {"name": name_ja}
    return None


@transaction.atomic
def application_submit(*, application: MembershipApplication, language: str) -> MembershipApplication:
    """Save a new application (already validated by its form).

    Side effects: a receipt to the applicant, a notice to every secretariat member.
    """
    reason = duplicate_of(name_ja=application.name_ja, name_en=application.name_en)
    if reason:
        raise ValidationError({"name_ja": reason})
    application.status = A.SUBMITTED
    application.language = language
    application.full_clean()
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        # two identical applications at the same moment: the database keeps one
        raise ValidationError(
            {"name_ja": _("An application for %(name)s is already being reviewed by the secretariat.")
             % {"name": application.name_ja}}
        )
    _notify_submitted(application, language)
    return application


def _notify_submitted(application, language):
    notify(kind="application_received", to=[application.applicant_email], obj=application,
           period=f"{application.updated_at:%Y%m%d%H%M%S%f}", language=language)
    notify(kind="application_submitted", to=secretariat_users(), obj=application,
           period=f"{application.updated_at:%Y%m%d%H%M%S%f}", reply_to=application.applicant_email)


@transaction.atomic
def application_resubmit(*, application: MembershipApplication, language: str) -> MembershipApplication:
    """The applicant sends back a returned application with the changes asked for."""
    locked = MembershipApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != A.RETURNED:
        raise ValidationError(_("This application is no longer waiting for changes."))
    reason = duplicate_of(name_ja=application.name_ja, name_en=application.name_en, exclude_application=application)
    if reason:
        raise ValidationError({"name_ja": reason})
    application.status = A.SUBMITTED
    application.language = language
    application.full_clean()
    application.save()
    _notify_submitted(application, language)
    return application


def _lock_open(application, expected=(A.SUBMITTED,)) -> MembershipApplication:
    locked = MembershipApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status not in expected:
        raise ValidationError(
            _("This application was already decided (%(status)s).") % {"status": locked.get_status_display()}
        )
    return locked


def unique_slug(base: str) -> str:
    from .models import validate_member_slug

    base = (slugify(base) or "member")[:70]
    if base in validate_member_slug.reserved:
        base = f"{base}-member"
    slug, n = base, 2
    while Institution.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def application_approve(*, application: MembershipApplication, by: User) -> Institution:
    """Approve: the institution becomes an active member joined today, the applicant its contact
    (now, or when they sign up with that address), and the groups it named become requests.

    Side effects: Institution, EmailDomain, Affiliation rows; the application hooks of upper apps;
    an audit entry; a decision e-mail to the applicant. Approving twice is refused.
    """
    application = _lock_open(application)
    reason = duplicate_of(name_ja=application.name_ja, name_en=application.name_en, exclude_application=application)
    if reason:
        raise ValidationError(reason)
    institution = Institution(
        name_ja=application.name_ja,
        name_en=application.name_en,
        name_kana=application.name_kana,
        slug=unique_slug(application.name_en),
        kind=application.kind,
        category=application.category,
        prefecture=application.prefecture,
        website=application.website,
        target_year=application.target_year,
        status=Institution.Status.ACTIVE,
        joined_on=timezone.localdate(),
    )
    institution.full_clean()
    institution.save()
    if application.email_domain and not EmailDomain.objects.filter(domain=application.email_domain).exists():
        EmailDomain.objects.create(institution=institution, domain=application.email_domain)
    application.status = A.APPROVED
    application.decided_by = by
    application.decided_at = timezone.now()
    application.institution = institution
    application.save()
    applicant = _verified_user(application.applicant_email)
    if applicant is not None:
        _grant_contact(application, applicant, by=by)
    for hook in extensions.application_hooks():
        hook(application=application, institution=institution, by=by)
    audit(actor=by, action="application.approve", obj=application, institution=institution)
    audit(actor=by, action="institution.join", obj=institution, detail={"application": application.reference})
    notify(kind="application_decided", to=[application.applicant_email], obj=application, period="approved",
           language=application.language, context={"has_account": applicant is not None},
           reply_to=settings.SECRETARIAT_EMAIL)
    return institution


def _verified_user(email: str) -> User | None:
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user").first()
    return address.user if address and address.user.is_active else None


def _grant_contact(application, user, *, by):
    affiliation = Affiliation.objects.filter(
        user=user, institution=application.institution, status__in=[Affiliation.Status.PENDING,
                                                                    Affiliation.Status.APPROVED]
    ).first()
    if affiliation is None:
        affiliation = Affiliation(user=user, institution=application.institution)
    affiliation.role = Affiliation.Role.CONTACT
    affiliation.status = Affiliation.Status.APPROVED
    affiliation.title = affiliation.title or application.applicant_title
    affiliation.decided_by = by
    affiliation.decided_at = timezone.now()
    affiliation.save()
    application.contact_granted = True
    application.save(update_fields=["contact_granted", "updated_at"])
    audit(actor=by, action="affiliation.approve", obj=affiliation,
          detail={"role": affiliation.role, "via": application.reference})
    return affiliation


@transaction.atomic
def invitations_accept(*, user: User, email: str) -> list[Affiliation]:
    """When ``email`` is verified: approved applications made from it make ``user`` the contact.
    (Called from the account adapter once allauth confirms the address.)"""
    granted = []
    pending = MembershipApplication.objects.select_for_update().filter(
        status=A.APPROVED, contact_granted=False, applicant_email__iexact=email, institution__isnull=False
    )
    for application in pending:
        granted.append(_grant_contact(application, user, by=None))
    return granted


@transaction.atomic
def application_reject(*, application: MembershipApplication, by: User, reason: str) -> MembershipApplication:
    """Reject with a reason. Side effects: audit entry, decision e-mail."""
    return _close(application, by=by, reason=reason, status=A.REJECTED, action="application.reject")


@transaction.atomic
def application_return(*, application: MembershipApplication, by: User, reason: str) -> MembershipApplication:
    """Return for changes with what to change. Side effects: audit entry, e-mail with an edit link."""
    return _close(application, by=by, reason=reason, status=A.RETURNED, action="application.return")


def _close(application, *, by, reason, status, action):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; the applicant will read it.")})
    application = _lock_open(application)
    application.status = status
    application.decision_reason = reason
    application.decided_by = by
    application.decided_at = timezone.now()
    application.save()
    audit(actor=by, action=action, obj=application, reason=reason)
    from .tokens import application_edit_url

    notify(kind="application_decided", to=[application.applicant_email], obj=application,
           period=f"{status}:{application.decided_at:%Y%m%d%H%M%S%f}", language=application.language,
           context={"edit_url": application_edit_url(application)} if status == A.RETURNED else {},
           reply_to=settings.SECRETARIAT_EMAIL)
    return application


# ---------------------------------------------------------------------------------------------
# Affiliations
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def affiliation_request(*, user: User, institution: Institution, title: str = "", message: str = "") -> Affiliation:
    """A signed-in person with a verified address asks to belong to an active member.

    Side effects: a notice to the institution's contacts (or to the secretariat when it has none).
    """
    from .rules import is_verified_user

    if not is_verified_user(user):
        raise ValidationError(_("Verify your e-mail address first."))
    if not institution.is_active:
        raise ValidationError({"institution": _("This institution is not an active member.")})
    if Affiliation.objects.filter(
        user=user, institution=institution, status__in=[Affiliation.Status.PENDING, Affiliation.Status.APPROVED]
    ).exists():
        raise ValidationError({"institution": _("You already belong to this institution or asked to.")})
    affiliation = Affiliation.objects.create(user=user, institution=institution, title=title, message=message)
    deciders = institution_contacts(institution) or secretariat_users()
    notify(kind="affiliation_requested", to=deciders, obj=affiliation, reply_to=user.email)
    return affiliation


@transaction.atomic
def affiliation_decide(
    *, affiliation: Affiliation, by: User, approve: bool, reason: str = "", role: str = Affiliation.Role.STAFF
) -> Affiliation:
    """Approve (with a role) or refuse (with a reason) a pending request.

    Side effects: audit entry; a decision e-mail to the person (replies go to the decider).
    """
    affiliation = Affiliation.objects.select_for_update().select_related("institution", "user").get(pk=affiliation.pk)
    if affiliation.status != Affiliation.Status.PENDING:
        raise ValidationError(_("This request was already decided."))
    reason = (reason or "").strip()
    if approve:
        affiliation.status = Affiliation.Status.APPROVED
        affiliation.role = role
    else:
        if not reason:
            raise ValidationError({"reason": _("Give the reason; the person will read it.")})
        affiliation.status = Affiliation.Status.REFUSED
    affiliation.reason = reason
    affiliation.decided_by = by
    affiliation.decided_at = timezone.now()
    try:
        with transaction.atomic():
            affiliation.save()
    except IntegrityError:
        raise ValidationError({"role": _("The institution already has a representative.")})
    audit(actor=by, action="affiliation.approve" if approve else "affiliation.refuse", obj=affiliation,
          reason=reason, detail={"role": affiliation.role, "user": affiliation.user.email})
    notify(kind="affiliation_decided", to=[affiliation.user], obj=affiliation, reply_to=by.email)
    return affiliation


@transaction.atomic
def affiliation_set_role(*, affiliation: Affiliation, by: User, role: str) -> Affiliation:
    """Change an approved person's role. At most one representative (a database constraint)."""
    affiliation = Affiliation.objects.select_for_update().get(pk=affiliation.pk)
    if affiliation.status != Affiliation.Status.APPROVED:
        raise ValidationError(_("Only approved people have a role."))
    if role not in Affiliation.Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    before = affiliation.role
    affiliation.role = role
    try:
        with transaction.atomic():
            affiliation.save(update_fields=["role"])
    except IntegrityError:
        raise ValidationError({"role": _("The institution already has a representative.")})
    audit(actor=by, action="affiliation.role", obj=affiliation, detail={"from": before, "to": role})
    return affiliation


@transaction.atomic
def affiliation_end(*, affiliation: Affiliation, by: User, reason: str = "") -> Affiliation:
    """The person leaves, or a contact removes them. Their initiatives stay with the institution."""
    affiliation = Affiliation.objects.select_for_update().get(pk=affiliation.pk)
    if affiliation.status not in (Affiliation.Status.APPROVED, Affiliation.Status.PENDING):
        raise ValidationError(_("This affiliation has already ended."))
    affiliation.status = Affiliation.Status.ENDED
    affiliation.reason = reason
    affiliation.decided_by = by
    affiliation.decided_at = timezone.now()
    affiliation.save()
    audit(actor=by, action="affiliation.end", obj=affiliation, reason=reason,
          detail={"user": affiliation.user.email, "self": by == affiliation.user})
    return affiliation


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------

# No mail can reach an address under .invalid (RFC 2606); the user's id keeps each one unique.
ANONYMISED_DOMAIN = "anonymised.invalid"


def is_anonymised(user: User) -> bool:
    return user.email.endswith("@" + ANONYMISED_DOMAIN)


@transaction.atomic
def user_anonymise(*, user: User, by: User) -> User:
    """Remove a person's personal data and keep the row, so that what they did stays on record:
    their initiatives, registrations and attendance, minutes, memberships and the audit log. This,
    not deletion, is how a person leaves: deleting a user with a history is refused (PROTECT).

    Side effects: the name is cleared and the e-mail address replaced by a placeholder; the password
    made unusable, the account inactive, without admin rights, groups or permissions; allauth's
    e-mail addresses and two-factor authenticators deleted; signed-in sessions ended; open
    affiliations ended (an audit entry each) and the positions and messages of all cleared; the
    outbox's rows for the person lose the address, and those still waiting are skipped; notification
    choices deleted; each upper app's anonymise hook (members/extensions.py); an audit entry. The
    audit log's earlier entries are kept as they are: they record who decided what.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from .notifications.models import Notification, NotificationPreference

    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == by.pk:
        raise ValidationError(_("You cannot anonymise your own account."))
    if is_anonymised(user):
        raise ValidationError(_("This account is already anonymised."))
    user.email = f"anonymised-{user.pk}@{ANONYMISED_DOMAIN}"
    user.name = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    _end_sessions(user)
    NotificationPreference.objects.filter(user=user).delete()
    outbox = Notification.objects.filter(recipient=user)
    outbox.filter(status__in=[Notification.Status.QUEUED, Notification.Status.HELD]).update(
        status=Notification.Status.SKIPPED, last_error="anonymised"
    )
    outbox.update(email=user.email)

    now = timezone.now()
    ended = 0
    for affiliation in Affiliation.objects.select_for_update().filter(user=user).select_related("institution"):
        still_open = affiliation.status in (Affiliation.Status.PENDING, Affiliation.Status.APPROVED)
        if still_open:
            affiliation.status = Affiliation.Status.ENDED
            affiliation.decided_by = by
            affiliation.decided_at = now
        affiliation.title = affiliation.message = ""
        affiliation.save()
        if still_open:
            ended += 1
            audit(actor=by, action="affiliation.end", obj=affiliation, detail={"user": user.email, "anonymised": True})
    for hook in extensions.anonymise_hooks():
        hook(user=user, by=by)
    audit(actor=by, action="user.anonymise", obj=user, detail={"affiliations_ended": ended})
    return user


def _end_sessions(user: User) -> None:
    """Sign the person out everywhere. The new (unusable) password already invalidates every session
    at its next request, whatever the engine; sessions in the database are also deleted now. A
    session holds the user's id only inside its encoded data, hence the scan of the live ones."""
    from importlib import import_module

    from django.contrib.auth import SESSION_KEY

    if settings.SESSION_ENGINE not in ("django.contrib.sessions.backends.db",
                                       "django.contrib.sessions.backends.cached_db"):
        return
    from django.contrib.sessions.models import Session

    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            store(session.session_key).delete()


# ---------------------------------------------------------------------------------------------
# Institutions
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def institution_update(*, institution: Institution, by: User, form) -> Institution:
    """Save the profile form (validated) and its e-mail domains; record what changed."""
    changed = list(form.changed_data)
    institution = form.save()
    if "email_domains" in form.cleaned_data:
        wanted = form.cleaned_data["email_domains"]
        EmailDomain.objects.filter(institution=institution).exclude(domain__in=wanted).delete()
        for domain in wanted:
            EmailDomain.objects.get_or_create(domain=domain, defaults={"institution": institution})
    if changed:
        audit(actor=by, action="institution.update", obj=institution, detail={"fields": changed})
    return institution


@transaction.atomic
def institution_set_status(*, institution: Institution, by: User, status: str, reason: str) -> Institution:
    """Suspend, withdraw or reactivate a member, with a reason (secretariat). Nothing is deleted:
    its initiatives and meeting records stay, and it leaves the directory."""
    reason = (reason or "").strip()
    if status not in Institution.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    if not reason:
        raise ValidationError({"reason": _("Give the reason; it is kept in the institution's history.")})
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    if institution.status == status:
        raise ValidationError({"status": _("The institution already has this status.")})
    before = institution.status
    institution.status = status
    institution.save(update_fields=["status", "updated_at"])
    audit(actor=by, action=f"institution.{status}", obj=institution, reason=reason,
          detail={"from": before, "to": status})
    return institution


# ---------------------------------------------------------------------------------------------
# CSV import
# ---------------------------------------------------------------------------------------------

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


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file is neither UTF-8 nor Shift_JIS text."))


def _read_csv(text: str) -> tuple[list[str], list[dict]]:
    """The header and the rows; a file the csv module cannot read (a field longer than its limit,
    a quotation mark never closed) is refused, not a server error; so is a NUL character, which no
    text column (nor PostgreSQL) can hold."""
    if "\x00" in text:
        raise ValidationError({"file": _("The file contains a NUL character, so it is not a CSV text file.")})
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
    columns, rows = _read_csv(_decode(data))
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
        for key, value in values.items():
            setattr(inst, key, value)
        try:
            inst.full_clean(exclude=["slug"] if existing else None, validate_unique=existing is None)
        except ValidationError as exc:
            problems += [f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items()]
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
            planned.append((inst, existing, changed, domains))
    if report.errors:
        return report
    with transaction.atomic():
        for inst, existing, changed, domains in planned:
            if changed:
                inst.save()
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
