"""Writes of the working-groups app that have side effects."""

from django.db import transaction

from members.audit.services import audit

from .models import Participation


@transaction.atomic
def participation_request(*, institution, group, by, message: str = "") -> Participation:
    """The institution asks to take part in ``group``; an open group accepts at once. Asking again
    while a request is open returns that request."""
    open_ = Participation.objects.filter(
        group=group, institution=institution, status__in=[Participation.Status.PENDING, Participation.Status.ACTIVE]
    ).first()
    if open_ is not None:
        return open_
    participation = Participation.objects.create(
        group=group,
        institution=institution,
        requested_by=by if by is not None and by.is_authenticated else None,
        message=str(message),
        status=Participation.Status.ACTIVE if group.is_open else Participation.Status.PENDING,
    )
    if participation.status == Participation.Status.ACTIVE:
        audit(actor=by, action="participation.approve", obj=participation, detail={"group": group.slug, "open": True})
    return participation
