"""Which writes invalidate which cached pages and fragments (members/cache.py)."""

from members.cache import invalidate_on_save

from .models import AgendaItem, Meeting, MeetingDocument, Registration, VisitorRegistration


def connect():
    # visitors take places as members do: the page's counts and "full" change with them
    for model in (Meeting, AgendaItem, MeetingDocument, Registration, VisitorRegistration):
        invalidate_on_save(model, "meetings")
