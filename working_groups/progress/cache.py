"""Which writes of this app invalidate cached pages (members/cache.py): adoptions and answered
questions show on initiative pages and institution profiles."""

from members.cache import invalidate_on_save

from .models import Adoption, Question


def connect():
    invalidate_on_save(Adoption, "initiatives", "members")
    # a question waits for its answer: visitors' (cached) pages show only public answered ones
    invalidate_on_save(Question, "initiatives", unseen=lambda q, created: created)
