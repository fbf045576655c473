"""Which writes invalidate which cached pages (members/cache.py): the home page, institution
profiles and group pages show needs and expertise."""

from members.cache import invalidate_on_save

from .models import Expertise, Interest, Need, Partner


def connect():
    # An unconfirmed or waiting need shows nowhere that is cached; one that was published may just
    # have changed status: bump.
    invalidate_on_save(Need, "cooperation", unseen=lambda n, created: n.published_at is None)
    invalidate_on_save(Expertise, "cooperation")
    invalidate_on_save(Interest, "cooperation")
    invalidate_on_save(Partner, "cooperation")
