"""The general meeting decides, in a browser, in Japanese: a member's representative proposes a motion
to create a working group; the secretariat puts it on the agenda and opens written voting; three
representatives vote in writing, one of them through the proxy their representative named; the
secretariat closes the vote; the motion's page shows the tally and the resolution, the new group
exists (closed, for the secretariat to open), and each voter received exactly one receipt."""

import datetime
import re
import time
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from meetings.governance.models import Motion, Vote
from meetings.models import Meeting
from members.models import Affiliation
from tests.browser.conftest import set_timeouts
from tests.factories import (
    PASSWORD,
    InstitutionFactory,
    WorkingGroupFactory,
    secretariat_user,
    staff_of,
    totp_code,
)
from working_groups.models import WorkingGroup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOKYO = ZoneInfo("Asia/Tokyo")
TITLE = "ネイチャーポジティブWGの設置"
REP = Affiliation.Role.REPRESENTATIVE


@pytest.fixture
def new_page(browser, browser_context_args):
    contexts = []

    def make():
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        set_timeouts(page)
        page.on("dialog", lambda dialog: dialog.accept())  # "close the vote and count it?"
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page, email, *, lands_on, two_factor=False):
    expect(page).to_have_url(re.compile(r"/ja/accounts/login/"))
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    if two_factor:
        if 30 - time.time() % 30 < 5:
            time.sleep(6)
        page.get_by_label("コード").fill(totp_code())
        page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lands_on)


def receipts_to(address):
    return [m for m in mail.outbox if m.to == [address] and m.subject.startswith("表決を記録しました")]


def vote(page, choice):
    ballot = page.get_by_role("region", name="貴機関の表決")
    ballot.get_by_role("radio", name=choice).check()
    ballot.get_by_role("button", name="表決", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("を記録しました")


def test_the_general_meeting_creates_a_working_group_by_written_vote(new_page, live_server, settings):
    settings.SITE_URL = live_server.url
    general = WorkingGroupFactory(tier="general", slug="general-meeting", name_ja="総会", name_en="General meeting")
    shinshu = InstitutionFactory(name_ja="信州環境大学")
    kyushu = InstitutionFactory(name_ja="九州工科大学")
    tohoku = InstitutionFactory(name_ja="東北理科大学")
    rep_a = staff_of(shinshu, role=REP, email="president@shinshu-kankyo.ac.jp", name="中村 宗一郎")
    rep_b = staff_of(kyushu, role=REP, email="president@kyushu-koka.ac.jp", name="松本 直子")
    proxy_b = staff_of(kyushu, email="vice@kyushu-koka.ac.jp", name="山口 紗希")
    rep_c = staff_of(tohoku, role=REP, email="president@tohoku-rika.ac.jp", name="渡辺 真理")
    secretariat = secretariat_user(email="desk@coalition.example.org", name="事務局 太郎")
    day = timezone.localdate(timezone=TOKYO) + datetime.timedelta(days=21)
    starts = datetime.datetime(day.year, day.month, day.day, 14, 0, tzinfo=TOKYO)
    session = Meeting.objects.create(kind="general", group=general, title_ja="第5回総会", starts_at=starts,
                                     ends_at=starts + datetime.timedelta(hours=2), visibility="public")

    # 1. Shinshu's representative proposes the motion from the session's page.
    a = new_page()
    a.goto(f"{live_server.url}/ja/accounts/login/?next=/ja/general-meeting/{session.pk}/")
    sign_in(a, rep_a.email, lands_on="第5回総会")
    a.get_by_role("link", name="所属機関として議案を提案する").click()
    expect(a.get_by_role("heading", level=1)).to_have_text("議案を提案する")
    a.get_by_label("種別").select_option(label="WGの設置")
    a.get_by_label("タイトル（日本語）").fill(TITLE)
    a.get_by_label("本文（日本語）").fill("生物多様性と脱炭素の取組を共有するWGを設置する。")
    a.get_by_label("設置するWGのアドレス名").fill("nature-positive")
    a.get_by_label("設置するWGの名称（日本語）").fill("ネイチャーポジティブWG")
    # the picker: part of the name, then the entry (its own institution: confirmed by proposing)
    a.get_by_role("combobox", name="設置するWGの幹事機関").fill("信州環境")
    a.get_by_role("listbox").get_by_role("option", name=re.compile("信州環境大学")).click()
    expect(a.get_by_role("button", name="信州環境大学を外す")).to_be_visible()
    a.get_by_role("button", name="保存").click()
    expect(a.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(a.get_by_role("status")).to_contain_text("提案を事務局に送りました。")
    motion = Motion.objects.get(title_ja=TITLE)
    assert (motion.status, motion.proposer_institution, motion.created_by) == ("draft", shinshu, rep_a)
    motion_url = f"{live_server.url}/ja/motions/{motion.pk}/"
    [proposed] = [m for m in mail.outbox if m.subject == f"議案の提案：{TITLE}"]
    assert proposed.to == [secretariat.email]

    # 2. The secretariat puts it on the agenda and opens written votes until the day before.
    desk = new_page()
    desk.goto(motion_url)  # a draft: the visitor is sent to sign in, then comes back
    sign_in(desk, secretariat.email, lands_on=TITLE, two_factor=True)
    expect(desk.get_by_role("link", name="信州環境大学")).to_be_visible()
    desk.get_by_role("button", name="議事日程に掲載する").click()
    expect(desk.get_by_role("status")).to_have_text("議案を議事日程に掲載しました。")
    closes = starts - datetime.timedelta(days=1)
    desk.get_by_label("書面表決の締切").fill(f"{closes:%Y-%m-%dT%H:%M}")
    desk.get_by_role("button", name="表決を開始する").click()
    expect(desk.get_by_role("status")).to_have_text("表決を開始し、議決権を持つ機関に通知しました。")
    opened = [m for m in mail.outbox if m.subject == f"表決受付中：{TITLE}"]
    assert sorted(m.to[0] for m in opened) == sorted([rep_a.email, rep_b.email, rep_c.email])

    # 3. Shinshu's representative follows the notice's link and votes for; a visitor on the same link
    # is offered to sign in.
    link = re.search(r"^議案を読んで表決する: (\S+)$", opened[0].body, re.MULTILINE).group(1)
    assert link == motion_url
    visitor = new_page()
    visitor.goto(link)
    expect(visitor.get_by_role("link", name="代表者の方はログインして表決してください")).to_be_visible()
    a.goto(link)
    vote(a, "賛成")
    code = a.get_by_role("region", name="貴機関の表決").locator("p").first
    expect(code).to_contain_text("記録済み：賛成")

    # 4. Kyushu's representative cannot vote herself: she names her vice-president as proxy.
    b = new_page()
    b.goto(f"{live_server.url}/ja/accounts/login/?next=/ja/general-meeting/{session.pk}/")
    sign_in(b, rep_b.email, lands_on="第5回総会")
    # the picker over the select: part of the name, then the proposal (the candidates are in the page)
    proxy = b.get_by_role("combobox", name=re.compile("^代理人"))
    proxy.fill("山口")
    b.get_by_role("option", name="山口 紗希").click()
    expect(b.locator(".picker-chip")).to_have_text(re.compile("^山口 紗希"))
    b.get_by_role("button", name="代理人を指名する").click()
    expect(b.get_by_role("status")).to_have_text(
        "山口 紗希さんがこの会議で貴機関を代理して表決できるようになりました。")

    # 5. The proxy votes for Kyushu; Tohoku's representative votes against.
    p = new_page()
    p.goto(f"{live_server.url}/ja/accounts/login/?next=/ja/motions/{motion.pk}/")
    sign_in(p, proxy_b.email, lands_on=TITLE)
    vote(p, "賛成")
    c = new_page()
    c.goto(f"{live_server.url}/ja/accounts/login/?next=/ja/motions/{motion.pk}/")
    sign_in(c, rep_c.email, lands_on=TITLE)
    vote(c, "反対")

    # 6. The secretariat closes the vote.
    desk.goto(motion_url)
    desk.get_by_role("button", name="表決を締め切って集計する").click()
    expect(desk.get_by_role("status")).to_contain_text("表決を締め切りました：可決")

    # 7. Anyone reads the tally and the resolution; the members see how each institution voted.
    visitor.goto(motion_url)
    result = visitor.get_by_role("region", name="表決の結果")
    expect(result.get_by_role("row").nth(1)).to_have_text(re.compile(r"^\s*2\s*1\s*0\s*$"))
    expect(result).to_contain_text("議決権を持つ3機関中3機関が参加しました（定足数2機関）。")
    expect(visitor.get_by_role("heading", name=re.compile(r"^決議 \d{4}-1$"))).to_be_visible()
    expect(visitor.get_by_text("各機関の表決")).to_have_count(0)
    a.reload()
    expect(a.get_by_role("region", name="各機関の表決")).to_contain_text("山口 紗希（代理人）")

    group = WorkingGroup.objects.get(slug="nature-positive")
    assert (group.name_ja, group.status) == ("ネイチャーポジティブWG", "closed")
    assert sorted(Vote.objects.values_list("choice", "by_proxy")) == [("against", False), ("for", False),
                                                                      ("for", True)]
    # 8. Each voter received exactly one receipt; the representative who named a proxy none.
    assert [len(receipts_to(u.email)) for u in (rep_a, proxy_b, rep_c, rep_b)] == [1, 1, 1, 0]
    assert "受領番号: " in receipts_to(proxy_b.email)[0].body
