"""The kinds of notification. Each app registers its own in ``AppConfig.ready()`` (upper apps
register with this lower layer, never the other way round; no signals).

A kind names its *audience*: the roles of the people it can reach (``EVERYONE``, ``STAFF``,
``CONTACT``, ``COORDINATOR``, ``SECRETARIAT``). This layer knows nothing of roles, so the apps that
do register an *audience resolver* (``register_audience_resolver``): a function of a person
returning the audiences they are in. The settings page lists only the kinds whose audience meets
the person's (``kinds_for``); the secretariat, who hears of every request nobody else decides,
sees every kind. A kind that can reach someone who is not in its audience (a place still held
after leaving one's institution) is still delivered and carries its one-click unsubscribe link.
"""

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


# Who a kind can reach (Kind.audience). STAFF: an approved affiliation with an active member;
# CONTACT: an institution's contact or representative; COORDINATOR: a named group coordinator.
EVERYONE, STAFF, CONTACT, COORDINATOR, SECRETARIAT = "everyone", "staff", "contact", "coordinator", "secretariat"


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
    # The roles it can reach (see above); anyone signed in unless it says otherwise.
    audience: frozenset = frozenset({EVERYONE})
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


_resolvers: list[Callable] = []


def register_audience_resolver(resolver: Callable) -> None:
    """``resolver(user)`` returns the audiences (of STAFF, CONTACT, COORDINATOR, SECRETARIAT) the
    person is in; the app that knows the role registers it."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def audiences_of(user) -> set[str]:
    found = {EVERYONE}
    for resolver in _resolvers:
        found |= set(resolver(user))
    return found


def kinds_for(user) -> list[Kind]:
    """The kinds the person may choose for: choosable, and meant for one of their roles (all of
    them for the secretariat)."""
    audiences = audiences_of(user)
    if SECRETARIAT in audiences:
        return choosable_kinds()
    return [k for k in choosable_kinds() if k.audience & audiences]
