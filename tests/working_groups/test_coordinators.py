"""Coordinators are named people: designated per group by a contact of a coordinating institution
(or the secretariat). Other staff of a coordinating institution do not act as coordinators, hear
nothing of the group's requests, and nobody decides a request they made themselves."""

from importlib import import_module

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError

from members.audit.models import AuditEntry
from members.models import Affiliation
from members.notifications import delivery
from members.notifications.models import Notification
from members.services.affiliations import affiliation_decide
from tests.factories import (
    InstitutionFactory,
    WorkingGroupFactory,
    coordinator_of,
    secretariat_user,
    staff_of,
)
from working_groups.models import Membership, Participation
from working_groups.rules import coordinated_group_ids
from working_groups.services import coordinator_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University")
    c = InstitutionFactory(slug="univ-c", name_ja="丙大学", name_en="Gamma University")
    group = WorkingGroupFactory(slug="regional", name_ja="地域WG", name_en="Regional WG", coordinators=[c])
    Participation.objects.create(group=group, institution=c, status="active")
    coordinator = coordinator_of(group, c, name="幹事 一郎", email="coordinator@c.example")
    staff_c = staff_of(c, name="職員 花子", email="staff@c.example")
    contact_c = staff_of(c, role=Affiliation.Role.CONTACT, name="窓口 次郎", email="contact@c.example")
    staff_a = staff_of(a, name="山田 太郎", email="yamada@a.example")
    return {"a": a, "c": c, "group": group, "coordinator": coordinator, "staff_c": staff_c,
            "contact_c": contact_c, "staff_a": staff_a}


def test_staff_of_coordinating_institution_who_asks_to_join_cannot_decide_own_request(client, deliver, world):
    """The defect: staff of C saw her own pending request with an approve button."""
    client.force_login(world["staff_c"])
    with deliver():
        client.post("/ja/working-groups/regional/join/", {"institution": world["c"].pk})
    membership = Membership.objects.get(user=world["staff_c"])

    manage = client.get("/ja/working-groups/regional/manage/")
    decide = client.post(f"/ja/working-groups/memberships/{membership.pk}/decide/", {"decision": "approve"})

    assert (manage.status_code, decide.status_code) == (404, 404)
    assert Membership.objects.get(pk=membership.pk).status == Membership.Status.PENDING
    assert coordinated_group_ids(world["staff_c"]) == set()


def test_join_request_mail_goes_only_to_named_coordinators(client, deliver, world):
    client.force_login(world["staff_a"])
    with deliver():
        client.post("/ja/working-groups/regional/join/", {"institution": world["a"].pk})

    assert [m.to for m in mail.outbox] == [["coordinator@c.example"]]


def test_join_request_without_a_named_coordinator_goes_to_the_secretariat(client, deliver, world):
    Membership.objects.filter(user=world["coordinator"]).update(coordinator=False)
    secretariat_user(email="desk@coalition.example.org")
    client.force_login(world["staff_a"])
    with deliver():
        client.post("/ja/working-groups/regional/join/", {"institution": world["a"].pk})

    assert [m.to for m in mail.outbox] == [["desk@coalition.example.org"]]


def test_participation_requested_by_the_coordinator_is_decided_by_someone_else(client, deliver, world):
    e = InstitutionFactory(slug="univ-e", name_ja="戊大学")
    request = Participation.objects.create(group=world["group"], institution=e, requested_by=world["coordinator"],
                                           message="戊大学として参加します。")
    client.force_login(world["coordinator"])

    manage = client.get("/ja/working-groups/regional/manage/").content.decode()
    decide = client.post(f"/ja/working-groups/participations/{request.pk}/decide/", {"decision": "approve"})

    assert "ご自身の申請です。ほかのコーディネーターまたは事務局が判断します。" in manage
    assert f"/ja/working-groups/participations/{request.pk}/decide/" not in manage
    assert decide.status_code == 404
    assert Participation.objects.get(pk=request.pk).status == Participation.Status.PENDING


def test_affiliation_decided_by_the_person_who_asked_is_refused(world):
    desk = secretariat_user(email="desk@coalition.example.org")
    request = Affiliation.objects.create(user=desk, institution=world["a"])

    assert desk.has_perm("members.decide_affiliation", request) is False
    with pytest.raises(ValidationError, match="自分の申請は自分で判断できません"):
        affiliation_decide(affiliation=request, by=desk, approve=True)
    assert Affiliation.objects.get(pk=request.pk).status == Affiliation.Status.PENDING


def test_contact_names_a_member_coordinator_who_then_decides(client, deliver, world):
    member = Membership.objects.create(group=world["group"], user=world["staff_c"], institution=world["c"],
                                       status="active")
    client.force_login(world["contact_c"])

    page = client.get("/ja/working-groups/regional/coordinators/").content.decode()
    response = client.post(f"/ja/working-groups/memberships/{member.pk}/coordinator/", {"coordinator": "1"},
                           follow=True)

    assert "職員 花子" in page and "コーディネーターに指名する" in page
    assert "職員 花子さんをコーディネーターに指名しました。" in response.content.decode()
    assert coordinated_group_ids(Membership.objects.get(pk=member.pk).user) == {world["group"].pk}
    assert AuditEntry.objects.filter(action="membership.coordinator_name", actor=world["contact_c"]).count() == 1


def html_part(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def test_person_named_coordinator_is_told_by_mail_in_their_language(client, deliver, world):
    member = Membership.objects.create(group=world["group"], user=world["staff_c"], institution=world["c"],
                                       status="active")
    client.force_login(world["contact_c"])

    with deliver():
        client.post(f"/ja/working-groups/memberships/{member.pk}/coordinator/", {"coordinator": "1"})

    [message] = mail.outbox
    assert message.to == ["staff@c.example"]
    assert message.reply_to == ["contact@c.example"]
    assert message.subject == "地域WGのコーディネーターに指名されました"
    assert "丙大学の担当として、地域WGのコーディネーターに指名されました。" in message.body
    assert "参加申請の承認・却下、会合の設定" in message.body
    assert "http://testserver/ja/working-groups/regional/manage/" in message.body
    assert 'href="http://testserver/ja/working-groups/regional/manage/"' in html_part(message)


def test_person_no_longer_coordinator_is_told_in_english_when_they_read_english(client, deliver, world):
    world["coordinator"].language = "en"
    world["coordinator"].save(update_fields=["language"])
    member = Membership.objects.get(user=world["coordinator"])
    client.force_login(secretariat_user())

    with deliver():
        client.post(f"/ja/working-groups/memberships/{member.pk}/coordinator/", {"coordinator": "0"})

    [message] = mail.outbox
    assert message.to == ["coordinator@c.example"]
    assert message.subject == "You are no longer a coordinator of Regional WG"
    assert "You are no longer a coordinator of Regional WG. You remain a member of the group." in message.body
    assert "You are no longer a coordinator of Regional WG." in html_part(message)
    assert "http://testserver/en/working-groups/regional/" in message.body


def test_contact_naming_themselves_gets_no_mail_and_a_quick_unnaming_cancels_the_naming_mail(world):
    own = Membership.objects.create(group=world["group"], user=world["contact_c"], institution=world["c"],
                                    status="active")
    other = Membership.objects.create(group=world["group"], user=world["staff_c"], institution=world["c"],
                                      status="active")
    coordinator_name(membership=own, by=world["contact_c"])
    coordinator_name(membership=other, by=world["contact_c"])  # named, and before the mail goes out...
    coordinator_name(membership=other, by=world["contact_c"], coordinator=False)  # ...no longer
    rows = list(Notification.objects.filter(kind="group_coordinator_named").order_by("pk"))
    delivery.deliver([row.pk for row in rows])

    assert [r.recipient.email for r in rows] == ["staff@c.example", "staff@c.example"]
    assert [m.subject for m in mail.outbox] == ["地域WGのコーディネーターではなくなりました"]


def test_member_of_another_institution_cannot_be_named_coordinator(client, world):
    member = Membership.objects.create(group=world["group"], user=world["staff_a"], institution=world["a"],
                                       status="active")
    client.force_login(secretariat_user())

    response = client.post(f"/ja/working-groups/memberships/{member.pk}/coordinator/", {"coordinator": "1"},
                           follow=True)

    expected = "コーディネーターは、WGの幹事機関の所属で登録しているメンバーの中から指名します。"
    assert expected in response.content.decode()
    assert Membership.objects.get(pk=member.pk).coordinator is False


def test_coordinator_role_lapses_when_the_institution_stops_coordinating(world):
    assert coordinated_group_ids(world["coordinator"]) == {world["group"].pk}
    world["group"].coordinators.clear()
    user = type(world["coordinator"]).objects.get(pk=world["coordinator"].pk)  # a fresh request cache

    assert coordinated_group_ids(user) == set()


@pytest.mark.parametrize(("status", "named", "institution_coordinates", "affiliated"), [
    (status, named, coordinates, affiliated)
    for status in ("active", "pending") for named in (True, False)
    for coordinates in (True, False) for affiliated in (True, False)
])
def test_a_persons_coordinated_groups_are_the_batch_rules_and_read_with_their_memberships(
        world, status, named, institution_coordinates, affiliated):
    """``coordinated_group_ids`` reads a person's coordinated groups from their memberships (one
    query for both, cached for the request) and agrees with ``coordinated_groups_of``, the rule the
    notices apply to many people: an active membership named coordinator, for a current institution
    that coordinates the group."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members.rules import institution_ids
    from working_groups.rules import coordinated_groups_of, memberships

    institution = InstitutionFactory()
    other = WorkingGroupFactory(coordinators=[institution] if institution_coordinates else [])
    person = staff_of(institution)
    Membership.objects.create(group=other, user=person, institution=institution, status=status, coordinator=named)
    if not affiliated:
        Affiliation.objects.filter(user=person).update(status=Affiliation.Status.ENDED)
    expected = coordinated_groups_of({person.pk: institution_ids(person)}).get(person.pk, set())
    fresh = type(person).objects.get(pk=person.pk)  # a new request's cache
    with CaptureQueriesContext(connection) as queries:
        found = coordinated_group_ids(fresh)
        memberships(fresh)
    assert found == expected == ({other.pk} if status == "active" and named and institution_coordinates
                                 and affiliated else set())
    assert len(queries) == (2 if affiliated else 1)  # the affiliations, then the memberships with both


def test_removal_asks_for_confirmation_and_the_reason_reaches_the_person(client, deliver, world):
    member = Membership.objects.create(group=world["group"], user=world["staff_a"], institution=world["a"],
                                       status="active")
    client.force_login(world["coordinator"])

    manage = client.get("/ja/working-groups/regional/manage/").content.decode()
    confirm = client.get(f"/ja/working-groups/memberships/{member.pk}/end/?next=/ja/working-groups/regional/manage/")
    with deliver():
        done = client.post(f"/ja/working-groups/memberships/{member.pk}/end/",
                           {"reason": "活動実績がないため", "next": "/ja/working-groups/regional/manage/"})

    assert f'action="/ja/working-groups/memberships/{member.pk}/end/"' not in manage  # no one-click removal
    assert "山田 太郎さんを地域WGのメンバーから外しますか？" in confirm.content.decode()
    assert done["Location"] == "/ja/working-groups/regional/manage/"
    assert Membership.objects.get(pk=member.pk).status == Membership.Status.REMOVED
    assert [m.to for m in mail.outbox] == [["yamada@a.example"]]
    assert "活動実績がないため" in mail.outbox[0].body


def test_migration_names_the_contacts_registered_for_coordinating_institutions(world):
    """Existing data: the contact registered in the group for a coordinating institution stays
    coordinator (the demo's kobayashi@shinshu.example); other staff of that institution do not."""
    migration = import_module("working_groups.migrations.0010_named_coordinators")
    contact_membership = Membership.objects.create(group=world["group"], user=world["contact_c"],
                                                   institution=world["c"], status="active")
    staff_membership = Membership.objects.create(group=world["group"], user=world["staff_c"],
                                                 institution=world["c"], status="active")
    Membership.objects.update(coordinator=False)

    migration.name_existing_coordinators(apps, None)

    assert set(Membership.objects.filter(coordinator=True).values_list("pk", flat=True)) == {contact_membership.pk}
    assert Membership.objects.get(pk=staff_membership.pk).coordinator is False
