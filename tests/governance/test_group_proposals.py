"""A member proposes a new working group: the coordinating institutions it names confirm (or
decline with a reason) before the secretariat puts it on the agenda; the group the general meeting
creates is coordinated by those that confirmed."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from meetings.governance import services
from meetings.governance.models import Motion, ProposedCoordinator
from members.audit.models import AuditEntry
from members.notifications.models import Notification
from tests.factories import UserFactory, secretariat_user, staff_of
from tests.url_names import url_names
from working_groups.models import WorkingGroup

pytestmark = pytest.mark.django_db

GROUP = {"kind": "group_create", "title_ja": "ネイチャーポジティブWGの設置", "text_ja": "生物多様性の取組を共有する。",
         "group_slug": "nature-positive", "group_name_ja": "ネイチャーポジティブWG"}


def propose(c, coordinators, **data):
    """Institution 0's representative proposes; ``coordinators``: indexes of c.institutions."""
    return services.motion_propose(by=c.reps[0], session=c.session, institution=c.institutions[0],
                                   data={**GROUP, **data}, coordinators=[c.institutions[n] for n in coordinators])


def answer(c, motion, n, by=None, confirm=True, reason=""):
    proposed = ProposedCoordinator.objects.get(motion=motion, institution=c.institutions[n])
    return services.motion_coordination_answer(proposed=proposed, by=by or c.reps[n], confirm=confirm, reason=reason)


def states(motion):
    return {p.institution_id: p.status for p in ProposedCoordinator.objects.filter(motion=motion)}


def test_a_group_proposal_names_its_coordinators_and_asks_the_others(coalition):
    c = coalition
    contact = staff_of(c.institutions[1], role="contact")
    with pytest.raises(ValidationError) as info:
        propose(c, [])
    assert info.value.message_dict == {"coordinators": ["WGの幹事機関を1つ以上挙げてください。"]}
    assert not Motion.objects.exists()
    motion = propose(c, [0, 1])
    assert states(motion) == {c.institutions[0].pk: "confirmed", c.institutions[1].pk: "pending"}
    asked = Notification.objects.filter(kind="group_coordination_asked")
    assert sorted(asked.values_list("recipient_id", flat=True)) == sorted([c.reps[1].pk, contact.pk])
    # other kinds of motion name no coordinators
    other = services.motion_propose(by=c.reps[0], session=c.session, institution=c.institutions[0],
                                    data={"kind": "other", "title_ja": "提案", "text_ja": "本文"},
                                    coordinators=[c.institutions[1]])
    assert not ProposedCoordinator.objects.filter(motion=other).exists()


def test_the_agenda_waits_for_every_coordinator_and_the_created_group_has_them(coalition):
    c = coalition
    motion = propose(c, [0, 1])
    with pytest.raises(ValidationError) as info:
        services.motion_put_on_agenda(motion=motion, by=c.secretariat)
    assert info.value.messages == [f"次の幹事機関がまだ承諾していません：{c.institutions[1].name}。"
                                   "回答を待つか、提案を差し戻してください。"]
    answer(c, motion, 1)
    assert AuditEntry.objects.get(action="motion.coordination_confirmed").institution_id == c.institutions[1].pk
    told = Notification.objects.get(kind="group_coordination_answered")
    assert told.recipient == c.reps[0]
    services.motion_put_on_agenda(motion=motion, by=c.secretariat)
    services.motion_open_voting(motion=motion, by=c.secretariat)
    for n in range(3):
        services.vote_cast(motion=motion, institution=c.institutions[n], by=c.reps[n], choice="for")
    decision = services.motion_close_voting(motion=motion, by=c.secretariat)
    group = WorkingGroup.objects.get(slug="nature-positive")
    assert decision.group == group
    assert set(group.coordinators.values_list("pk", flat=True)) == {c.institutions[0].pk, c.institutions[1].pk}


def test_a_coordinator_declines_with_a_reason_and_the_secretariat_returns_the_proposal(coalition):
    c = coalition
    motion = propose(c, [1])
    with pytest.raises(ValidationError) as info:
        answer(c, motion, 1, confirm=False)
    assert info.value.message_dict == {"reason": ["理由を入力してください。提案者に伝えられます。"]}
    answer(c, motion, 1, confirm=False, reason="今年度は体制が整いません。")
    assert states(motion) == {c.institutions[1].pk: "declined"}
    assert AuditEntry.objects.get(action="motion.coordination_declined").reason == "今年度は体制が整いません。"
    with pytest.raises(ValidationError):
        answer(c, motion, 1)  # answered once
    with pytest.raises(ValidationError):
        services.motion_put_on_agenda(motion=motion, by=c.secretariat)
    services.motion_return(motion=motion, by=c.secretariat, reason="幹事機関を見直してください。")
    assert Motion.objects.get(pk=motion.pk).status == "returned"


def test_only_the_named_institutions_contacts_answer_while_the_proposal_waits(coalition):
    c = coalition
    motion = propose(c, [1, 2])
    for outsider in (staff_of(c.institutions[1]), c.reps[2], c.reps[0], c.secretariat):
        with pytest.raises(PermissionDenied):
            answer(c, motion, 1, by=outsider)
    services.motion_return(motion=motion, by=c.secretariat, reason="取り下げ")
    with pytest.raises(ValidationError):
        answer(c, motion, 2)
    assert set(states(motion).values()) == {"pending"}
    assert not AuditEntry.objects.filter(action__startswith="motion.coordination").exists()


@pytest.mark.parametrize(("who", "status", "sees"), [
    ("visitor", 302, False), ("user", 404, False), ("staff of the asked institution", 404, False),
    ("contact of the asked institution", 302, True), ("representative of the asked institution", 302, True),
    ("representative of the proposer", 404, True), ("representative of another institution", 404, False),
    ("secretariat", 404, True),
])
def test_coordination_answer_permission_matrix(client, coalition, who, status, sees):
    c = coalition
    motion = propose(c, [0, 1])
    actor = {
        "visitor": lambda: None, "user": UserFactory,
        "staff of the asked institution": lambda: staff_of(c.institutions[1]),
        "contact of the asked institution": lambda: staff_of(c.institutions[1], role="contact"),
        "representative of the asked institution": lambda: c.reps[1],
        "representative of the proposer": lambda: c.reps[0],
        "representative of another institution": lambda: c.reps[2],
        "secretariat": lambda: c.secretariat,
    }[who]()
    if actor is not None:
        client.force_login(actor)
    page = client.get(f"/en/motions/{motion.pk}/")
    assert (page.status_code == 200 and GROUP["title_ja"] in page.content.decode()) is sees
    proposed = ProposedCoordinator.objects.get(motion=motion, institution=c.institutions[1])
    response = client.post(f"/en/motions/{motion.pk}/coordination/", {"proposed": proposed.pk, "confirm": "1"})
    assert response.status_code == status
    confirmed = ProposedCoordinator.objects.get(pk=proposed.pk).status == "confirmed"
    assert confirmed is (status == 302 and actor is not None)
    if confirmed:
        assert response["Location"] == f"/en/motions/{motion.pk}/"


def test_declining_on_the_page_without_a_reason_shows_the_error_in_japanese(client, coalition):
    c = coalition
    motion = propose(c, [1])
    proposed = ProposedCoordinator.objects.get(motion=motion)
    client.force_login(c.reps[1])
    page = client.get(f"/ja/motions/{motion.pk}/")
    assert f"{c.institutions[1].name}はこのWGの幹事機関を務めますか？" in page.content.decode()
    response = client.post(f"/ja/motions/{motion.pk}/coordination/", {"proposed": proposed.pk, "decline": "1"})
    assert response.status_code == 400
    [(_, form)] = response.context["coordination_answers"]
    assert form.errors == {"reason": ["理由を入力してください。提案者に伝えられます。"]}
    assert ProposedCoordinator.objects.get(pk=proposed.pk).status == "pending"
    done = client.post(f"/ja/motions/{motion.pk}/coordination/",
                       {"proposed": proposed.pk, "decline": "1", "reason": "体制が整いません。"}, follow=True)
    assert [str(m) for m in done.context["messages"]] == ["辞退しました。提案者に理由が伝えられます。"]
    assert ProposedCoordinator.objects.get(pk=proposed.pk).status == "declined"
    assert "体制が整いません。" in done.content.decode()


def test_the_secretariat_is_never_asked_to_answer(coalition):
    c = coalition
    desk = secretariat_user()
    propose(c, [1])
    assert not Notification.objects.filter(kind="group_coordination_asked", recipient__in=[desk, c.secretariat])


def test_coordination_answer_needs_its_csrf_token(coalition):
    """A contact's answer posted from another site (no CSRF token) is refused and changes nothing."""
    c = coalition
    motion = propose(c, [0, 1])
    proposed = ProposedCoordinator.objects.get(motion=motion, institution=c.institutions[1])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(c.reps[1])
    refused = browser.post(f"/en/motions/{motion.pk}/coordination/", {"proposed": proposed.pk, "confirm": "1"})
    assert refused.status_code == 403
    assert "The form could not be sent" in refused.content.decode()
    assert ProposedCoordinator.objects.get(pk=proposed.pk).status == "pending"
    browser.get(f"/en/motions/{motion.pk}/")
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    sent = browser.post(f"/en/motions/{motion.pk}/coordination/",
                        {"proposed": proposed.pk, "confirm": "1", "csrfmiddlewaretoken": token})
    assert sent.status_code == 302
    assert ProposedCoordinator.objects.get(pk=proposed.pk).status == "confirmed"


# The role table above is this page's permission matrix (tests/coalition/test_security.py counts it).
COVERED_URL_NAMES = url_names([lambda w: f"/en/motions/{w.pk}/coordination/"])
