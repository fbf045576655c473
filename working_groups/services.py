"""Writes of the working-groups app that have side effects: joining groups, institutions taking
part, the secretariat's group management, and initiatives with their revisions.

Every service is atomic, checks the state it changes (two coordinators approving the same request
at once: the row lock makes the second one see it decided), records decisions in the audit log and
writes its e-mails to the outbox in the same transaction.
"""

import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from members.audit.services import audit
from members.i18n import fold
from members.markup import render_markdown
from members.models import User
from members.notifications.services import notify
from members.rules import current_affiliations
from members.selectors import institution_contacts
from members.services.requests import Notice, request_decide
from members.uploads import attach, attach_version, detach

from .models import (
    Initiative,
    InitiativeDocument,
    InitiativeRevision,
    Membership,
    Participation,
    WorkingGroup,
)
from .selectors import coordinators_to_notify

M = Membership.Status
P = Participation.Status


def _ensure_participation(*, institution, group, by):
    """An institution with a registered person takes part in the group."""
    participation = Participation.objects.select_for_update().filter(
        group=group, institution=institution, status__in=[P.PENDING, P.ACTIVE]
    ).first()
    if participation is None:
        participation = Participation.objects.create(group=group, institution=institution, status=P.ACTIVE,
                                                     requested_by=by, decided_by=by, decided_at=timezone.now())
    elif participation.status == P.PENDING:
        participation.status = P.ACTIVE
        participation.decided_by = by
        participation.decided_at = timezone.now()
        participation.save()
    return participation


# ---------------------------------------------------------------------------------------------
# People joining groups
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def membership_request(*, user, group: WorkingGroup, institution=None, message: str = "") -> Membership:
    """A staff member asks to join ``group`` for one of their institutions; an open group accepts
    at once. Side effects: a notice to the group's coordinators (or the decision e-mail)."""
    if group.status != WorkingGroup.Status.ACTIVE or group.is_general_meeting:
        raise ValidationError(_("This group does not take new members."))
    mine = {a.institution_id: a.institution for a in current_affiliations(user)}
    if institution is None and len(mine) == 1:
        institution = next(iter(mine.values()))
    if institution is None or institution.pk not in mine:
        raise ValidationError({"institution": _("Choose one of your institutions.")})
    if Membership.objects.filter(group=group, user=user, status__in=[M.PENDING, M.ACTIVE]).exists():
        raise ValidationError(_("You are already a member of this group or asked to join."))
    membership = Membership(group=group, user=user, institution=institution, message=message.strip())
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        raise ValidationError(_("You are already a member of this group or asked to join."))
    if group.is_open:
        _approve_membership(membership, by=user, automatic=True)
    else:
        notify(kind="group_join_requested", to=coordinators_to_notify(group), obj=membership, reply_to=user.email)
    return membership


def _membership_detail(row) -> dict:
    return {"group": row.group.slug, "user": row.user.email}


def _approve_membership(membership, *, by, automatic=False, asked_by=None):
    def join(row):
        _ensure_participation(institution=row.institution, group=row.group, by=by)

    return request_decide(
        membership, by=by, to=M.ACTIVE, action="membership.approve", related=("group", "user", "institution"),
        decided_by=None if automatic else by, change=join,
        detail=lambda row: {**_membership_detail(row), "open": automatic},
        notice=lambda row: Notice("group_join_decided", [row.user], period=f"approved:{row.decided_at.isoformat()}",
                                  reply_to="" if automatic else getattr(by, "email", "")),
        asked_by=asked_by,
    )


@transaction.atomic
def membership_decide(*, membership: Membership, by, approve: bool, reason: str = "") -> Membership:
    """A coordinator (or the secretariat) approves or refuses a join request, once.
    Side effects: the institution takes part in the group (approval); an audit entry; the decision
    e-mail to the person."""
    if approve:
        return _approve_membership(membership, by=by, asked_by=membership.user_id)
    return request_decide(
        membership, by=by, to=M.REFUSED, action="membership.refuse", reason=reason,
        reason_required=_("Give the reason; the person will read it."), related=("group", "user", "institution"),
        detail=_membership_detail,
        notice=lambda row: Notice("group_join_decided", [row.user], period=f"refused:{row.decided_at.isoformat()}",
                                  reply_to=by.email),
        asked_by=membership.user_id,
    )


@transaction.atomic
def membership_end(*, membership: Membership, by, reason: str = "") -> Membership:
    """The person leaves (or withdraws the request), or a coordinator removes them with a reason.
    Side effects: an audit entry; an e-mail to a person who was removed."""
    leaving = by == membership.user
    return request_decide(
        membership, by=by, to=M.LEFT if leaving else M.REMOVED,
        action="membership.leave" if leaving else "membership.remove", reason=reason,
        reason_required="" if leaving else _("Give the reason; the person will read it."),
        allowed_from=(M.PENDING, M.ACTIVE), already=_("This membership has already ended."),
        related=("group", "user"), detail=_membership_detail,
        notice=None if leaving else (lambda row: Notice("group_member_removed", [row.user], reply_to=by.email)),
    )


@transaction.atomic
def coordinator_name(*, membership: Membership, by, coordinator: bool = True) -> Membership:
    """Name the holder of ``membership`` a coordinator of its group (or, with ``coordinator=False``,
    no longer one). Only an active member registered for one of the group's coordinating
    institutions can be named. Returns the membership.

    Side effects: an audit entry; an e-mail to the person (``group_coordinator_named``) telling them
    what the role lets them do, or that it ended, unless they changed their own role."""
    row = Membership.objects.select_for_update().select_related("group", "user", "institution").get(pk=membership.pk)
    if row.status != M.ACTIVE:
        raise ValidationError(_("Only an active member of the group can be named coordinator."))
    if coordinator and not row.group.coordinators.filter(pk=row.institution_id).exists():
        raise ValidationError(_("Coordinators are named among the members registered for a coordinating "
                                "institution of the group."))
    if row.coordinator == coordinator:
        return row
    row.coordinator = coordinator
    row.save(update_fields=["coordinator"])
    audit(actor=by, action="membership.coordinator_name" if coordinator else "membership.coordinator_unname",
          obj=row, institution=row.institution, detail=_membership_detail(row))
    if row.user_id != getattr(by, "pk", None):
        # The period keeps a later naming (after an unnaming) from being taken for this one.
        notify(kind="group_coordinator_named", to=[row.user], obj=row, context={"named": coordinator},
               period=f"{'named' if coordinator else 'unnamed'}:{timezone.now().isoformat()}",
               reply_to=getattr(by, "email", ""))
    return row


@transaction.atomic
def user_withdraw_from_groups(*, user: User, by: User) -> int:
    """The anonymise hook (members.services.user_anonymise): the person leaves every group. Their
    initiatives stay, still authored by the (anonymised) account. Returns the memberships ended.

    Side effects: open requests and memberships end as removed, an audit entry each (no e-mail:
    nobody reads the address any more); the messages they wrote to coordinators are cleared; the
    initiatives' revision history names the placeholder address instead of theirs.
    """
    now = timezone.now()
    ended = 0
    for membership in Membership.objects.select_for_update().filter(user=user).select_related("group", "institution"):
        still_open = membership.status in (M.PENDING, M.ACTIVE)
        if still_open:
            membership.status = M.REMOVED
            membership.decided_by = by
            membership.decided_at = now
        membership.message = ""
        membership.save()
        if still_open:
            ended += 1
            audit(actor=by, action="membership.remove", obj=membership, institution=membership.institution,
                  detail={"group": membership.group.slug, "user": user.email, "anonymised": True})
    InitiativeRevision.objects.filter(editor=user).update(editor_label=user.email)
    return ended


# ---------------------------------------------------------------------------------------------
# Institutions taking part
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def participation_request(*, institution, group, by, message: str = "") -> Participation:
    """The institution asks to take part in ``group``; an open group accepts at once. Asking again
    while a request is open returns that request. Side effects: a notice to the coordinators."""
    open_ = Participation.objects.filter(
        group=group, institution=institution, status__in=[P.PENDING, P.ACTIVE]
    ).first()
    if open_ is not None:
        return open_
    participation = Participation.objects.create(
        group=group,
        institution=institution,
        requested_by=by if by is not None and by.is_authenticated else None,
        message=str(message),
        status=P.ACTIVE if group.is_open else P.PENDING,
    )
    if participation.status == P.ACTIVE:
        audit(actor=by, action="participation.approve", obj=participation, detail={"group": group.slug, "open": True})
    else:
        notify(kind="group_participation_requested", to=coordinators_to_notify(group), obj=participation)
    return participation


@transaction.atomic
def participation_decide(*, participation: Participation, by, approve: bool, reason: str = "") -> Participation:
    """A coordinator (or the secretariat) accepts or refuses an institution's request to take part.
    Side effects: an audit entry; the decision e-mail to the institution's contacts."""
    return request_decide(
        participation, by=by, to=P.ACTIVE if approve else P.REFUSED,
        action="participation.approve" if approve else "participation.refuse", reason=reason,
        reason_required="" if approve else _("Give the reason; the institution's contact will read it."),
        related=("group", "institution"), detail=lambda row: {"group": row.group.slug},
        notice=lambda row: Notice("group_participation_decided", institution_contacts(row.institution),
                                  period=row.status, reply_to=by.email),
        asked_by=participation.requested_by_id,
    )


@transaction.atomic
def participation_end(*, participation: Participation, by, reason: str = "") -> Participation:
    """The institution stops taking part (its contact's choice). Side effects: an audit entry."""
    return request_decide(
        participation, by=by, to=P.ENDED, action="participation.end", reason=reason,
        allowed_from=(P.PENDING, P.ACTIVE), already=_("The institution no longer takes part in this group."),
        related=("group",), detail=lambda row: {"group": row.group.slug},
    )


@transaction.atomic
def institution_groups_choose(*, institution, by, groups) -> dict:
    """The contact's choice of the groups the institution takes part in: new ones become requests,
    dropped ones end. Returns {"requested": [...], "ended": [...]}."""
    wanted = {g.pk: g for g in groups}
    current = {
        p.group_id: p
        for p in Participation.objects.select_for_update().filter(institution=institution,
                                                                   status__in=[P.PENDING, P.ACTIVE])
    }
    requested = [participation_request(institution=institution, group=g, by=by)
                 for pk, g in wanted.items() if pk not in current]
    ended = [participation_end(participation=p, by=by, reason=_("The institution's contact chose to leave."))
             for pk, p in current.items() if pk not in wanted]
    return {"requested": requested, "ended": ended}


# ---------------------------------------------------------------------------------------------
# The secretariat's groups
# ---------------------------------------------------------------------------------------------


# What the secretariat's group form edits (GroupForm); the coordinating institutions are a list.
GROUP_FIELDS = ("slug", "name_ja", "name_en", "description_ja", "description_en", "is_open", "order")


@transaction.atomic
def group_save(*, by, data: dict, coordinators, group: WorkingGroup | None = None) -> WorkingGroup:
    """Create a theme group (``group`` None) or edit one: ``data`` holds GROUP_FIELDS (the slug of
    an existing group, a public address, never changes), ``coordinators`` its coordinating
    institutions. Side effects: an audit entry naming the fields that changed."""
    creating = group is None
    if creating:
        group = WorkingGroup(tier=WorkingGroup.Tier.THEME)
    else:
        group = WorkingGroup.objects.select_for_update().get(pk=group.pk)
        data = {k: v for k, v in data.items() if k != "slug"}
    changed = [k for k, v in data.items() if k in GROUP_FIELDS and getattr(group, k) != v]
    for name in changed:
        setattr(group, name, data[name])
    group.full_clean()
    group.save()
    wanted = {i.pk for i in coordinators}
    if creating or set(group.coordinators.values_list("pk", flat=True)) != wanted:
        group.coordinators.set(wanted)
        changed.append("coordinators")
    audit(actor=by, action="group.create" if creating else "group.update", obj=group, detail={"fields": changed})
    return group


@transaction.atomic
def group_close(*, group: WorkingGroup, by, reason: str) -> WorkingGroup:
    """Close a group on a general-meeting resolution (the reason). Its records stay."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Record the general meeting's resolution.")})
    group = WorkingGroup.objects.select_for_update().get(pk=group.pk)
    if group.status == WorkingGroup.Status.CLOSED:
        raise ValidationError(_("This group is already closed."))
    if group.is_general_meeting:
        raise ValidationError(_("The general meeting cannot be closed."))
    group.status = WorkingGroup.Status.CLOSED
    group.closed_reason = reason
    group.closed_at = timezone.now()
    group.save()
    audit(actor=by, action="group.close", obj=group, reason=reason)
    return group


# ---------------------------------------------------------------------------------------------
# Initiatives
# ---------------------------------------------------------------------------------------------

TRACKED = ["title", "summary", "body", "title_translated", "summary_translated", "language", "partners",
           "prefecture", "started_on", "ended_on", "outcomes", "co2_reduction", "capacity_kw", "cover_alt",
           "links", "visibility"]


def _slug_for(initiative) -> str:
    base = slugify(initiative.title_translated if initiative.language == "ja" else initiative.title)[:60].strip("-")
    base = base or initiative.institution.slug[:40]
    while True:
        slug = f"{base}-{secrets.token_hex(3)}"
        if not Initiative.objects.filter(slug=slug).exists():
            return slug


def refresh_derived(initiative: Initiative) -> None:
    """Rendered body, year and the folded search text (both languages, partners, institution)."""
    initiative.year = initiative.started_on.year
    initiative.body_html = str(render_markdown(initiative.body))
    initiative.body_translated_html = str(render_markdown(initiative.body_translated))
    partners = " ".join(f"{i.name_ja} {i.name_en}" for i in initiative.partner_institutions.all()) \
        if initiative.pk else ""
    inst = initiative.institution
    initiative.search_text = fold(" ".join([
        initiative.title, initiative.title_translated, initiative.summary, initiative.summary_translated,
        initiative.body, initiative.body_translated, initiative.partners, partners, initiative.outcomes,
        inst.name_ja, inst.name_en,
    ]))


def _snapshot(initiative) -> dict:
    values = {}
    for name in TRACKED:
        value = getattr(initiative, name)
        if isinstance(value, Decimal):
            value = f"{value.quantize(Decimal('0.1')):f}"  # 49 and 49.0 are the same figure
        values[name] = value if isinstance(value, str | list | int | type(None)) else str(value)
    values["themes"] = sorted(initiative.themes.values_list("slug", flat=True))
    values["partner_institutions"] = sorted(initiative.partner_institutions.values_list("slug", flat=True))
    values["cover"] = initiative.cover.name or ""
    return values


def _revision(initiative, by, action, before=None):
    after = _snapshot(initiative)
    changes = {}
    for name, new in after.items():
        old = (before or {}).get(name)
        if before is None or old != new:
            changes[name] = [_short(old), _short(new)] if before is not None else _short(new)
    if before is not None and not changes:
        return  # saved without a change: nothing to record
    InitiativeRevision.objects.create(initiative=initiative, editor=by, editor_label=getattr(by, "email", ""),
                                      action=action, changes=changes)


def _short(value):
    if isinstance(value, str) and len(value) > 500:
        return value[:500] + "…"
    return value


# What the initiative form edits (InitiativeForm); themes and partner members are lists, the
# cover an image file already checked and re-encoded (members.uploads.clean_image).
INITIATIVE_FIELDS = ("language", "title", "summary", "body", "title_translated", "summary_translated",
                     "body_translated", "partners", "prefecture", "started_on", "ended_on", "outcomes",
                     "co2_reduction", "capacity_kw", "cover_alt", "visibility", "links")


def _apply(initiative, data: dict, *, cover=None, remove_cover: bool = False) -> None:
    for name, value in data.items():
        if name in INITIATIVE_FIELDS:
            setattr(initiative, name, value)
    if not initiative.prefecture:
        initiative.prefecture = initiative.institution.prefecture
    if cover:
        initiative.cover.save(cover.name, cover, save=False)
    elif remove_cover:
        initiative.cover = ""


@transaction.atomic
def initiative_create(*, by, institution, data: dict, themes, partner_institutions=(), cover=None,
                      documents=()) -> Initiative:
    """A staff member writes a new initiative for their institution (a draft): ``data`` holds
    INITIATIVE_FIELDS; ``documents`` (upload, title) pairs are attached with it (document_add).
    Side effects: a revision, one more per document."""
    initiative = Initiative(institution=institution, author=by, status=Initiative.Status.DRAFT)
    _apply(initiative, data, cover=cover)
    initiative.slug = _slug_for(initiative)
    refresh_derived(initiative)
    initiative.full_clean(exclude=["slug"])
    initiative.save()
    initiative.themes.set(themes)
    initiative.partner_institutions.set(partner_institutions)
    refresh_derived(initiative)
    initiative.save(update_fields=["search_text"])
    _revision(initiative, by, "create")
    for upload, title in documents:
        document_add(initiative=initiative, by=by, upload=upload, title=title)
    return initiative


@transaction.atomic
def initiative_update(*, initiative: Initiative, by, data: dict, themes=None, partner_institutions=None,
                      cover=None, remove_cover: bool = False) -> Initiative:
    """Save an edit (``data``: INITIATIVE_FIELDS; themes and partners None to keep them); the
    revision records who changed which fields, from what to what. Side effects: a revision."""
    initiative = Initiative.objects.select_for_update().select_related("institution").get(pk=initiative.pk)
    before = _snapshot(initiative)
    _apply(initiative, data, cover=cover, remove_cover=remove_cover)
    initiative.full_clean(exclude=["slug"])
    initiative.save()
    if themes is not None:
        initiative.themes.set(themes)
    if partner_institutions is not None:
        initiative.partner_institutions.set(partner_institutions)
    refresh_derived(initiative)
    initiative.save(update_fields=["year", "body_html", "body_translated_html", "search_text"])
    _revision(initiative, by, "edit", before=before)
    return initiative


def _set_status(initiative, *, by, to, allowed_from, action, reason=""):
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if initiative.status not in allowed_from:
        raise ValidationError(_("This initiative is %(status)s.") % {"status": initiative.get_status_display()})
    initiative.status = to
    if to == Initiative.Status.PUBLISHED and initiative.published_at is None:
        initiative.published_at = timezone.now()
    if reason:
        initiative.unpublished_reason = reason
    initiative.save()
    InitiativeRevision.objects.create(initiative=initiative, editor=by, editor_label=getattr(by, "email", ""),
                                      action=action, changes={"status": to, **({"reason": reason} if reason else {})})
    return initiative


@transaction.atomic
def initiative_publish(*, initiative: Initiative, by) -> Initiative:
    """Draft (or archived) → published. The first time, members of its groups who asked for it
    hear of it."""
    first = initiative.published_at is None
    initiative = _set_status(initiative, by=by, to=Initiative.Status.PUBLISHED,
                             allowed_from=(Initiative.Status.DRAFT, Initiative.Status.ARCHIVED), action="publish")
    if first:
        members = User.objects.filter(
            is_active=True, group_memberships__group__in=initiative.themes.all(), group_memberships__status=M.ACTIVE
        ).exclude(pk=getattr(by, "pk", None)).distinct()
        notify(kind="initiative_published", to=members, obj=initiative)
    return initiative


@transaction.atomic
def initiative_archive(*, initiative: Initiative, by) -> Initiative:
    """Published → archived: kept readable at its address, no longer listed."""
    return _set_status(initiative, by=by, to=Initiative.Status.ARCHIVED,
                       allowed_from=(Initiative.Status.PUBLISHED,), action="archive")


@transaction.atomic
def initiative_unpublish(*, initiative: Initiative, by, reason: str) -> Initiative:
    """The secretariat takes a published initiative back to draft, with a reason the author and
    the institution's contacts receive. Side effects: audit entry, e-mails."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; the author will read it.")})
    initiative = _set_status(initiative, by=by, to=Initiative.Status.DRAFT,
                             allowed_from=(Initiative.Status.PUBLISHED, Initiative.Status.ARCHIVED),
                             action="unpublish", reason=reason)
    audit(actor=by, action="initiative.unpublish", obj=initiative, reason=reason, institution=initiative.institution)
    people = set(institution_contacts(initiative.institution))
    if initiative.author and initiative.author.is_active:
        people.add(initiative.author)
    notify(kind="initiative_unpublished", to=people, obj=initiative,
           period=timezone.now().isoformat(), reply_to=by.email)
    return initiative


@transaction.atomic
def document_add(*, initiative: Initiative, by, upload, title: str = "") -> InitiativeDocument:
    """Attach a file, checked by its content (PDF, image, Office) and size. Side effects: a revision."""
    document = attach(InitiativeDocument(initiative=initiative), upload=upload, title=title, by=by)
    InitiativeRevision.objects.create(initiative=initiative, editor=by, editor_label=getattr(by, "email", ""),
                                      action="document", changes={"added": document.title})
    return document


@transaction.atomic
def document_version_add(*, document: InitiativeDocument, by, upload, title: str = "") -> InitiativeDocument:
    """Upload a new version of a document: the file it had stays as an earlier version
    (members.uploads.attach_version); a refused file changes nothing. Side effects: a revision."""
    document = InitiativeDocument.objects.select_for_update().select_related("initiative").get(pk=document.pk)
    attach_version(document, upload=upload, title=title, by=by)
    InitiativeRevision.objects.create(initiative=document.initiative, editor=by,
                                      editor_label=getattr(by, "email", ""), action="document",
                                      changes={"new version": document.title})
    return document


@transaction.atomic
def document_remove(*, document: InitiativeDocument, by, reason: str = "") -> int:
    """Remove a document with its earlier versions (their stored files once this commits).
    Side effects: a revision; an audit entry of who removed what, when and why. Returns the
    versions removed."""
    document = InitiativeDocument.objects.select_for_update().select_related("initiative").get(pk=document.pk)
    initiative, title = document.initiative, document.title
    reason = (reason or "").strip()
    removed = detach(document)
    changes = {"removed": title, **({"reason": reason} if reason else {})}
    InitiativeRevision.objects.create(initiative=initiative, editor=by, editor_label=getattr(by, "email", ""),
                                      action="document", changes=changes)
    audit(actor=by, action="document.remove", obj=initiative, reason=reason,
          detail={"title": title, "versions": removed})
    return removed
