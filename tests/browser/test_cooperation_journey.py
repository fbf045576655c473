"""A town official submits a need in Japanese and confirms the address; the theme's coordinator
publishes it; a staff member reading English hears of it, finds it on the board, sees why their
expertise matches and offers help; the coordinator introduces the two (exactly one e-mail to each),
marks the need matched, and the staff member records the work as an initiative.

Every e-mail goes through the outbox to a real SMTP server (aiosmtpd) and is counted there: each
step's mail, to whom, in which language, and nothing else."""

import re
from collections import Counter

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from members.models import Affiliation
from members.notifications.services import preference_set
from tests.cooperation.conftest import make_expertise
from tests.factories import InstitutionFactory, WorkingGroupFactory, staff_of
from working_groups.cooperation.models import Need
from working_groups.models import Membership, Participation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICIAL = "kankyo@midorino.example.jp"


def sign_in_as(page, site, user):
    """The browser carries a session of ``user`` (signing in itself is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": site.url}])


def squeeze(subject: str) -> str:
    # Django folds a long Japanese subject; the parsed header keeps the fold's white space
    return re.sub(r"\s+", "", subject)


def received(sink, since=0) -> Counter:
    """(recipient, subject without white space) of each message received after the first ``since``."""
    with sink.lock:
        messages = list(sink.messages[since:])
    return Counter((str(m["To"]), squeeze(str(m["Subject"]))) for m in messages)


def step_mail(sink, since, expected: Counter) -> int:
    """The mail of one step: exactly ``expected`` arrives (waiting for it), and nothing more."""
    arrived = sink.wait_for(since + sum(expected.values()), timeout=20)
    assert received(sink, since) == Counter({(to, squeeze(subject)): n for (to, subject), n in expected.items()})
    return arrived


def plain_text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_need_from_submission_to_an_initiative(site, page, smtp):
    sink = smtp
    coordinating = InstitutionFactory(slug="shinshu-x", name_ja="信州テスト大学", prefecture="20")
    group = WorkingGroupFactory(slug="regional", name_ja="地域ゼロカーボンWG", name_en="Regional Zero Carbon WG",
                                coordinators=[coordinating])
    coordinator = staff_of(coordinating, role=Affiliation.Role.CONTACT, email="coord@shinshu-x.example")
    Membership.objects.create(group=group, user=coordinator, institution=coordinating, status="active",
                              coordinator=True)  # named by the institution: a coordinator of the group
    member_institution = InstitutionFactory(slug="kanazawa-x", name_ja="金沢テスト大学",
                                            name_en="Kanazawa Test University", prefecture="17")
    staff = staff_of(member_institution, email="researcher@kanazawa-x.example", name="Emma Berg", language="en")
    Membership.objects.create(group=group, user=staff, institution=member_institution, status="active")
    # the staff member's institution takes part in the theme, in the need's region (Chubu), and they
    # chose to hear of new needs at once (the kind's default is never)
    Participation.objects.create(group=group, institution=member_institution, status="active")
    preference_set(user=staff, kind="need_published", delivery="immediate")
    make_expertise(institution=member_institution, author=staff, title="Forest carbon monitoring with drones",
                   themes=[group], prefectures=("17", "20"), keywords="森林, 炭素")
    title = "市有林の森林炭素吸収量を測りたい"

    # 1. the town official submits the need, in Japanese, without an account
    page = site.open("/ja/needs/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ニーズを登録する")
    page.locator("#id_title").fill("市有林の森林炭素吸収量を測りたい")
    page.locator("#id_description").fill("市有林の炭素吸収量を毎年測る方法を一緒に考えてくれる大学を探しています。")
    page.get_by_label("地域ゼロカーボンWG").check()
    page.locator("#id_help_kind").select_option("joint-research")
    page.locator("#id_prefecture").select_option("20")
    page.locator("#id_organisation").fill("みどり野市")
    page.locator("#id_organisation_kind").select_option("municipality")
    page.locator("#id_contact_name").fill("森 花子")
    page.locator("#id_contact_email").fill(OFFICIAL)
    page.locator("#id_consent").check()
    page.get_by_role("button", name="送信").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("メールをご確認ください")
    seen = step_mail(sink, 0, Counter({(OFFICIAL, f"ニーズの確認のお願い：{title}"): 1}))
    link = re.search(r"https?://\S+/ja/needs/confirm/\S+/", plain_text(sink.messages[0])).group(0)
    page.goto(link)  # the link as mailed: SITE_URL is the live server
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_text("メールアドレスを確認しました")).to_be_visible()
    need = Need.objects.get()
    assert need.status == "submitted"
    # the theme's coordinator is told it waits for review (there is no secretariat user here)
    seen = step_mail(sink, seen, Counter({(coordinator.email, f"審査待ちのニーズ：{title}（みどり野市）"): 1}))

    # 2. the coordinator of its theme publishes it
    sign_in_as(page, site, coordinator)
    page = site.open("/ja/needs/review/")
    page.get_by_role("link", name="市有林の森林炭素吸収量を測りたい").click()
    page.get_by_role("button", name="公開する").click()
    expect(page.get_by_text("ニーズを一覧に掲載しました。")).to_be_visible()
    # the submitter hears it is published (Japanese); the staff member of the theme and region hears
    # of a new need (English); the coordinator who published it hears nothing
    seen = step_mail(sink, seen, Counter({(OFFICIAL, f"ニーズを掲載しました：{title}"): 1,
                                          (staff.email, f"New need: {title}"): 1}))

    # 3. a staff member, in English, finds it and sees why their expertise matches
    page.context.clear_cookies()
    sign_in_as(page, site, staff)
    page = site.open("/en/needs/?wg=regional")
    page.get_by_role("link", name="市有林の森林炭素吸収量を測りたい").click()
    suggestions = page.locator(".suggestions").first
    expect(suggestions).to_contain_text("Forest carbon monitoring with drones")
    expect(suggestions).to_contain_text("shares the theme Regional Zero Carbon WG")
    expect(suggestions).to_contain_text("same prefecture")
    page.get_by_label("How could your institution help?").fill("We monitor forest carbon with drones.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("The secretariat will put you in touch.")).to_be_visible()
    seen = step_mail(sink, seen, Counter({(coordinator.email, f"金沢テスト大学から協力の申し出：{title}"): 1}))

    # 4. the coordinator introduces them: one e-mail to each party, in their language
    page.context.clear_cookies()
    sign_in_as(page, site, coordinator)
    page = site.open(f"/ja/needs/{need.pk}/")
    page.get_by_role("button", name="メールで紹介する").click()
    expect(page.get_by_text("双方に紹介のメールが送られます。")).to_be_visible()
    expect(page.get_by_role("button", name="メールで紹介する")).to_have_count(0)
    seen = step_mail(sink, seen, Counter({(OFFICIAL, f"ご紹介：{title}"): 1,
                                          (staff.email, f"Introduction: {title}"): 1}))
    introduction = next(m for m in sink.messages[-2:] if m["To"] == OFFICIAL)
    assert staff.email in plain_text(introduction) and "金沢テスト大学" in plain_text(introduction)
    page.get_by_role("button", name="マッチング成立にする").click()
    expect(page.get_by_role("button", name="マッチング成立にする")).to_have_count(0)
    need.refresh_from_db()
    assert need.status == "matched"

    # 5. the staff member records the work as an initiative of their institution
    page.context.clear_cookies()
    sign_in_as(page, site, staff)
    page = site.open(f"/en/needs/{need.pk}/")
    page.get_by_role("button", name="Create an initiative from this need").click()
    expect(page).to_have_url(re.compile(r"/en/initiatives/[\w-]+/edit/$"))
    need.refresh_from_db()
    assert need.initiative.institution == member_institution
    assert need.partner.initiatives.filter(pk=need.initiative.pk).exists()

    # the whole journey: seven messages, to these three people, each once; nothing after the
    # introduction (marking it matched and starting the initiative send nothing)
    assert sink.wait_for(seen + 1, timeout=3) == seen == 7
    assert Counter(str(m["To"]) for m in sink.messages) == {OFFICIAL: 3, coordinator.email: 2, staff.email: 2}
    assert len(sink.message_ids()) == 7
