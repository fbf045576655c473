"""The two tiers: group pages, joining, coordinating, an institution's choice of groups."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.audit.models import AuditEntry
from members.cache import NAMESPACES, bump
from tests.factories import (
    InstitutionFactory,
    UserFactory,
    WorkingGroupFactory,
    coordinator_of,
    secretariat_user,
    staff_of,
)
from working_groups.models import Membership, Participation, WorkingGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    a = InstitutionFactory(slug="inst-a", name_ja="A大学", name_en="A University")
    c = InstitutionFactory(slug="inst-c", name_ja="C大学", name_en="C University")
    group = WorkingGroupFactory(slug="regional", name_ja="地域ゼロカーボンWG", name_en="Regional Zero Carbon WG",
                                coordinators=[c])
    staff = staff_of(a, name="山田 太郎", email="yamada@a.example")
    coordinator = staff_of(c, name="小林 美咲", email="kobayashi@c.example", language="en")
    Membership.objects.create(group=group, user=coordinator, institution=c, status="active", coordinator=True)
    Participation.objects.create(group=group, institution=c, status="active")
    return {"a": a, "c": c, "group": group, "staff": staff, "coordinator": coordinator}


def test_group_list_shows_general_meeting_apart_from_themes_with_counts(client, world):
    WorkingGroupFactory(tier="general", slug="general-meeting", name_ja="総会", name_en="General Meeting")
    html = client.get("/ja/working-groups/").content.decode()
    assert html.index("総会") < html.index("テーマ別ワーキンググループ") < html.index("地域ゼロカーボンWG")
    theme = client.get("/ja/working-groups/").context["themes"][0]
    assert (theme["group"].slug, theme["institutions"], theme["people"]) == ("regional", 1, 1)
    assert "C大学" in html  # coordinators
    # the counts are kept (working_groups.selectors.group_counts) until a participation or a
    # membership changes: a new one is counted on the next view
    Participation.objects.create(group=world["group"], institution=world["a"], status="active")
    Membership.objects.create(group=world["group"], user=world["staff"], institution=world["a"], status="active")
    theme = client.get("/ja/working-groups/?_=1").context["themes"][0]
    assert (theme["institutions"], theme["people"]) == (2, 2)


def test_group_page_count_follows_a_new_participation_and_a_member_that_leaves(client, world):
    """The group page's count is kept between views (selectors.group_counts): a participation that
    starts, and an institution that stops being an active member, change it on the next view."""
    def heading(bust):  # a new address each view: the page cache is not what is tested
        return client.get(f"/ja/working-groups/regional/?_={bust}").content.decode()

    assert '<h2 id="participants-title">参加機関 1</h2>' in heading(1)
    Participation.objects.create(group=world["group"], institution=world["a"], status="active")
    assert '<h2 id="participants-title">参加機関 2</h2>' in heading(2)
    world["a"].status = "withdrawn"
    world["a"].save()
    assert '<h2 id="participants-title">参加機関 1</h2>' in heading(3)


def test_general_meeting_page_lists_every_member_and_names_representatives_to_staff_only(client, world):
    """The general meeting's list is rendered once for readers who see no names (kept until a member
    changes); staff see each representative, and a new member is listed on the next view."""
    WorkingGroupFactory(tier="general", slug="general-meeting", name_ja="総会", name_en="General Meeting")
    staff_of(world["c"], role="representative", name="代表 花子")
    visitor = client.get("/ja/working-groups/general-meeting/").content.decode()
    assert '<h2 id="members-title">2の会員機関</h2>' in visitor
    assert "A大学" in visitor and "C大学" in visitor and "代表 花子" not in visitor
    client.force_login(world["staff"])
    assert "代表 花子" in client.get("/ja/working-groups/general-meeting/").content.decode()
    client.logout()
    InstitutionFactory(name_ja="新会員大学")
    again = client.get("/ja/working-groups/general-meeting/?_=1").content.decode()
    assert '<h2 id="members-title">3の会員機関</h2>' in again and "新会員大学" in again
    assert "代表 花子" not in again


def test_member_names_only_for_signed_in_staff(client, world):
    assert "小林 美咲" not in client.get("/ja/working-groups/regional/").content.decode()
    client.force_login(UserFactory())
    assert "小林 美咲" not in client.get("/ja/working-groups/regional/").content.decode()
    client.force_login(world["staff"])
    assert "小林 美咲" in client.get("/ja/working-groups/regional/").content.decode()


def test_a_request_to_join_leaves_the_visitors_cached_page_alone_until_it_is_decided(client, world, settings):
    from django.test import Client

    settings.PAGE_CACHE_SECONDS = 60
    visitor = Client()
    visitor.get("/ja/working-groups/regional/")
    assert visitor.get("/ja/working-groups/regional/")["X-Page-Cache"] == "hit"
    client.force_login(world["staff"])
    client.post("/ja/working-groups/regional/join/", {"institution": world["a"].pk, "message": "担当です"})
    membership = Membership.objects.get(user=world["staff"], status="pending")
    assert visitor.get("/ja/working-groups/regional/")["X-Page-Cache"] == "hit"
    client.force_login(world["coordinator"])
    client.post(f"/ja/working-groups/memberships/{membership.pk}/decide/", {"decision": "approve"})
    decided = visitor.get("/ja/working-groups/regional/")
    assert decided["X-Page-Cache"] == "miss" and "A大学" in decided.content.decode()


def test_join_request_goes_to_coordinators_who_approve(client, deliver, world):
    client.force_login(world["staff"])
    with deliver():
        response = client.post("/ja/working-groups/regional/join/", {"institution": world["a"].pk,
                                                                     "message": "地域連携を担当しています"})
    assert response["Location"] == "/ja/working-groups/regional/"
    membership = Membership.objects.get(user=world["staff"])
    assert membership.status == "pending"
    (notice,) = mail.outbox
    assert notice.to == ["kobayashi@c.example"]
    assert notice.subject == "山田 太郎 asks to join Regional Zero Carbon WG"
    assert "/en/working-groups/regional/manage/" in notice.body
    mail.outbox.clear()
    client.force_login(world["coordinator"])
    manage = client.get("/ja/working-groups/regional/manage/").content.decode()
    assert "地域連携を担当しています" in manage
    with deliver():
        client.post(f"/ja/working-groups/memberships/{membership.pk}/decide/", {"decision": "approve"})
    membership.refresh_from_db()
    assert (membership.status, membership.decided_by) == ("active", world["coordinator"])
    # the institution now takes part through its registered person
    assert Participation.objects.get(group=world["group"], institution=world["a"]).status == "active"
    (decided,) = mail.outbox
    assert decided.to == ["yamada@a.example"]
    assert decided.subject == "地域ゼロカーボンWGのメンバーになりました"
    assert decided.reply_to == ["kobayashi@c.example"]
    assert AuditEntry.objects.filter(action="membership.approve", institution_id=world["a"].pk).exists()


def test_two_coordinators_deciding_the_same_request_one_wins(client, world):
    other = coordinator_of(world["group"], world["c"])
    membership = Membership.objects.create(group=world["group"], user=world["staff"], institution=world["a"])
    client.force_login(world["coordinator"])
    client.post(f"/ja/working-groups/memberships/{membership.pk}/decide/", {"decision": "approve"})
    client.force_login(other)
    response = client.post(f"/ja/working-groups/memberships/{membership.pk}/decide/",
                           {"decision": "refuse", "reason": "重複"}, follow=True)
    assert "この申請はすでに判断済みです。" in response.content.decode()
    membership.refresh_from_db()
    assert (membership.status, membership.decided_by) == ("active", world["coordinator"])


def test_open_group_accepts_at_once(client, world):
    WorkingGroupFactory(slug="open", is_open=True)
    client.force_login(world["staff"])
    client.post("/ja/working-groups/open/join/", {"institution": world["a"].pk})
    assert Membership.objects.get(user=world["staff"], group__slug="open").status == "active"


def test_refusal_needs_a_reason_and_coordinator_removal_too(client, deliver, world):
    membership = Membership.objects.create(group=world["group"], user=world["staff"], institution=world["a"])
    client.force_login(world["coordinator"])
    response = client.post(f"/en/working-groups/memberships/{membership.pk}/decide/", {"decision": "refuse"},
                           follow=True)
    assert "Give the reason; the person will read it." in response.content.decode()
    membership.refresh_from_db()
    assert membership.status == "pending"
    client.post(f"/en/working-groups/memberships/{membership.pk}/decide/", {"decision": "approve"})
    response = client.post(f"/en/working-groups/memberships/{membership.pk}/end/", {"reason": ""}, follow=True)
    assert "Give the reason; the person will read it." in response.content.decode()
    with deliver():
        client.post(f"/en/working-groups/memberships/{membership.pk}/end/", {"reason": "No longer in the project"})
    membership.refresh_from_db()
    assert (membership.status, membership.reason) == ("removed", "No longer in the project")
    assert mail.outbox[-1].subject == "地域ゼロカーボンWGのメンバーから外れました"


def test_member_leaves_without_a_reason(client, world):
    membership = Membership.objects.create(group=world["group"], user=world["staff"], institution=world["a"],
                                           status="active")
    client.force_login(world["staff"])
    client.post(f"/ja/working-groups/memberships/{membership.pk}/end/")
    membership.refresh_from_db()
    assert membership.status == "left"


def test_contact_chooses_groups_and_page_shows_missing_registered_person(client, world):
    contact = staff_of(world["a"], role="contact")
    innovation = WorkingGroupFactory(slug="innovation", name_ja="イノベーションWG")
    client.force_login(contact)
    client.post("/ja/members/inst-a/groups/", {"groups": [world["group"].pk, innovation.pk]})
    statuses = dict(Participation.objects.filter(institution=world["a"]).values_list("group__slug", "status"))
    assert statuses == {"regional": "pending", "innovation": "pending"}
    Participation.objects.filter(institution=world["a"], group=innovation).update(status="active")
    page = client.get("/ja/members/inst-a/groups/").content.decode()
    assert "未登録: 同僚に参加を依頼してください" in page
    # dropping a group ends the participation
    client.post("/ja/members/inst-a/groups/", {"groups": [world["group"].pk]})
    assert Participation.objects.get(institution=world["a"], group=innovation).status == "ended"


def test_secretariat_creates_and_closes_a_group_with_the_resolution(client):
    client.force_login(secretariat_user())
    client.post("/ja/working-groups/new/", {"slug": "adaptation", "name_ja": "適応WG", "name_en": "Adaptation WG",
                                            "description_ja": "気候変動適応", "description_en": "", "order": "60"})
    group = WorkingGroup.objects.get(slug="adaptation")
    response = client.post("/ja/working-groups/adaptation/close/", {"reason": "2026年度総会第3号議案により廃止"})
    assert response["Location"] == "/ja/working-groups/"
    group.refresh_from_db()
    assert (group.status, group.closed_reason) == ("closed", "2026年度総会第3号議案により廃止")
    html = client.get("/ja/working-groups/").content.decode()
    assert "終了したワーキンググループ" in html
    assert client.get("/ja/working-groups/adaptation/").status_code == 200


def test_group_pages_query_count_does_not_grow(client, world):
    client.force_login(world["staff"])

    def count(path):  # cached counts computed afresh each time, as the first view after a change
        bump(*NAMESPACES)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx)

    few_list, few_detail = count("/ja/working-groups/"), count("/ja/working-groups/regional/")
    for _ in range(15):
        inst = InstitutionFactory()
        Participation.objects.create(group=world["group"], institution=inst, status="active")
        Membership.objects.create(group=world["group"], user=staff_of(inst), institution=inst, status="active")
    WorkingGroupFactory.create_batch(4, coordinators=[world["c"]])
    assert count("/ja/working-groups/") == few_list
    assert count("/ja/working-groups/regional/") == few_detail


def test_group_page_lists_people_by_name_for_staff_and_reads_no_people_for_visitors(client, world):
    nameless = staff_of(world["c"], name="", email="anon@c.example")
    Membership.objects.create(group=world["group"], user=nameless, institution=world["c"], status="active")
    client.force_login(world["staff"])
    html = client.get("/ja/working-groups/regional/").content.decode()
    assert '<span class="meta">anon@c.example、小林 美咲</span>' in html
    client.logout()
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/ja/working-groups/regional/").content.decode()
    assert "C大学" in html and "小林 美咲" not in html
    # a visitor is shown no names, so none are read (a large group's page read hundreds)
    assert [q["sql"] for q in queries if '"members_user"' in q["sql"]] == []


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_refusal_without_its_reason_comes_back_to_that_reason_field_marked_and_focused(client, world, lang):
    """The coordinator pressed Refuse with the reason left empty: nothing is decided, and the page
    opens at that request's reason field, marked invalid, focused, its error beside it."""
    membership = Membership.objects.create(group=world["group"], user=world["staff"], institution=world["a"],
                                           status="pending")
    other = Membership.objects.create(group=world["group"], user=staff_of(world["a"]), institution=world["a"],
                                      status="pending")
    client.force_login(world["coordinator"])
    response = client.post(f"/{lang}/working-groups/memberships/{membership.pk}/decide/",
                           {"decision": "refuse", "reason": "  "})
    field = f"reason-m{membership.pk}"
    assert response.status_code == 302
    assert response["Location"] == f"/{lang}/working-groups/regional/manage/?missing_reason={field}#{field}"
    membership.refresh_from_db()
    assert membership.status == "pending"
    html = client.get(response["Location"]).content.decode()
    textarea = html[html.index(f'id="{field}"'):]
    textarea = textarea[:textarea.index(">")]
    assert 'aria-invalid="true"' in textarea and "autofocus" in textarea
    assert f'aria-describedby="{field}-error"' in textarea
    error = {"ja": "却下するには理由を入力してください", "en": "Give the reason to refuse"}[lang]
    assert error in html
    assert html.count('aria-invalid="true"') == 1  # the other request's field is left alone
    assert f'id="reason-m{other.pk}"' in html


@pytest.mark.parametrize(("lang", "between"), [("ja", "、"), ("en", ", ")])
def test_lists_of_names_are_separated_as_each_language_writes_them(client, world, lang, between):
    """「A、B」 in Japanese, "A, B" in English (an English page said 「A、B」, a Japanese one "A, B")."""
    WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG",
                        coordinators=[world["a"], world["c"]])
    nameless = staff_of(world["c"], name="", email="anon@c.example")
    Membership.objects.create(group=world["group"], user=nameless, institution=world["c"], status="active")
    client.force_login(world["staff"])
    people = client.get(f"/{lang}/working-groups/regional/").content.decode()
    assert f'<span class="meta">anon@c.example{between}小林 美咲</span>' in people
    names = {"ja": ("A大学", "C大学"), "en": ("A University", "C University")}[lang]
    home = client.get(f"/{lang}/").content.decode()
    assert between.join(names) in home or between.join(reversed(names)) in home
