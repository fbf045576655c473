"""Who may do what in the members app: small named predicates composed into permissions.

Views ask ``user.has_perm("members.<action>", obj)`` (django-rules), so the check is made on the
object, here, in one place. Roles (docs/architecture.md): visitor, user, staff, institution contact,
secretariat. The secretariat acts only when its two-factor sign-in is set up.
"""

from collections import defaultdict

import rules
from allauth.account.models import EmailAddress
from django.utils.functional import empty

from .models import Affiliation, Institution, User


def cached(user, name, compute):
    """Cache a per-user fact on the user object for the length of the request (on the real object,
    not request.user's lazy wrapper, so that every caller shares it)."""
    wrapped = getattr(user, "_wrapped", None)
    if wrapped is not None:
        if wrapped is empty:
            user._setup()
        user = user._wrapped
    cache = user.__dict__.setdefault("_rules_cache", {})
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def _secretariat_facts(user) -> tuple[bool, bool]:
    """(in the secretariat group, has TOTP) in one query, by the conditions of UserQuerySet."""
    row = User.objects.filter(pk=user.pk).values_list(
        User.objects.in_secretariat_group_condition(), User.objects.two_factor_condition()).first()
    return tuple(row) if row else (False, False)


def secretariat_ids(user_ids) -> set[int]:
    """Of these people, those who act as the secretariat (one query; ``is_secretariat`` for many)."""
    return set(User.objects.filter(pk__in=list(user_ids), is_active=True).secretariat().values_list("pk", flat=True))


def in_secretariat_group(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return cached(user, "secretariat", lambda: _secretariat_facts(user))[0]


def has_two_factor(user) -> bool:
    """A TOTP authenticator is active; allauth then demands the second factor at every sign-in."""
    if not user.is_authenticated:
        return False
    return cached(user, "secretariat", lambda: _secretariat_facts(user))[1]


@rules.predicate
def is_secretariat(user) -> bool:
    return in_secretariat_group(user) and has_two_factor(user)


def current_affiliations_of(user_ids) -> dict[int, list[Affiliation]]:
    """{user id: their approved affiliations with active member institutions} (one query)."""
    found = defaultdict(list)
    for affiliation in Affiliation.objects.current().filter(user_id__in=list(user_ids)).select_related("institution"):
        found[affiliation.user_id].append(affiliation)
    return dict(found)


def current_affiliations(user) -> list[Affiliation]:
    """The user's approved affiliations with active member institutions (cached per request)."""
    if not user.is_authenticated:
        return []
    return cached(user, "affiliations", lambda: current_affiliations_of([user.pk]).get(user.pk, []))


def prime_affiliations(user, affiliations) -> None:
    """A page that already loaded all of the user's affiliations (with institutions) saves the
    rules their own query."""
    current = [a for a in affiliations
               if a.status == Affiliation.Status.APPROVED and a.institution.status == Institution.Status.ACTIVE]
    cached(user, "affiliations", lambda: current)


def institution_ids(user) -> set[int]:
    return {a.institution_id for a in current_affiliations(user)}


def contact_institution_ids(user) -> set[int]:
    return {a.institution_id for a in current_affiliations(user) if a.is_contact}


@rules.predicate
def is_staff_member(user) -> bool:
    """Staff: an approved affiliation with an active member institution."""
    return bool(current_affiliations(user))


@rules.predicate
def is_staff_of(user, institution: Institution) -> bool:
    return institution is not None and institution.pk in institution_ids(user)


@rules.predicate
def is_contact_of(user, institution: Institution) -> bool:
    return institution is not None and institution.pk in contact_institution_ids(user)


@rules.predicate
def is_verified_user(user) -> bool:
    if not user.is_authenticated:
        return False

    return cached(
        user,
        "verified",
        lambda: EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists(),
    )


rules.add_perm("members.use_secretariat", is_secretariat)
rules.add_perm("members.see_contacts", is_staff_member | is_secretariat)


@rules.predicate
def is_contact_of_affiliation(user, affiliation) -> bool:
    return affiliation is not None and affiliation.institution_id in contact_institution_ids(user)


@rules.predicate
def is_self(user, affiliation) -> bool:
    return affiliation is not None and affiliation.user_id == user.pk


# What a visitor may do needs no rule; these are checked on the object by the views.
rules.add_perm("members.edit_institution", is_contact_of | is_secretariat)
rules.add_perm("members.manage_people", is_contact_of | is_secretariat)
rules.add_perm("members.view_history", is_contact_of | is_secretariat)
rules.add_perm("members.decide_affiliation", (is_contact_of_affiliation | is_secretariat) & ~is_self)
rules.add_perm("members.end_affiliation", is_self | is_contact_of_affiliation | is_secretariat)
rules.add_perm("members.request_affiliation", is_verified_user)
rules.add_perm("members.decide_application", is_secretariat)
rules.add_perm("members.set_institution_status", is_secretariat)
rules.add_perm("members.import_institutions", is_secretariat)
