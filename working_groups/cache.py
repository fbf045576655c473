"""Which writes invalidate which cached pages and fragments (members/cache.py)."""

from members.cache import invalidate_on_save


def connect():
    from .models import Initiative, InitiativeDocument, Membership, Participation, ResearchTeam, WorkingGroup

    invalidate_on_save(WorkingGroup, "groups")
    invalidate_on_save(ResearchTeam, "groups")
    invalidate_on_save(Membership, "groups")
    invalidate_on_save(Participation, "groups", "members")
    invalidate_on_save(Initiative, "initiatives")
    invalidate_on_save(InitiativeDocument, "initiatives")
