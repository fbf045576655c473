"""The general meeting's decisions through the services: votes, proxies, quorum and majority,
resolutions and what they do, receipts and the audit trail."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from meetings.dissemination.models import NewsItem
from meetings.dissemination.services import news_publish
from meetings.governance import services
from meetings.governance.models import Motion, Resolution, Vote
from members.audit.models import AuditEntry
from members.models import Institution
from members.notifications.models import Notification
from tests.factories import WorkingGroupFactory, staff_of
from working_groups.models import WorkingGroup

pytestmark = pytest.mark.django_db

FOR, AGAINST, ABSTAIN = "for", "against", "abstain"


def cast(c, n, choice, by=None):
    return services.vote_cast(motion=Motion.objects.get(pk=c.current.pk), institution=c.institutions[n],
                               by=by or c.reps[n], choice=choice)


def close(c, motion):
    return services.motion_close_voting(motion=motion, by=c.secretariat)


def test_motion_create_numbers_in_order_and_copies_its_kinds_rule(coalition):
    first = coalition.motion(kind=Motion.Kind.OTHER, status="draft")
    second = coalition.motion(kind=Motion.Kind.RULES_CHANGE, status="draft")
    assert (first.number, second.number) == (1, 2)
    assert (second.quorum_numerator, second.quorum_denominator, second.majority) == (1, 2, "two_thirds")
    assert (first.majority, first.status) == ("simple", "draft")
    assert AuditEntry.objects.filter(action="motion.create").count() == 2


@override_settings(GOVERNANCE_RULES={"statement": ("2/3", "two_thirds")})
def test_motion_rule_comes_from_the_settings(coalition):
    motion = coalition.motion(kind=Motion.Kind.STATEMENT, status="draft")
    assert (motion.quorum_numerator, motion.quorum_denominator, motion.majority) == (2, 3, "two_thirds")


def test_vote_change_keeps_one_vote_and_sends_a_receipt_each_time(coalition):
    c = coalition
    c.current = c.motion()
    cast(c, 0, FOR)
    result = cast(c, 0, AGAINST)
    again = cast(c, 0, AGAINST)
    votes = list(Vote.objects.filter(motion=c.current))
    assert [(v.choice, v.version) for v in votes] == [(AGAINST, 2)]
    assert (result.changed, again.changed) == (True, False)
    receipts = Notification.objects.filter(kind="vote_receipt", recipient=c.reps[0]).order_by("pk")
    assert [r.context["choice"] for r in receipts] == [FOR, AGAINST]
    assert receipts[1].context["code"] == services.receipt_code(votes[0])
    assert list(AuditEntry.objects.filter(action__startswith="vote.").order_by("pk").values_list(
        "action", "institution_id")) == [("vote.cast", c.institutions[0].pk), ("vote.change", c.institutions[0].pk)]


def test_second_vote_row_is_impossible_in_the_database(coalition):
    from django.db import IntegrityError, transaction

    c = coalition
    c.current = c.motion()
    cast(c, 0, FOR)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(motion=c.current, institution=c.institutions[0], choice=AGAINST)


def test_vote_after_the_window_closed_is_refused(coalition):
    c = coalition
    c.current = c.motion(closes_at=timezone.now() + datetime.timedelta(hours=1))
    cast(c, 0, FOR)
    Motion.objects.filter(pk=c.current.pk).update(voting_closes_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="締め切られました"):
        cast(c, 1, FOR)
    with pytest.raises(ValidationError, match="締め切られました"):
        cast(c, 0, AGAINST)
    assert list(Vote.objects.values_list("institution_id", "choice")) == [(c.institutions[0].pk, FOR)]


def test_vote_before_voting_opens_or_after_decision_is_refused(coalition):
    c = coalition
    c.current = c.motion(status="agenda")
    with pytest.raises(ValidationError):
        cast(c, 0, FOR)
    services.motion_open_voting(motion=c.current, by=c.secretariat)
    cast(c, 0, FOR)
    close(c, c.current)
    with pytest.raises(ValidationError):
        cast(c, 1, FOR)
    assert Vote.objects.count() == 1


def test_only_the_representative_or_the_proxy_votes_for_an_institution(coalition):
    c = coalition
    c.current = c.motion()
    colleague = staff_of(c.institutions[0])
    with pytest.raises(PermissionDenied):
        cast(c, 0, FOR, by=colleague)
    with pytest.raises(PermissionDenied):
        cast(c, 0, FOR, by=c.reps[1])  # another institution's representative
    with pytest.raises(PermissionDenied):
        services.vote_cast(motion=c.current, institution=c.cooperating, by=c.cooperating_rep, choice=FOR)
    services.proxy_designate(session=c.session, institution=c.institutions[0], holder=colleague, by=c.reps[0])
    vote = cast(c, 0, AGAINST, by=colleague).vote
    assert (vote.choice, vote.by_proxy, vote.cast_by) == (AGAINST, True, colleague)
    assert Notification.objects.get(kind="vote_receipt").recipient == colleague


def test_proxy_must_be_a_colleague_or_the_chair(coalition):
    c = coalition
    with pytest.raises(ValidationError):
        services.proxy_designate(session=c.session, institution=c.institutions[0], holder=c.reps[1], by=c.reps[0])
    proxy = services.proxy_designate(session=c.session, institution=c.institutions[0], holder=c.secretariat,
                                     by=c.reps[0])
    assert proxy.holder == c.secretariat
    assert services.proxy_revoke(session=c.session, institution=c.institutions[0], by=c.reps[0]) is True
    actions = AuditEntry.objects.filter(action__startswith="proxy.").order_by("pk").values_list("action", flat=True)
    assert list(actions) == ["proxy.designate", "proxy.revoke"]


def test_close_counts_written_votes_and_proxies_toward_the_quorum(coalition):
    c = coalition  # 4 voting institutions: quorum 2
    c.current = c.motion()
    colleague = staff_of(c.institutions[1])
    services.proxy_designate(session=c.session, institution=c.institutions[1], holder=colleague, by=c.reps[1])
    cast(c, 0, FOR)
    cast(c, 1, ABSTAIN, by=colleague)
    decision = close(c, c.current)
    m = decision.motion
    assert (m.status, m.votes_for, m.votes_against, m.votes_abstain, m.eligible, m.quorum_reached) == \
        ("adopted", 1, 0, 1, 4, True)
    assert decision.resolution.number == f"{timezone.localdate().year}-1"
    assert AuditEntry.objects.filter(action="motion.adopted", object_id=m.pk).get().detail["for"] == 1
    assert Notification.objects.filter(kind="motion_decided").count() == 5  # every active representative


def test_close_without_quorum_rejects(coalition):
    c = coalition
    c.current = c.motion()
    cast(c, 0, FOR)  # 1 of 4 takes part
    m = close(c, c.current).motion
    assert (m.status, m.quorum_reached, m.quorum_count) == ("rejected", False, 2)
    assert not Resolution.objects.exists()


def test_tie_rejects(coalition):
    c = coalition
    c.current = c.motion()
    cast(c, 0, FOR)
    cast(c, 1, AGAINST)
    m = close(c, c.current).motion
    assert (m.status, m.votes_for, m.votes_against) == ("rejected", 1, 1)


def test_rules_change_needs_two_thirds(coalition):
    c = coalition
    c.current = c.motion(kind=Motion.Kind.RULES_CHANGE)
    cast(c, 0, FOR)
    cast(c, 1, FOR)
    cast(c, 2, AGAINST)  # 2 of 3: exactly two thirds
    assert close(c, c.current).motion.status == "adopted"
    c.current = c.motion(kind=Motion.Kind.RULES_CHANGE)
    cast(c, 0, FOR)
    cast(c, 1, AGAINST)
    cast(c, 2, FOR)
    cast(c, 3, AGAINST)
    assert close(c, c.current).motion.status == "rejected"


def test_votes_of_institutions_withdrawn_since_do_not_count(coalition):
    c = coalition
    c.current = c.motion()
    cast(c, 0, FOR)
    cast(c, 1, AGAINST)
    cast(c, 2, AGAINST)
    Institution.objects.filter(pk__in=[c.institutions[1].pk, c.institutions[2].pk]).update(status="withdrawn")
    m = close(c, c.current).motion
    assert (m.eligible, m.votes_for, m.votes_against, m.quorum_reached, m.status) == (2, 1, 0, True, "adopted")


@override_settings(GOVERNANCE_COOPERATING_VOTE=True)
def test_cooperating_institutions_vote_when_the_rules_say_so(coalition):
    c = coalition
    c.current = c.motion()
    services.vote_cast(motion=c.current, institution=c.cooperating, by=c.cooperating_rep, choice=FOR)
    assert close(c, c.current).motion.eligible == 5


def test_withdrawn_motion_is_never_counted(coalition):
    c = coalition
    c.current = c.motion()
    cast(c, 0, FOR)
    with pytest.raises(ValidationError):
        services.motion_withdraw(motion=c.current, by=c.secretariat, reason="  ")
    services.motion_withdraw(motion=c.current, by=c.secretariat, reason="提案者の申し出により取り下げ")
    with pytest.raises(ValidationError):
        close(c, c.current)
    with pytest.raises(ValidationError):
        cast(c, 1, FOR)
    assert Motion.objects.get(pk=c.current.pk).status == "withdrawn"


def test_adopted_group_creation_creates_the_group_closed_for_the_secretariat(coalition):
    c = coalition
    c.current = c.motion(kind=Motion.Kind.GROUP_CREATE, group_slug="nature-positive",
                         group_name_ja="ネイチャーポジティブWG", group_name_en="Nature Positive WG",
                         proposer="member", proposer_institution=c.institutions[0])
    for n in range(3):
        cast(c, n, FOR)
    decision = close(c, c.current)
    group = WorkingGroup.objects.get(slug="nature-positive")
    assert decision.group == group
    assert (group.name_ja, group.status, group.tier) == ("ネイチャーポジティブWG", "closed", "theme")
    assert AuditEntry.objects.filter(action="group.create_by_resolution", object_id=group.pk).exists()


def test_group_creation_motion_needs_a_free_slug(coalition):
    WorkingGroupFactory(slug="taken")
    with pytest.raises(ValidationError) as info:
        coalition.motion(kind=Motion.Kind.GROUP_CREATE, group_slug="taken", group_name_ja="名前", status="draft")
    assert "group_slug" in info.value.error_dict


def test_adopted_abolition_closes_the_group_with_the_resolution(coalition):
    c = coalition
    group = WorkingGroupFactory(slug="old-theme")
    c.current = c.motion(kind=Motion.Kind.GROUP_ABOLISH, group=group)
    for n in range(3):
        cast(c, n, FOR)
    decision = close(c, c.current)
    group.refresh_from_db()
    assert group.status == "closed"
    assert decision.resolution.number in group.closed_reason


def test_resolutions_are_numbered_per_year(coalition):
    c = coalition
    numbers = []
    for _ in range(2):
        c.current = c.motion()
        cast(c, 0, FOR)
        cast(c, 1, FOR)
        numbers.append(close(c, c.current).resolution.sequence)
    assert numbers == [1, 2]


def test_opening_tells_the_voters_once(coalition):
    c = coalition
    colleague = staff_of(c.institutions[0])
    services.proxy_designate(session=c.session, institution=c.institutions[0], holder=colleague, by=c.reps[0])
    c.motion()
    told = set(Notification.objects.filter(kind="motion_voting_opened").values_list("recipient_id", flat=True))
    assert told == {r.pk for r in c.reps} | {colleague.pk}


def test_steps_out_of_order_are_refused(coalition):
    c = coalition
    motion = c.motion(status="draft")
    with pytest.raises(ValidationError):
        services.motion_open_voting(motion=motion, by=c.secretariat)
    with pytest.raises(ValidationError):
        close(c, motion)
    services.motion_put_on_agenda(motion=motion, by=c.secretariat)
    with pytest.raises(ValidationError):
        services.motion_put_on_agenda(motion=motion, by=c.secretariat)
    with pytest.raises(ValidationError):
        services.motion_open_voting(motion=motion, by=c.secretariat,
                                    closes_at=timezone.now() - datetime.timedelta(minutes=1))
    assert Motion.objects.get(pk=motion.pk).status == "agenda"


def test_the_secretariat_opens_the_group_a_resolution_created_once(coalition):
    c = coalition
    c.current = c.motion(kind=Motion.Kind.GROUP_CREATE, group_slug="nature-positive", group_name_ja="新WG")
    with pytest.raises(ValidationError):
        services.motion_group_open(motion=c.current, by=c.secretariat)  # not adopted yet
    for n in range(3):
        cast(c, n, FOR)
    close(c, c.current)
    group = services.motion_group_open(motion=c.current, by=c.secretariat)
    assert WorkingGroup.objects.get(pk=group.pk).status == "active"
    assert AuditEntry.objects.filter(action="group.open_by_resolution", object_id=group.pk).count() == 1
    with pytest.raises(ValidationError):
        services.motion_group_open(motion=c.current, by=c.secretariat)


def test_a_member_proposes_and_the_secretariat_puts_it_on_the_agenda(coalition):
    from tests.factories import secretariat_user

    c = coalition
    desk = secretariat_user()
    contact = staff_of(c.institutions[2], role="contact")
    motion = services.motion_propose(by=contact, session=c.session, institution=c.institutions[2], data={
        "kind": "statement", "title_ja": "声明案", "text_ja": "本文", "proposer": "secretariat"})
    assert (motion.status, motion.proposer, motion.proposer_institution, motion.created_by) == \
        ("draft", "member", c.institutions[2], contact)
    assert set(Notification.objects.filter(kind="motion_proposed").values_list("recipient_id", flat=True)) == \
        {c.secretariat.pk, desk.pk}
    assert AuditEntry.objects.filter(action="motion.propose", object_id=motion.pk).count() == 1
    services.motion_put_on_agenda(motion=motion, by=c.secretariat)
    assert Motion.objects.get(pk=motion.pk).status == "agenda"


def test_a_proposal_returned_tells_the_proposer_why(coalition):
    c = coalition
    motion = services.motion_propose(by=c.reps[0], session=c.session, institution=c.institutions[0], data={
        "kind": "other", "title_ja": "提案", "text_ja": "本文"})
    with pytest.raises(ValidationError):
        services.motion_return(motion=motion, by=c.secretariat, reason="")
    services.motion_return(motion=motion, by=c.secretariat, reason="次回の総会で審議します。")
    motion.refresh_from_db()
    assert (motion.status, motion.returned_reason) == ("returned", "次回の総会で審議します。")
    assert Notification.objects.get(kind="motion_returned").recipient == c.reps[0]
    with pytest.raises(ValidationError):
        services.motion_put_on_agenda(motion=motion, by=c.secretariat)
    own = c.motion(status="draft")
    with pytest.raises(ValidationError):
        services.motion_return(motion=own, by=c.secretariat, reason="理由")


def test_only_contacts_of_voting_institutions_propose(coalition):
    c = coalition
    with pytest.raises(PermissionDenied):
        services.motion_propose(by=staff_of(c.institutions[0]), session=c.session, institution=c.institutions[0],
                                data={"kind": "other", "title_ja": "提案", "text_ja": "本文"})
    with pytest.raises(PermissionDenied):
        services.motion_propose(by=c.reps[0], session=c.session, institution=c.institutions[1],
                                data={"kind": "other", "title_ja": "提案", "text_ja": "本文"})
    with pytest.raises(PermissionDenied):
        services.motion_propose(by=c.cooperating_rep, session=c.session, institution=c.cooperating,
                                data={"kind": "other", "title_ja": "提案", "text_ja": "本文"})
    assert not Motion.objects.exists()


def test_adopted_statement_is_drafted_once_as_a_news_item_of_the_general_meeting(coalition, client):
    c = coalition
    c.current = c.motion(kind=Motion.Kind.STATEMENT, title_ja="気候変動に関する共同声明",
                         title_en="Joint statement on climate change", text_ja="私たちは2050年までに…",
                         text_en="By 2050 we will…")
    for n in range(3):
        cast(c, n, FOR)
    decision = close(c, c.current)
    item = NewsItem.objects.get()
    assert decision.news_item == item
    assert (item.kind, item.status, item.title_ja, item.title_en, item.body_ja, item.body_en) == (
        "statement", "draft", "気候変動に関する共同声明", "Joint statement on climate change", "私たちは2050年までに…",
        "By 2050 we will…")
    assert (item.adopted_by, item.meeting, item.adopted_on) == (
        c.general, c.session, timezone.localdate(decision.resolution.adopted_at))
    assert item.summary_ja == f"総会決議 {decision.resolution.number}。"
    assert item.summary_en == f"Resolution {decision.resolution.number} of the general meeting."
    assert Resolution.objects.get().news_item == item
    assert AuditEntry.objects.filter(action="motion.statement_drafted", object_id=c.current.pk).count() == 1
    # once: the vote cannot be closed twice, and the news item stays one
    with pytest.raises(ValidationError):
        close(c, Motion.objects.get(pk=c.current.pk))
    assert NewsItem.objects.count() == 1
    # the secretariat finds the draft from the motion's page; published, the statement names the body
    client.force_login(c.secretariat)
    page = client.get(f"/en/motions/{c.current.pk}/").content.decode()
    assert f'href="/en/news/{item.slug}/"' in page
    assert "The statement as a news item (draft: review and publish it)" in page
    client.logout()
    assert f"/news/{item.slug}/" not in client.get(f"/en/motions/{c.current.pk}/").content.decode()  # a draft
    news_publish(item=item, by=c.secretariat)
    assert "The statement in the news" in client.get(f"/en/motions/{c.current.pk}/").content.decode()
    shown = client.get(f"/en/news/{item.slug}/").content.decode()
    assert "Joint statement on climate change" in shown
    assert "Adopted by General meeting on" in shown


@pytest.mark.parametrize(("kind", "choice"), [(Motion.Kind.STATEMENT, AGAINST), (Motion.Kind.OTHER, FOR),
                                              (Motion.Kind.APPROVAL, FOR)])
def test_no_news_item_for_a_rejected_statement_or_another_kind(coalition, kind, choice):
    c = coalition
    c.current = c.motion(kind=kind)
    for n in range(3):
        cast(c, n, choice)
    decision = close(c, c.current)
    assert decision.news_item is None
    assert NewsItem.objects.count() == 0
