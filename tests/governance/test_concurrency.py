"""Races on PostgreSQL (two threads, two connections): votes for one institution at the same moment
record one vote; a vote racing the close is either counted or refused, never recorded after it."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from meetings.governance import services
from meetings.governance.models import Motion, Vote
from members.audit.models import AuditEntry
from tests.factories import staff_of
from tests.governance.conftest import make_coalition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except ValidationError as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results, errors


@pytest.mark.parametrize("choices", [("for", "against"), ("for", "for")])
def test_representative_and_proxy_voting_at_once_record_one_vote(choices):
    c = make_coalition(n=2)
    motion = c.motion()
    institution = c.institutions[0]
    proxy = staff_of(institution)
    services.proxy_designate(session=c.session, institution=institution, holder=proxy, by=c.reps[0])
    results, errors = race(
        lambda: services.vote_cast(motion=motion, institution=institution, by=c.reps[0], choice=choices[0]),
        lambda: services.vote_cast(motion=motion, institution=institution, by=proxy, choice=choices[1]),
    )
    assert errors == []
    votes = list(Vote.objects.filter(motion=motion))
    assert len(votes) == 1
    entries = list(AuditEntry.objects.filter(action__startswith="vote.").order_by("pk"))
    # the vote recorded is the one the audit trail says came last
    assert entries[-1].detail["choice"] == votes[0].choice
    assert entries[0].action == "vote.cast"
    assert votes[0].version == len(entries)
    assert len(entries) == (1 if choices[0] == choices[1] else 2)


def test_a_proxy_holding_two_institutions_votes_for_both_at_once():
    c = make_coalition(n=2)
    motion = c.motion()
    for n in range(2):
        services.proxy_designate(session=c.session, institution=c.institutions[n], holder=c.secretariat,
                                 by=c.reps[n])
    results, errors = race(*[
        (lambda i=i: services.vote_cast(motion=motion, institution=i, by=c.secretariat, choice="for"))
        for i in c.institutions])
    assert errors == []
    assert sorted(Vote.objects.values_list("institution_id", flat=True)) == sorted(i.pk for i in c.institutions)


def test_a_vote_racing_the_close_is_counted_or_refused():
    c = make_coalition(n=3)
    motion = c.motion()
    services.vote_cast(motion=motion, institution=c.institutions[0], by=c.reps[0], choice="for")
    results, errors = race(
        lambda: services.motion_close_voting(motion=motion, by=c.secretariat),
        lambda: services.vote_cast(motion=motion, institution=c.institutions[1], by=c.reps[1], choice="for"),
    )
    motion = Motion.objects.get(pk=motion.pk)
    recorded = Vote.objects.filter(motion=motion).count()
    assert motion.votes_cast == recorded
    assert len(errors) == (1 if recorded == 1 else 0)
