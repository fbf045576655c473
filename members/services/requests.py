"""Deciding a request: the steps every decided request shares (``members.models.DecidedRequest``).

Affiliations, group memberships, institutions taking part in a group and membership applications
are each asked for by someone and decided by someone else. Deciding one always goes the same way:
lock the row (two deciders at once: the second sees it decided), check it still waits, require a
reason to refuse, record who decided and when, write the audit entry and tell the person, all in
the caller's transaction. :func:`request_decide` does exactly that; each service says only what
differs (the status it moves to, what else changes, who is told).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit.services import audit
from ..notifications.services import notify


@dataclass(frozen=True)
class Notice:
    """The e-mail a decision sends (through the outbox): ``notify``'s arguments."""

    kind: str
    to: Iterable
    period: str = ""
    reply_to: str = ""
    context: dict = field(default_factory=dict)
    language: str | None = None


@transaction.atomic
def request_decide(
    request,
    *,
    by,
    to: str,
    action: str,
    reason: str = "",
    reason_required: str = "",
    allowed_from: Iterable[str] | None = None,
    already: str | Callable = "",
    related: tuple[str, ...] = (),
    change: Callable | None = None,
    integrity_error: dict | str | None = None,
    detail: Callable | dict | None = None,
    institution=None,
    notice: Callable | None = None,
    decided_by=...,
    asked_by: int | None = None,
):
    """Move ``request`` to status ``to`` and return the row as decided.

    - the row is locked (``select_related(*related)``) and must be in ``allowed_from`` (default: the
      model's ``OPEN``), else ``already`` (a message, or a function of the row) is raised;
    - ``reason_required``: the message raised on the ``reason`` field when no reason is given;
    - ``change(row)`` makes the rest of the change before the row is saved (a role, a date);
    - ``integrity_error``: the error raised when the database refuses the row (a constraint);
    - ``detail`` (a dict, or a function of the row) and ``institution`` go into the audit entry
      ``action``; ``notice(row)`` returns the :class:`Notice` to send, or None;
    - ``decided_by`` defaults to ``by`` (None records a decision nobody took: an open group);
    - ``asked_by``: the id of the person who asked; nobody decides their own request.

    Side effects: the row; an audit entry; the notice in the outbox (sent after commit).
    """
    if asked_by is not None and getattr(by, "pk", None) == asked_by:
        raise ValidationError(_("Nobody decides their own request: another person decides it."))
    model = type(request)
    row = model.objects.select_for_update().select_related(*related).get(pk=request.pk)
    if row.status not in tuple(allowed_from if allowed_from is not None else model.OPEN):
        raise ValidationError((already(row) if callable(already) else already)
                              or _("This request was already decided."))
    reason = (reason or "").strip()
    if reason_required and not reason:
        raise ValidationError({"reason": reason_required})
    row.status = to
    row.reason = reason
    row.decided_by = by if decided_by is ... else decided_by
    if row.decided_by is not None and not row.decided_by.is_authenticated:
        row.decided_by = None
    row.decided_at = timezone.now()
    if change is not None:
        change(row)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        if integrity_error is None:
            raise
        raise ValidationError(integrity_error)
    audit(actor=by, action=action, obj=row, reason=reason, institution=institution,
          detail=detail(row) if callable(detail) else detail)
    message = notice(row) if notice is not None else None
    if message is not None:
        notify(kind=message.kind, to=message.to, obj=row, period=message.period, reply_to=message.reply_to,
               context=message.context, language=message.language)
    return row
