"""Writes of the cooperation app: partners, needs through their workflow, expertise, interest and
introductions.

Every service is atomic, locks the need whose status it changes (two reviewers acting at once: the
second sees the new state and is refused), records the decision in the audit log and writes its
e-mails to the outbox in the same transaction.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from members.audit.services import audit
from members.i18n import fold
from members.markup import render_markdown
from members.models import Institution, User
from members.notifications.services import notify
from members.selectors import secretariat_users
from working_groups.models import Initiative
from working_groups.selectors import coordinators_to_notify
from working_groups.services import initiative_create

from .models import Expertise, Interest, Need, Partner

S = Need.Status

NEED_FIELDS = ["title", "description", "title_translated", "description_translated",
               "prefecture", "help_kind", "period", "organisation", "organisation_kind",
               "contact_name", "contact_role", "contact_email"]
EXPERTISE_FIELDS = ["language", "title", "description", "title_translated", "description_translated", "keywords",
                    "nationwide", "visibility"]


def _set(obj, data: dict, fields) -> None:
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])


# Partners


def _partner_slug(name_en: str, name_ja: str) -> str:
    base = slugify(name_en)[:60] or "partner"
    slug, n = base, 1
    while Partner.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


PARTNER_FIELDS = ["kind", "name_ja", "name_en", "prefecture", "municipality_code", "website", "profile_ja",
                  "profile_en", "institution"]


@transaction.atomic
def partner_save(*, data: dict, partner: Partner | None = None, initiatives=None) -> Partner:
    """Create or update a partner record (validated). ``initiatives`` replaces its initiatives."""
    partner = partner or Partner()
    _set(partner, data, PARTNER_FIELDS)
    if not partner.slug:
        partner.slug = data.get("slug") or _partner_slug(partner.name_en, partner.name_ja)
    creating = partner.pk is None
    partner.full_clean()
    partner.save()
    if initiatives is not None:
        partner.initiatives.set(initiatives)
    elif creating:
        partner.initiatives.add(*initiatives_naming(partner))
    return partner


@transaction.atomic
def partner_admin_save(*, partner: Partner | None, by: User, data: dict, initiatives=None) -> Partner:
    """The secretariat creates or corrects a partner record in the admin (its only editor):
    ``data`` holds the changed fields (and the address name of a new one), ``initiatives`` (if given)
    replaces its initiatives.
    Side effects: an audit entry naming the changed fields (none when nothing changed)."""
    creating = partner is None
    changed = sorted(set(data) - {"slug"}) + (["initiatives"] if initiatives is not None else [])
    partner = partner_save(data=data, partner=partner, initiatives=initiatives)
    if creating or changed:
        audit(actor=by, action="partner.create" if creating else "partner.update", obj=partner,
              detail={"fields": changed})
    return partner


@transaction.atomic
def initiative_partners_change(*, initiative: Initiative, by: User, link: Partner | None = None,
                               unlink: Partner | None = None, create: dict | None = None) -> Partner:
    """An initiative's editor links a partner record to it, unlinks one, or creates one (validated,
    ``create`` holds the partner's fields) and links it. The free-text partners stay as they are.

    Side effects: the partner row when created; the link; an audit entry."""
    if create is not None:
        partner = partner_save(data=create, initiatives=[])
        partner.initiatives.add(initiative)
        action = "initiative.partner_create"
    elif link is not None:
        partner = link
        partner.initiatives.add(initiative)
        action = "initiative.partner_link"
    else:
        partner = unlink
        partner.initiatives.remove(initiative)
        action = "initiative.partner_unlink"
    audit(actor=by, action=action, obj=initiative, detail={"partner": partner.slug})
    return partner


def initiatives_naming(partner: Partner) -> list[Initiative]:
    """Initiatives whose free-text partners (one per line, kept for history) name this partner
    exactly, in either language: a new record is linked to the work already recorded with it."""
    names = {n.strip() for n in (partner.name_ja, partner.name_en) if n.strip()}
    found = []
    for name in names:
        for initiative in Initiative.objects.filter(partners__contains=name).only("pk", "partners"):
            if name in {line.strip() for line in initiative.partners.splitlines()}:
                found.append(initiative)
    return found


def partner_for(need: Need) -> Partner:
    """The partner record of a need's organisation: the one of that name, or a new one."""
    name = need.organisation.strip()
    existing = Partner.objects.filter(name_ja=name).first() or Partner.objects.filter(name_en__iexact=name).first()
    if existing:
        return existing
    return partner_save(data={"kind": need.organisation_kind, "name_ja": name, "name_en": "",
                              "prefecture": need.prefecture})


# Needs


def need_refresh(need: Need) -> None:
    """Rendered description, year and the folded search text."""
    need.description_html = str(render_markdown(need.description))
    need.description_translated_html = (str(render_markdown(need.description_translated))
                                        if need.description_translated else "")
    need.year = (need.published_at or need.created_at or timezone.now()).year
    partner = need.partner
    need.search_text = fold(" ".join([need.title, need.description, need.title_translated,
                                      need.description_translated, need.period,
                                      partner.name_ja if partner else "", partner.name_en if partner else ""]))


def reviewers_of(need: Need):
    """Who reviews a need: the secretariat and the coordinators of its themes' groups (staff of a
    coordinating institution)."""
    people = {u.pk: u for u in secretariat_users()}
    for group in need.themes.all():
        for user in coordinators_to_notify(group):
            people.setdefault(user.pk, user)
    return list(people.values())


@transaction.atomic
def need_submit(*, data: dict, themes, language: str) -> Need:
    """A need from the public form: saved unconfirmed; the submitter receives a link to confirm their
    address, and only then does it reach the reviewers. Side effects: the confirmation e-mail."""
    need = Need(language=language, status=S.UNCONFIRMED)
    _set(need, data, NEED_FIELDS)
    need.contact_email = need.contact_email.strip().lower()
    themes = list(themes)
    if not themes:
        raise ValidationError({"themes": _("Choose at least one theme.")})
    need_refresh(need)
    need.full_clean(exclude=["partner", "initiative"])
    need.save()
    need.themes.set(themes)
    notify(kind="need_confirm", to=[need.contact_email], obj=need, language=language)
    return need


def _locked(need: Need) -> Need:
    return Need.objects.select_for_update().get(pk=need.pk)


def _move(need: Need, *, to: str, allowed_from, by, action: str, reason: str = "", before_save=None) -> Need:
    need = _locked(need)
    if need.status not in allowed_from:
        raise ValidationError(_("This need is no longer in a state where that can be done."))
    need.status = to
    if before_save is not None:
        before_save(need)
    if reason:
        need.reason = reason
    if by is not None:
        need.reviewed_by = by
    need.save()
    audit(actor=by, action=f"need.{action}", obj=need, reason=reason)
    return need


@transaction.atomic
def need_confirm(*, need: Need) -> Need:
    """The submitter followed the link: the need waits for review, and the reviewers hear of it.
    Confirming twice changes nothing (returns the need as it is)."""
    need = _locked(need)
    if need.status != S.UNCONFIRMED:
        return need
    need.status = S.SUBMITTED
    need.confirmed_at = timezone.now()
    need.save()
    audit(actor=None, action="need.submit", obj=need, detail={"email_confirmed": True})
    notify(kind="need_submitted", to=reviewers_of(need), obj=need)
    return need


@transaction.atomic
def need_publish(*, need: Need, by) -> Need:
    """Submitted → published, on the board, linked to its partner record (found by name or created).
    Side effects: audit entry; the submitter hears; staff of member institutions in its themes hear
    of it (now, in the digest or never, as they chose)."""

    def publish(need):
        need.published_at = timezone.now()
        if need.partner_id is None:
            need.partner = partner_for(need)
        need_refresh(need)

    need = _move(need, to=S.PUBLISHED, allowed_from=(S.SUBMITTED,), by=by, action="publish", before_save=publish)
    notify(kind="need_decided", to=[need.contact_email], obj=need, language=need.language)
    notify(kind="need_published", to=need_audience(need, exclude=by), obj=need)
    return need


@transaction.atomic
def need_return(*, need: Need, by, question: str) -> Need:
    """Submitted → returned: the reviewer asks the submitter a question; the submitter answers by
    editing the need through a signed link (need_resubmit). Side effects: audit entry, e-mail."""
    question = (question or "").strip()
    if not question:
        raise ValidationError({"reason": _("Write the question; the submitter will read it.")})
    need = _move(need, to=S.RETURNED, allowed_from=(S.SUBMITTED,), by=by, action="return", reason=question)
    notify(kind="need_returned", to=[need.contact_email], obj=need, language=need.language,
           period=need.updated_at.isoformat())
    return need


@transaction.atomic
def need_resubmit(*, need: Need, data: dict, themes) -> Need:
    """The submitter answered (through the signed link): the need waits for review again and its
    reviewers hear of it. Side effects: audit entry, e-mails."""
    themes = list(themes)
    if not themes:
        raise ValidationError({"themes": _("Choose at least one theme.")})
    need = _locked(need)
    if need.status != S.RETURNED:
        raise ValidationError(_("This need is no longer in a state where that can be done."))
    _set(need, {k: v for k, v in data.items() if k != "contact_email"}, NEED_FIELDS)
    need.status = S.SUBMITTED
    need_refresh(need)
    need.full_clean(exclude=["partner", "initiative"])
    need.save()
    need.themes.set(themes)
    audit(actor=None, action="need.resubmit", obj=need)
    notify(kind="need_submitted", to=reviewers_of(need), obj=need, period=need.updated_at.isoformat())
    return need


def need_audience(need: Need, *, exclude=None):
    """Who may hear of a newly published need (as they chose: now, digest or never): staff of active
    member institutions that take part in one of its themes and lie in its region (anywhere in
    Japan: every region)."""
    institutions = Institution.objects.active().filter(
        group_participations__group__in=need.themes.all(), group_participations__status="active")
    region = need.region
    if region is not None:
        institutions = institutions.filter(prefecture__in=region.codes)
    return User.objects.filter(
        is_active=True, affiliations__status="approved", affiliations__institution__in=institutions,
    ).exclude(pk=getattr(exclude, "pk", None)).distinct()


@transaction.atomic
def need_decline(*, need: Need, by, reason: str) -> Need:
    """Submitted → declined, with a reason the submitter reads. Side effects: audit entry, e-mail."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; the submitter will read it.")})
    need = _move(need, to=S.DECLINED, allowed_from=(S.SUBMITTED,), by=by, action="decline", reason=reason)
    notify(kind="need_decided", to=[need.contact_email], obj=need, language=need.language)
    return need


@transaction.atomic
def need_close(*, need: Need, by, reason: str = "") -> Need:
    """A listed need is closed (done, or no longer wanted). Side effects: audit entry."""
    return _move(need, to=S.CLOSED, allowed_from=(S.PUBLISHED, S.DISCUSSION, S.MATCHED), by=by, action="close",
                 reason=(reason or "").strip())


@transaction.atomic
def need_mark_matched(*, need: Need, by) -> Need:
    """In discussion → matched: the parties agreed to work together. Side effects: audit entry."""
    return _move(need, to=S.MATCHED, allowed_from=(S.DISCUSSION,), by=by, action="match")


# Interest and introductions


@transaction.atomic
def interest_express(*, need: Need, user, institution, message: str) -> Interest:
    """Staff say their institution could help. Once per institution and need. Side effects: audit
    entry; the need's reviewers hear of it."""
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": _("Say in a few words how your institution could help.")})
    need = _locked(need)
    if not need.is_open:
        raise ValidationError(_("This need no longer takes offers of help."))
    if Interest.objects.filter(need=need, institution=institution).exists():
        raise ValidationError(_("Your institution has already offered help with this need."))
    interest = Interest(need=need, institution=institution, user=user, message=message)
    interest.full_clean()
    interest.save()
    audit(actor=user, action="need.interest", obj=need, institution=institution, detail={"interest": interest.pk})
    notify(kind="need_interest", to=reviewers_of(need), obj=interest)
    return interest


@transaction.atomic
def need_introduce(*, interest: Interest, by) -> Interest:
    """The reviewer puts the submitter and the interested staff member in touch: one e-mail to each,
    in their language, exactly once (the outbox's deduplication key); the need moves to discussion.
    Side effects: audit entry, two e-mails."""
    need = _locked(interest.need)
    interest = Interest.objects.select_for_update().get(pk=interest.pk)
    if interest.introduced_at is not None:
        raise ValidationError(_("These two have already been introduced."))
    if not need.is_open and need.status != S.MATCHED:
        raise ValidationError(_("This need is no longer in a state where that can be done."))
    interest.introduced_at = timezone.now()
    interest.introduced_by = by
    interest.save()
    if need.status == S.PUBLISHED:
        need.status = S.DISCUSSION
        need.save()
    audit(actor=by, action="need.introduce", obj=need, institution=interest.institution,
          detail={"interest": interest.pk})
    notify(kind="need_introduction", to=[need.contact_email], obj=interest, language=need.language,
           context={"to_submitter": True})
    notify(kind="need_introduction", to=[interest.user], obj=interest)
    return interest


@transaction.atomic
def initiative_from_need(*, need: Need, by, institution) -> Initiative:
    """A matched need led to work: a draft initiative of ``institution``, prefilled from the need
    (its partner, themes, prefecture), linked both ways (the need's ``initiative``, the partner's
    initiatives) so the partner's page shows the outcome. Side effects: the initiative's revision,
    an audit entry."""
    need = _locked(need)
    if need.status not in (S.MATCHED, S.CLOSED) or need.initiative_id is not None:
        raise ValidationError(_("This need is no longer in a state where that can be done."))
    partner = need.partner
    initiative = initiative_create(by=by, institution=institution, themes=list(need.themes.all()), data={
        "language": need.language, "title": need.title, "summary": truncate_text(need.description, 300),
        "body": need.description, "partners": partner.name if partner else need.organisation,
        "prefecture": need.prefecture or institution.prefecture, "started_on": timezone.localdate(),
        "visibility": "public",
    })
    need.initiative = initiative
    need.save(update_fields=["initiative", "updated_at"])
    if partner is not None:
        partner.initiatives.add(initiative)
    audit(actor=by, action="need.initiative", obj=need, institution=institution,
          detail={"initiative": initiative.slug})
    return initiative


def truncate_text(text: str, length: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


# Expertise


def expertise_refresh(entry: Expertise) -> None:
    entry.description_html = str(render_markdown(entry.description))
    entry.description_translated_html = (str(render_markdown(entry.description_translated))
                                         if entry.description_translated else "")
    entry.year = (entry.created_at or timezone.now()).year
    inst = entry.institution
    entry.search_text = fold(" ".join([entry.title, entry.description, entry.title_translated,
                                       entry.description_translated, entry.keywords, inst.name_ja, inst.name_en]))


def _prefectures(codes) -> str:
    codes = sorted({c for c in codes if c})
    return f",{','.join(codes)}," if codes else ""


@transaction.atomic
def expertise_save(*, by, data: dict, themes, prefectures=(), languages=("ja",), institution=None,
                   contact=None, entry: Expertise | None = None) -> Expertise:
    """Create (for ``institution``) or update an expertise entry. Side effects: audit entry."""
    themes = list(themes)
    if not themes:
        raise ValidationError({"themes": _("Choose at least one theme.")})
    creating = entry is None
    if creating:
        entry = Expertise(institution=institution, author=by)
    _set(entry, data, EXPERTISE_FIELDS)
    entry.prefectures = _prefectures(prefectures)
    entry.languages = ",".join(lang for lang in ("ja", "en") if lang in languages) or "ja"
    entry.contact = contact or entry.contact or by
    if contact is not None and not contact.affiliations.filter(
            institution_id=entry.institution_id, status="approved").exists():
        raise ValidationError({"contact": _("The contact person must be a colleague at the institution.")})
    if not entry.nationwide and not entry.prefectures:
        raise ValidationError({"prefectures": _("Choose the prefectures served, or the whole country.")})
    expertise_refresh(entry)
    entry.full_clean(exclude=["author", "contact"])
    entry.save()
    entry.themes.set(themes)
    audit(actor=by, action="expertise.create" if creating else "expertise.edit", obj=entry)
    return entry

