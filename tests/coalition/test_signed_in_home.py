"""The signed-in home (``/``): what waits for each person, their drafts and meetings, the count in
the top menu, and nothing of anyone else's (coalition/waiting.py)."""

import datetime
import re

import pytest
from django.utils import timezone

from meetings.governance.models import Motion
from members.models import Affiliation, MembershipApplication
from tests.factories import (
    InstitutionFactory,
    MeetingFactory,
    RegistrationFactory,
    UserFactory,
    WorkingGroupFactory,
    coordinator_of,
    secretariat_user,
    staff_of,
)
from working_groups.models import Initiative, Membership, Participation
from working_groups.progress.models import Commitment, Question, YearlyReport, current_fiscal_year

pytestmark = pytest.mark.django_db

APPLY = 'href="/ja/members/apply/"'


def page(client, user, lang="ja"):
    client.force_login(user)
    response = client.get(f"/{lang}/")
    assert response.status_code == 200
    return response.content.decode()


def menu_count(html) -> int | None:
    """The number shown beside "Dashboard" in the top menu (None when no count is shown)."""
    found = re.search(r'<span class="nav-count" aria-hidden="true">(\d+)</span>', html)
    return int(found.group(1)) if found else None


def desk_part(html) -> str:
    start = html.index('id="desk-title"')
    return html[start:html.index('id="tiers-title"', start)]


def _initiative(institution, author, *, status="published", title="太陽光発電"):
    return Initiative.objects.create(institution=institution, author=author, slug=f"i-{Initiative.objects.count()}",
                                     title=title, summary="概要", body="本文", prefecture="13",
                                     started_on=datetime.date(2024, 4, 1), status=status,
                                     published_at=timezone.now() if status == "published" else None)


@pytest.fixture
def world():
    coordinating = InstitutionFactory(name_ja="信州テスト大学")
    group = WorkingGroupFactory(name_ja="地域ゼロカーボンWG", slug="regional", coordinators=[coordinating])
    coordinator = coordinator_of(group, coordinating, role=Affiliation.Role.CONTACT, name="小林 美咲")
    other = InstitutionFactory(name_ja="北海テスト大学")
    asker = staff_of(other, name="佐藤 一郎")
    Membership.objects.create(group=group, user=asker, institution=other, status=Membership.Status.PENDING)
    Participation.objects.create(group=group, institution=other, status=Participation.Status.PENDING,
                                 requested_by=asker)
    newcomer = UserFactory(name="新人 花子")
    Affiliation.objects.create(user=newcomer, institution=coordinating, status=Affiliation.Status.PENDING)
    return {"coordinating": coordinating, "group": group, "coordinator": coordinator, "other": other,
            "asker": asker, "newcomer": newcomer}


def test_home_coordinator_sees_join_and_affiliation_requests_with_links_and_a_count(client, world):
    html = page(client, world["coordinator"])
    desk = desk_part(html)
    assert "佐藤 一郎さん（北海テスト大学）が地域ゼロカーボンWGへの参加を申請しています。" in desk
    assert "北海テスト大学から地域ゼロカーボンWGへの参加申請がありました。" in desk
    assert "新人 花子さんが信州テスト大学への所属を申請しています。" in desk
    assert 'href="/ja/working-groups/regional/manage/"' in desk
    assert f'href="/ja/members/{world["coordinating"].slug}/people/"' in desk
    assert menu_count(html) == 3


def test_home_signed_in_has_no_apply_button_and_visitor_keeps_it(client, world):
    visitor = client.get("/ja/").content.decode()
    assert APPLY in visitor and "入会を申し込む" in visitor
    assert 'id="desk-title"' not in visitor and menu_count(visitor) is None
    for user in (world["coordinator"], world["asker"], world["newcomer"]):
        html = page(client, user)
        assert APPLY not in html and "入会を申し込む" not in html
        assert 'id="hero-title"' not in html


def test_home_requester_never_sees_their_own_request_to_decide(client, world):
    """The asker is staff, not a coordinator: nothing to decide; the newcomer sees their own request
    as waiting for someone else, never as something to decide."""
    asker = page(client, world["asker"])
    assert "参加を申請しています" not in asker and menu_count(asker) is None
    assert "判断や回答を待っているものはありません" in asker
    newcomer = page(client, world["newcomer"])
    assert "信州テスト大学への所属申請は、同機関の事務担当者の判断を待っています。" in newcomer
    assert "所属を申請しています" not in newcomer and menu_count(newcomer) is None


def test_home_coordinator_of_another_group_sees_nothing_of_this_one(client, world):
    elsewhere = WorkingGroupFactory(coordinators=[world["other"]])
    other_coordinator = coordinator_of(elsewhere, world["other"])
    html = page(client, other_coordinator)
    assert "佐藤 一郎" not in html and "新人 花子" not in html
    assert menu_count(html) is None


def test_home_secretariat_sees_applications_reports_needs_and_requests_nobody_coordinates(client, world):
    from tests.cooperation.conftest import make_need

    secretariat = secretariat_user(name="事務局 太郎")
    MembershipApplication.objects.create(
        name_ja="新潟テスト大学", name_en="Niigata Test University", name_kana="にいがたてすとだいがく",
        kind="national_university", category="participating", prefecture="15", website="https://niigata.example",
        applicant_name="申請 者", applicant_title="課長", applicant_email="a@niigata.example",
        representative_name="学長", representative_title="学長", status=MembershipApplication.Status.SUBMITTED)
    YearlyReport.objects.create(institution=world["other"], fiscal_year=current_fiscal_year() - 1,
                                status=YearlyReport.Status.SUBMITTED, submitted_at=timezone.now(), scope1=1000,
                                scope2=2000, energy_gj=10000, renewable_share=20, floor_area=100000, headcount=5000)
    make_need(title="森林の活用", themes=[world["group"]], status="submitted")
    orphan = WorkingGroupFactory(name_ja="国際WG", coordinators=[InstitutionFactory()])
    Membership.objects.create(group=orphan, user=world["asker"], institution=world["other"], status="pending")
    html = page(client, secretariat)
    desk = desk_part(html)
    assert "新潟テスト大学" in desk and "/ja/secretariat/applications/" in desk
    assert "北海テスト大学 · " in desk and "/ja/secretariat/progress/" in desk
    assert "森林の活用" in desk
    # the group nobody coordinates is the secretariat's to decide; the coordinated one is not
    assert "国際WGへの参加を申請しています" in desk
    assert "地域ゼロカーボンWGへの参加を申請しています" not in desk
    assert menu_count(html) == 4


def test_home_contact_sees_the_report_to_submit_and_questions_to_answer(client, world):
    contact = world["coordinator"]
    Commitment.objects.create(institution=world["coordinating"], target_year=2050, baseline_year=2013,
                              baseline_emissions=1000)
    world["coordinating"].joined_on = datetime.date(2020, 4, 1)
    world["coordinating"].save()
    initiative = _initiative(world["coordinating"], staff_of(world["coordinating"]), title="木質バイオマス")
    Question.objects.create(initiative=initiative, asked_by=world["asker"], institution=world["other"],
                            body="費用は？")
    html = page(client, contact)
    desk = desk_part(html)
    assert "信州テスト大学の" in desk and "年度の年次報告はまだ提出されていません。" in desk
    assert f'href="/ja/members/{world["coordinating"].slug}/progress/"' in desk
    assert "「木質バイオマス」への質問" in desk
    assert f'href="/ja/initiatives/{initiative.slug}/#question-' in desk
    assert menu_count(html) == 5
    # answered: off the list and out of the count
    Question.objects.update(answer="約1億円です。", answered_at=timezone.now())
    assert menu_count(page(client, contact)) == 4


def test_home_staff_sees_own_drafts_and_next_meetings_not_others(client, world):
    author = world["asker"]
    _initiative(world["other"], author, status="draft", title="自分の下書き")
    _initiative(world["other"], staff_of(world["other"]), status="draft", title="同僚の下書き")
    meeting = MeetingFactory(group=world["group"], title_ja="第3回地域WG会合")
    Membership.objects.filter(user=author).update(status="active")
    RegistrationFactory(meeting=meeting, user=author)
    Motion.objects.count()  # the governance app is loaded; no motion drafts here
    html = page(client, author)
    desk = desk_part(html)
    assert "自分の下書き" in desk and "同僚の下書き" not in desk
    assert "第3回地域WG会合" in desk and f'href="/ja/meetings/{meeting.pk}/"' in desk
    assert menu_count(html) is None  # drafts and meetings are not waiting on anyone


def test_home_empty_state_reads_well_in_english(client):
    person = staff_of(InstitutionFactory(name_en="Quiet University"), language="en")
    html = page(client, person, lang="en")
    desk = desk_part(html)
    assert "Nothing waits for your decision or answer." in desk
    assert "You have no drafts." in desk
    assert "You have not registered for an upcoming meeting." in desk
    assert "Signed in as" in desk and "Quiet University" in desk


def test_home_user_without_affiliation_is_asked_to_join_an_institution(client):
    html = page(client, UserFactory(name="無所属 次郎"))
    assert 'href="/ja/account/affiliations/new/"' in desk_part(html)


def test_menu_count_on_other_pages_and_hidden_for_visitors(client, world):
    client.force_login(world["coordinator"])
    html = client.get("/ja/members/").content.decode()
    assert menu_count(html) == 3
    assert "（3件があなたを待っています）" in html
    client.logout()
    assert menu_count(client.get("/ja/members/").content.decode()) is None


def test_sign_in_lands_on_the_signed_in_home(client, world):
    from tests.factories import PASSWORD

    response = client.post("/ja/accounts/login/", {"login": world["coordinator"].email, "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/ja/")


def test_home_contact_of_another_institution_sees_none_of_its_requests_or_questions(client, world):
    other_contact = staff_of(world["other"], role=Affiliation.Role.CONTACT)
    initiative = _initiative(world["coordinating"], world["coordinator"], title="木質バイオマス")
    Question.objects.create(initiative=initiative, asked_by=world["asker"], body="費用は？")
    html = page(client, other_contact)
    assert "新人 花子" not in html and "木質バイオマス」への質問" not in html
    assert menu_count(html) is None
    # the author answers it: theirs to answer
    assert "「木質バイオマス」への質問" in desk_part(page(client, world["coordinator"]))


def test_menu_count_is_one_query_whatever_the_number_waiting(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world["coordinator"])
    client.get("/ja/about/")  # warm-up: the session, the site's caches

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            html = client.get("/ja/about/").content.decode()
        return len(ctx), menu_count(html)

    few, shown = queries()
    assert shown == 3
    for _ in range(10):
        person = staff_of(world["other"])
        Membership.objects.create(group=world["group"], user=person, institution=world["other"], status="pending")
        Affiliation.objects.create(user=UserFactory(), institution=world["coordinating"], status="pending")
    many, shown = queries()
    assert (many, shown) == (few, 23)
