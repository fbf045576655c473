"""The kinds of notification. Each app registers its own in ``AppConfig.ready()`` (upper apps
register with this lower layer, never the other way round; no signals)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise

from .models import Delivery


class Obsolete(Exception):
    """Raised by a kind's context builder when the notice no longer applies (e.g. a reminder for a
    meeting that has moved or been cancelled): the row is marked skipped, nothing is sent."""


def target_of(notification):
    """The object a notice is about, for a kind's context builder: Obsolete when it is gone."""
    obj = notification.target
    if obj is None:
        raise Obsolete("the object of this notice no longer exists")
    return obj


@dataclass(frozen=True)
class Kind:
    key: str
    label: str | Promise
    description: str | Promise = ""
    default: str = Delivery.IMMEDIATE
    # Template folder with subject.txt, body.txt and body.html.
    template: str = ""
    # Builds the template context from the row; may raise Obsolete. Runs in the recipient's language.
    context: Callable | None = None
    # Extra attachments: a function returning [(filename, content, mimetype) or a MIME part, ...].
    attachments: Callable | None = None
    # People choose immediately / digest / never for it on their settings page.
    choosable: bool = True
    # May be collected into the weekly digest.
    digestible: bool = True
    # Account security mail (sign-up, password reset): always sent, no unsubscribe, and the stored
    # body is cleared once it has gone out.
    transactional: bool = False
    order: int = 100
    # Anything else a kind needs; "headers" are added to each of its messages (e.g. List-Id).
    extra: dict = field(default_factory=dict)


_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if kind.key in _kinds and _kinds[kind.key] != kind:
        raise ValueError(f"notification kind {kind.key!r} registered twice")
    _kinds[kind.key] = kind
    return kind


def get(key: str) -> Kind:
    try:
        return _kinds[key]
    except KeyError:
        raise LookupError(f"unknown notification kind {key!r}") from None


def all_kinds() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda k: (k.order, k.key))


def choosable_kinds() -> list[Kind]:
    return [k for k in all_kinds() if k.choosable]
