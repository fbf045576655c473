"""Messages of the secretariat to all members, representatives or contacts, or to one working group
(whose coordinators may write to it too): composed in both languages, previewed with the number of
recipients, sent once through the outbox (counted at a real SMTP server), audited, archived on the
group's page for its members. With the permission matrix of every message URL."""

from dataclasses import dataclass

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings.governance import services
from meetings.governance.models import Message
from members.audit.models import AuditEntry
from members.models import Affiliation, Institution
from members.notifications.models import Delivery, Notification, NotificationPreference
from tests.factories import InstitutionFactory, UserFactory, WorkingGroupFactory, secretariat_user, staff_of
from tests.permissions import LOGIN, NF, OK, TF, Action, Outcome, cells, check_cell
from tests.url_names import url_names
from working_groups.models import Membership, WorkingGroup

pytestmark = pytest.mark.django_db

ROLES = ["visitor", "user", "staff", "member", "coordinator", "other_coordinator", "secretariat",
         "secretariat_no_2fa"]


@dataclass
class World:
    group: WorkingGroup
    other_group: WorkingGroup
    users: dict
    members: list
    messages: dict  # draft to the group, draft to all representatives, sent to the group


@pytest.fixture
def world(settings, tmp_path):
    a = InstitutionFactory(name_ja="甲大学", name_en="Alpha University")
    c = InstitutionFactory(name_ja="丙大学", name_en="Gamma University")
    d = InstitutionFactory(name_ja="丁大学", name_en="Delta University")
    suspended = InstitutionFactory(status=Institution.Status.SUSPENDED)
    group = WorkingGroupFactory(slug="regional", name_ja="地域WG", name_en="Regional WG", coordinators=[c])
    other_group = WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG", coordinators=[d])
    users = {
        "visitor": None,
        "user": UserFactory(),
        "staff": staff_of(a, email="staff@a.example", language="ja"),
        "member": staff_of(a, role=Affiliation.Role.REPRESENTATIVE, email="member@a.example", language="en"),
        "coordinator": staff_of(c, role=Affiliation.Role.CONTACT, email="coord@c.example", language="ja"),
        "other_coordinator": staff_of(d, email="coord@d.example"),
        "secretariat": secretariat_user(email="desk@coalition.example"),
        "secretariat_no_2fa": secretariat_user(two_factor=False, email="new-desk@coalition.example"),
    }
    Membership.objects.create(group=group, user=users["member"], institution=a, status="active")
    Membership.objects.create(group=group, user=users["coordinator"], institution=c, status="active", coordinator=True)
    Membership.objects.create(group=other_group, user=users["other_coordinator"], institution=d, status="active",
                              coordinator=True)
    Membership.objects.create(group=group, user=staff_of(a, email="asked@a.example"), institution=a,
                              status="pending")  # asked, not yet a member: no message
    staff_of(suspended, role=Affiliation.Role.REPRESENTATIVE, email="rep@suspended.example")  # not a member now
    sec = users["secretariat"]
    messages = {
        "group": services.message_save(by=sec, data={
            "audience": "group", "group": group, "subject_ja": "会合のご案内", "subject_en": "About the meeting",
            "body_ja": "本文です。", "body_en": "The text."}),
        "representatives": services.message_save(by=sec, data={
            "audience": "representatives", "subject_ja": "代表者の皆様へ", "body_ja": "総会のご案内。"}),
        "sent": services.message_save(by=sec, data={"audience": "group", "group": group,
                                                    "subject_ja": "過去のお知らせ", "body_ja": "以前の本文。"}),
    }
    services.message_send(message=messages["sent"], by=sec)
    Notification.objects.all().delete()
    return World(group=group, other_group=other_group, users=users, members=[users["member"], users["coordinator"]],
                 messages=messages)


def db_state() -> dict:
    return {
        "messages": sorted(Message.objects.values_list("pk", "audience", "group_id", "subject_ja", "body_ja",
                                                       "status", "recipients")),
        "audit": AuditEntry.objects.count(),
        "outbox": Notification.objects.count(),
    }


def path(w, key, tail=""):
    return f"/ja/messages/{w.messages[key].pk}/{tail}"


def new_message(audience="group", **data):
    return lambda w, u: {"audience": audience, "group": w.group.pk if audience == "group" else "",
                         "subject_ja": "新しいお知らせ", "body_ja": "新しい本文。", "subject_en": "", "body_en": "",
                         **data}


def sent(w, key):
    return Message.objects.get(pk=w.messages[key].pk).status == "sent"


ACTIONS = {
    "list_get": Action(path=lambda w: "/ja/messages/", marker=lambda w, u: "会合のご案内"),
    "new_get": Action(path=lambda w: "/ja/messages/new/", marker=lambda w, u: 'name="subject_ja"'),
    "new_group_post": Action(
        path=lambda w: "/ja/messages/new/", data=new_message(),
        done=lambda w, u: Message.objects.filter(subject_ja="新しいお知らせ", group=w.group).count() == 1,
        success_url=lambda w, u: Message.objects.get(subject_ja="新しいお知らせ").get_absolute_url(),
    ),
    "new_all_post": Action(
        path=lambda w: "/ja/messages/new/", data=new_message("members"),
        done=lambda w, u: Message.objects.filter(subject_ja="新しいお知らせ", audience="members").count() == 1,
        success_url=lambda w, u: Message.objects.get(subject_ja="新しいお知らせ").get_absolute_url(),
    ),
    "preview_group_get": Action(path=lambda w: path(w, "group"), marker=lambda w, u: "The text."),
    "preview_representatives_get": Action(path=lambda w: path(w, "representatives"),
                                          marker=lambda w, u: "総会のご案内。"),
    "edit_group_get": Action(path=lambda w: path(w, "group", "edit/"), marker=lambda w, u: "会合のご案内"),
    "edit_group_post": Action(
        path=lambda w: path(w, "group", "edit/"), data=new_message(subject_ja="直したお知らせ"),
        done=lambda w, u: Message.objects.get(pk=w.messages["group"].pk).subject_ja == "直したお知らせ",
        success_url=lambda w, u: path(w, "group"),
    ),
    "send_group_post": Action(path=lambda w: path(w, "group", "send/"), data=lambda w, u: {},
                              done=lambda w, u: sent(w, "group"), success_url=lambda w, u: path(w, "group")),
    "send_representatives_post": Action(path=lambda w: path(w, "representatives", "send/"), data=lambda w, u: {},
                                        done=lambda w, u: sent(w, "representatives"),
                                        success_url=lambda w, u: path(w, "representatives")),
}

WRITERS = (LOGIN, NF, NF, NF, OK, OK, OK, TF)  # the secretariat, any group's coordinator
GROUPS = (LOGIN, NF, NF, NF, OK, NF, OK, TF)  # the group's coordinators and the secretariat
SECRETARIAT = (LOGIN, NF, NF, NF, NF, NF, OK, TF)

MATRIX = {
    # action                       visitor user staff member coordinator other_coord secretariat sec_no_2fa
    "list_get": (LOGIN, NF, NF, NF, OK, "hidden", OK, TF),  # another group's coordinator: not this message
    "new_get": WRITERS,
    "new_group_post": (LOGIN, NF, NF, NF, OK, "form", OK, TF),  # not to another coordinator's group
    "new_all_post": (LOGIN, NF, NF, NF, "form", "form", OK, TF),  # to all: the secretariat only
    "preview_group_get": GROUPS,
    "preview_representatives_get": SECRETARIAT,
    "edit_group_get": GROUPS,
    "edit_group_post": GROUPS,
    "send_group_post": GROUPS,
    "send_representatives_post": SECRETARIAT,
}

COVERED_URL_NAMES = url_names(action.path for action in ACTIONS.values())


def _form(response, content, world, user):
    assert response.status_code == 400
    assert "正しく選択してください。" in content


def _hidden(response, content, world, user):
    assert response.status_code == 200


@pytest.mark.parametrize(("action_name", "role", "outcome"), cells(ACTIONS, MATRIX, ROLES))
def test_messages_action_as_role_has_expected_outcome(client, world, deliver, action_name, role, outcome):
    check_cell(client, world, action=ACTIONS[action_name], user=world.users[role], outcome=outcome,
               state=db_state, deliver=deliver, outcomes={"form": Outcome(_form), "hidden": Outcome(_hidden)})


# ---------------------------------------------------------------------------------------------
# Behaviour
# ---------------------------------------------------------------------------------------------


def test_secretariat_composes_previews_and_sends_to_a_group_once_counted_at_the_smtp_sink(client, world, deliver,
                                                                                          smtp):
    extra = staff_of(InstitutionFactory(), email="quiet@e.example")
    Membership.objects.create(group=world.group, user=extra, institution=extra.affiliations.get().institution,
                              status="active")
    NotificationPreference.objects.create(user=extra, kind="secretariat_message", delivery=Delivery.NEVER)
    client.force_login(world.users["secretariat"])
    response = client.post("/ja/messages/new/", {
        "audience": "group", "group": world.group.pk, "subject_ja": "現地視察のお知らせ",
        "body_ja": "**11月**に視察します。", "subject_en": "Site visit", "body_en": "We visit in **November**."})
    message = Message.objects.get(subject_ja="現地視察のお知らせ")
    assert response["Location"] == f"/ja/messages/{message.pk}/"
    preview = client.get(f"/ja/messages/{message.pk}/").content.decode()
    assert "3人に送られます" in preview  # member, coordinator, and the one who turned these off
    assert "<strong>11月</strong>に視察します。" in preview and "We visit in <strong>November</strong>." in preview
    assert smtp.messages == []  # a preview sends nothing
    with deliver():
        response = client.post(f"/ja/messages/{message.pk}/send/", follow=True)
    assert "2人にメッセージを送信しています。" in response.content.decode()
    received = {m["To"]: m for m in smtp.messages}
    assert sorted(received) == ["coord@c.example", "member@a.example"]
    assert str(received["member@a.example"]["Subject"]) == "Site visit"
    assert "We visit in **November**." in received["member@a.example"].get_body(("plain",)).get_content()
    assert str(received["coord@c.example"]["Subject"]) == "現地視察のお知らせ"
    # sending again is refused and reaches nobody
    with deliver():
        response = client.post(f"/ja/messages/{message.pk}/send/", follow=True)
    assert "このメッセージはすでに送信されています。" in response.content.decode()
    assert len(smtp.messages) == 2
    message.refresh_from_db()
    assert (message.status, message.recipients, message.sent_by) == ("sent", 2, world.users["secretariat"])
    entry = AuditEntry.objects.get(action="message.send", object_id=message.pk)
    assert entry.detail == {"audience": "group", "group": "regional", "recipients": 2}
    # archived on the group's page for its members, not for others
    client.force_login(world.users["member"])
    assert "現地視察のお知らせ" in client.get("/ja/working-groups/regional/").content.decode()
    client.force_login(world.users["staff"])
    assert "現地視察のお知らせ" not in client.get("/ja/working-groups/regional/").content.decode()


@pytest.mark.parametrize(("audience", "expected"), [
    ("members", ["coord@c.example", "coord@d.example", "member@a.example", "staff@a.example", "asked@a.example"]),
    ("representatives", ["member@a.example"]),
    ("contacts", ["coord@c.example"]),
])
def test_messages_to_all_reach_the_people_of_active_members_only(world, deliver, audience, expected):
    sec = world.users["secretariat"]
    message = services.message_save(by=sec, data={"audience": audience, "subject_ja": "全体連絡", "body_ja": "本文"})
    mail.outbox.clear()
    with deliver():
        count = services.message_send(message=message, by=sec)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(expected)
    assert count == len(expected)


def test_coordinator_writes_only_to_own_group(world):
    coordinator = world.users["coordinator"]
    with pytest.raises(services.PermissionDenied):
        services.message_save(by=coordinator, data={"audience": "group", "group": world.other_group,
                                                    "subject_ja": "件名", "body_ja": "本文"})
    with pytest.raises(services.PermissionDenied):
        services.message_save(by=coordinator, data={"audience": "members", "subject_ja": "件名", "body_ja": "本文"})
    services.message_save(by=coordinator, data={"audience": "group", "group": world.group, "subject_ja": "件名",
                                                "body_ja": "本文"})
    assert Message.objects.filter(subject_ja="件名").count() == 1


@pytest.mark.parametrize(("data", "field", "error"), [
    ({"subject_ja": ""}, "subject_ja", "このフィールドは必須です。"),
    ({"body_ja": ""}, "body_ja", "このフィールドは必須です。"),
    ({"group": ""}, "group", "ワーキンググループを選んでください。"),
    ({"audience": "everyone"}, "audience", "正しく選択してください。 everyone は候補にありません。"),
    ({"subject_ja": "x" * 201}, "subject_ja", "この値は 200 文字以下でなければなりません( 201 文字になっています)。"),
])
def test_bad_input_explains_and_saves_nothing(client, world, data, field, error):
    client.force_login(world.users["secretariat"])
    before = Message.objects.count()
    response = client.post("/ja/messages/new/", {**new_message()(world, None), **data})
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [error]
    assert error in response.content.decode()
    assert Message.objects.count() == before


def test_message_list_query_count_does_not_grow_with_messages(client, world):
    client.force_login(world.users["secretariat"])
    client.get("/ja/messages/")
    with CaptureQueriesContext(connection) as few:
        client.get("/ja/messages/")
    for n in range(20):
        services.message_save(by=world.users["secretariat"], data={"audience": "group", "group": world.group,
                                                                   "subject_ja": f"件名{n}", "body_ja": "本文"})
    with CaptureQueriesContext(connection) as many:
        page = client.get("/ja/messages/").content.decode()
    assert "件名19" in page
    assert len(many) == len(few)


def test_a_sent_message_gives_its_time_as_html_allows(client, world):
    """``<time datetime>`` takes at most three digits of a second (the Nu Html Checker refused
    Django's ``date:'c'``, which writes the six of a time taken from the clock)."""
    import re

    sent = Message.objects.get(pk=world.messages["sent"].pk)
    Message.objects.filter(pk=sent.pk).update(sent_at=sent.sent_at.replace(microsecond=123456))
    client.force_login(world.users["secretariat"])
    for path in ("/ja/messages/", f"/en/messages/{sent.pk}/", f"/ja/working-groups/{world.group.slug}/"):
        page = client.get(path).content.decode()
        times = re.findall(r'<time datetime="([^"]*)"', page)
        assert times, path
        for value in times:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", value), (path, value)
