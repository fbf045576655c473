"""A small coalition for the general meeting's tests: participating institutions with their
representatives, a cooperating one, the secretariat, and a public session with motions."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from meetings.governance import services
from meetings.governance.models import Motion
from meetings.models import Meeting
from members.models import Affiliation, Institution
from tests.factories import InstitutionFactory, MeetingFactory, WorkingGroupFactory, secretariat_user, staff_of
from working_groups.models import WorkingGroup


@dataclass
class Coalition:
    institutions: list
    reps: list
    cooperating: Institution
    cooperating_rep: object
    secretariat: object
    general: WorkingGroup
    session: Meeting

    def motion(self, *, kind=Motion.Kind.OTHER, status="voting", closes_at=None, **data):
        """A motion of the session, moved on to ``status`` through the services."""
        data = {"title_ja": "議案", "title_en": "Motion", "text_ja": "本文です。", "text_en": "The text.",
                "kind": kind, **data}
        motion = services.motion_create(by=self.secretariat, session=self.session, data=data)
        if status in ("agenda", "voting"):
            services.motion_put_on_agenda(motion=motion, by=self.secretariat)
        if status == "voting":
            services.motion_open_voting(motion=motion, by=self.secretariat, closes_at=closes_at)
        motion.refresh_from_db()
        return motion


def make_coalition(n=4) -> Coalition:
    general = WorkingGroup.objects.filter(tier="general").first() or WorkingGroupFactory(
        tier="general", slug="general-meeting", name_ja="総会", name_en="General meeting")
    institutions = [InstitutionFactory() for _ in range(n)]
    reps = [staff_of(i, role=Affiliation.Role.REPRESENTATIVE) for i in institutions]
    cooperating = InstitutionFactory(category=Institution.Category.COOPERATING, kind=Institution.Kind.COMPANY)
    cooperating_rep = staff_of(cooperating, role=Affiliation.Role.REPRESENTATIVE)
    start = timezone.now() + datetime.timedelta(days=20)
    session = MeetingFactory(kind="general", group=general, title_ja="第9回総会", title_en="9th general meeting",
                             visibility="public", starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    return Coalition(institutions=institutions, reps=reps, cooperating=cooperating, cooperating_rep=cooperating_rep,
                     secretariat=secretariat_user(), general=general, session=session)


@pytest.fixture
def coalition(db):
    return make_coalition()
