"""Which writes of this app invalidate cached pages and fragments (members/cache.py): adoptions and
answered questions show on initiative pages, institution profiles and the home page; reports and
commitments feed the totals of /progress/, cached under a namespace of this app's own, ``progress``
(with ``members`` and ``groups``: an institution's region, kind, status and groups filter them)."""

from members.cache import invalidate_on_save

from .models import Adoption, Commitment, Question, YearlyReport

TOTALS = ("progress", "members", "groups")


def connect():
    invalidate_on_save(Adoption, "initiatives", "members")
    # a question waits for its answer: visitors' (cached) pages show only public answered ones
    invalidate_on_save(Question, "initiatives", unseen=lambda q, created: created)
    # a new draft is in no total; any change to an existing report may be a publication
    invalidate_on_save(YearlyReport, "progress", unseen=lambda r, created: created and r.status != "published")
    invalidate_on_save(Commitment, "progress")
