"""Which writes invalidate which cached pages and fragments (members/cache.py)."""

from members.cache import invalidate_on_save

from .models import AgendaItem, Meeting, MeetingDocument, Registration


def connect():
    for model in (Meeting, AgendaItem, MeetingDocument, Registration):
        invalidate_on_save(model, "meetings")
