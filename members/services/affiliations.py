"""Affiliations: a person asks to belong to an institution; its contacts (or the secretariat) decide."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..audit.services import audit
from ..models import Affiliation, Institution, User
from ..notifications.services import notify
from ..rules import is_verified_user
from ..selectors import institution_contacts, secretariat_users
from .requests import Notice, request_decide

A = Affiliation.Status


def _one_representative():
    return {"role": _("The institution already has a representative.")}


@transaction.atomic
def affiliation_request(*, user: User, institution: Institution, title: str = "", message: str = "") -> Affiliation:
    """A signed-in person with a verified address asks to belong to an active member.

    Side effects: a notice to the institution's contacts (or to the secretariat when it has none).
    """
    if not is_verified_user(user):
        raise ValidationError(_("Verify your e-mail address first."))
    if not institution.is_active:
        raise ValidationError({"institution": _("This institution is not an active member.")})
    if Affiliation.objects.filter(user=user, institution=institution, status__in=[A.PENDING, A.APPROVED]).exists():
        raise ValidationError({"institution": _("You already belong to this institution or asked to.")})
    affiliation = Affiliation(user=user, institution=institution, title=title, message=message)
    affiliation.full_clean(exclude=["user", "institution"])
    affiliation.save()
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

    def set_role(row):
        row.role = role

    return request_decide(
        affiliation, by=by, to=A.APPROVED if approve else A.REFUSED,
        action="affiliation.approve" if approve else "affiliation.refuse",
        reason=reason, reason_required="" if approve else _("Give the reason; the person will read it."),
        related=("institution", "user"), change=set_role if approve else None,
        integrity_error=_one_representative(),
        detail=lambda row: {"role": row.role, "user": row.user.email},
        notice=lambda row: Notice("affiliation_decided", [row.user], reply_to=by.email),
        asked_by=affiliation.user_id,
    )


@transaction.atomic
def affiliation_set_role(*, affiliation: Affiliation, by: User, role: str) -> Affiliation:
    """Change an approved person's role. At most one representative (a database constraint)."""
    affiliation = Affiliation.objects.select_for_update().get(pk=affiliation.pk)
    if affiliation.status != A.APPROVED:
        raise ValidationError(_("Only approved people have a role."))
    if role not in Affiliation.Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    before = affiliation.role
    affiliation.role = role
    try:
        with transaction.atomic():
            affiliation.save(update_fields=["role"])
    except IntegrityError:
        raise ValidationError(_one_representative())
    audit(actor=by, action="affiliation.role", obj=affiliation, detail={"from": before, "to": role})
    return affiliation


@transaction.atomic
def affiliation_end(*, affiliation: Affiliation, by: User, reason: str = "") -> Affiliation:
    """The person leaves, or a contact removes them. Their initiatives stay with the institution.
    Side effects: an audit entry."""
    return request_decide(
        affiliation, by=by, to=A.ENDED, action="affiliation.end", reason=reason,
        allowed_from=(A.APPROVED, A.PENDING), already=_("This affiliation has already ended."),
        related=("user",), detail=lambda row: {"user": row.user.email, "self": by == row.user},
    )
