"""Which writes invalidate which cached pages and fragments (members/cache.py)."""

from members.cache import invalidate_on_save

from .models import Initiative, InitiativeDocument, Membership, Participation, WorkingGroup


def connect():
    invalidate_on_save(WorkingGroup, "groups")
    # A request to join waits for a decision: no page shows it until it is decided (a change, which bumps).
    invalidate_on_save(Membership, "groups",
                       unseen=lambda m, created: created and m.status == Membership.Status.PENDING)
    invalidate_on_save(Participation, "groups", "members")
    # A draft that was never published shows nowhere, whatever is written to it (its author's pages
    # are not cached); one that was (published_at is kept) may just have been withdrawn: bump.
    invalidate_on_save(Initiative, "initiatives",
                       unseen=lambda i, created: i.status != Initiative.Status.PUBLISHED and i.published_at is None)
    invalidate_on_save(InitiativeDocument, "initiatives")
