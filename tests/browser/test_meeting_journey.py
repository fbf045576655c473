"""A coordinator schedules a hybrid meeting of a theme group; a member registers from the announcement,
gets the event for her calendar, is told when the meeting moves, and turns off the change notices with
the link in the e-mail. All in Japanese, in Japan time."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from meetings.models import Meeting, Registration
from members.notifications.models import NotificationPreference
from tests.browser.conftest import set_timeouts
from tests.factories import PASSWORD, InstitutionFactory, WorkingGroupFactory, staff_of
from working_groups.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = "月火水木金土日"

COORDINATOR_EMAIL = "sato@chubu-kankyo.ac.jp"
COORDINATOR_NAME = "佐藤 健"
MEMBER_EMAIL = "tanaka@hokuriku-kogyo.ac.jp"
MEMBER_NAME = "田中 美咲"
GROUP_NAME = "地域エネルギーWG"

TITLE = "第3回 地域エネルギーWG会合"
DESCRIPTION = "各大学の小水力発電と地域連携の事例を共有します。"
VENUE = "中部環境大学 本部棟3階 大会議室"
NEW_VENUE = "中部環境大学 環境学習センター2階 セミナー室"
LAST_VENUE = "中部環境大学 図書館1階 ラーニングコモンズ"
ONLINE_URL = "https://meet.example.org/chubu-energy-wg-3"
AGENDA_ITEM = "開会挨拶と趣旨説明"
SPEAKER = "佐藤 健（中部環境大学）"


@pytest.fixture
def new_page(browser, browser_context_args):
    """Pages in browser contexts of their own (separate cookies: another person at another desk)."""
    contexts = []

    def make():
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        set_timeouts(page)
        return page

    yield make
    for context in contexts:
        context.close()


def mails_to(address, subject_prefix=""):
    return [m for m in mail.outbox if address in m.to and m.subject.startswith(subject_prefix)]


def sign_in(page, email, *, lands_on):
    expect(page).to_have_url(re.compile(r"/ja/accounts/login/"))
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lands_on)


def jst_day(moment):
    """2026年12月20日（日）, written out here rather than with the portal's own filter."""
    local = moment.astimezone(TOKYO)
    return f"{local.year}年{local.month}月{local.day}日（{WEEKDAYS[local.weekday()]}）"


def jst_when(moment):
    return f"{jst_day(moment)} {moment.astimezone(TOKYO):%H:%M} JST"


def jst_span(starts, ends):
    """The meeting page's time span on one day: the zone said once."""
    return f"{jst_day(starts)} {starts.astimezone(TOKYO):%H:%M}–{ends.astimezone(TOKYO):%H:%M} JST"


def jst_start(moment):
    """How the meeting page's time span begins: the day, the start and the dash."""
    return f"{jst_day(moment)} {moment.astimezone(TOKYO):%H:%M}–"


def local_input(moment):
    """The value a datetime-local input takes."""
    return f"{moment.astimezone(TOKYO):%Y-%m-%dT%H:%M}"


def fact(page, term):
    """The <dd> after the <dt> ``term`` in the meeting's facts."""
    return page.locator("dl.facts").locator(f"dt:text-is('{term}') + dd")


def text_link(body, label):
    """The URL on the line ``label: URL`` of a plain-text e-mail."""
    match = re.search(rf"^{re.escape(label)}: (\S+)$", body, re.MULTILINE)
    assert match, f"no line {label!r} in:\n{body}"
    return match.group(1)


def only_event(ics):
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def expect_event_at(event, starts, ends, *, title=TITLE):
    assert str(event["SUMMARY"]) == title
    assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert event["DTEND"].params["TZID"] == "Asia/Tokyo"
    dtstart, dtend = event.decoded("DTSTART"), event.decoded("DTEND")
    # The wall-clock time in Tokyo is the one the coordinator typed, and it is the same instant.
    assert dtstart.replace(tzinfo=None) == starts.replace(tzinfo=None)
    assert dtend.replace(tzinfo=None) == ends.replace(tzinfo=None)
    assert dtstart == starts and dtend == ends


def schedule_meeting(page, group, starts, ends):
    expect(page.get_by_role("heading", level=1)).to_have_text("会議を登録する")
    expect(page.get_by_label("ワーキンググループ")).to_have_value(str(group.pk))
    page.get_by_label("タイトル（日本語）").fill(TITLE)
    page.get_by_label("説明（日本語）").fill(DESCRIPTION)
    page.get_by_label("開始日時").fill(local_input(starts))
    page.get_by_label("終了日時").fill(local_input(ends))
    page.get_by_role("radio", name="ハイブリッド（対面とオンライン）").check()
    page.get_by_label("会場（日本語）").fill(VENUE)
    page.get_by_label("オンライン参加URL").fill(ONLINE_URL)
    page.get_by_label("定員").fill("40")
    page.get_by_role("radio", name="WGメンバー限定").check()
    page.get_by_label("時刻 1", exact=True).fill(f"{starts.astimezone(TOKYO):%H:%M}")
    page.get_by_label("項目（日本語） 1", exact=True).fill(AGENDA_ITEM)
    page.get_by_label("登壇者 1", exact=True).fill(SPEAKER)
    page.get_by_role("button", name="保存").click()


def edit_meeting(page, *, starts, ends, venue):
    page.get_by_role("link", name="編集", exact=True).click()
    expect(page).to_have_url(re.compile(r"/ja/meetings/\d+/edit/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("会議を編集")
    page.get_by_label("開始日時").fill(local_input(starts))
    page.get_by_label("終了日時").fill(local_input(ends))
    page.get_by_label("会場（日本語）").fill(venue)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_have_text("会議を保存しました。登録済みの参加者1名に変更を知らせました。")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


def test_coordinator_schedules_a_meeting_a_member_registers_and_is_told_of_the_change(
    new_page, live_server, settings, tmp_path
):
    # Links in the portal's own e-mails point at the live server, so the journey can follow them.
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"

    # 1. A theme group coordinated by C; a coordinator at C and a member at A, both active members.
    coordinating = InstitutionFactory(name_ja="中部環境大学", name_en="Chubu Environmental University")
    member_institution = InstitutionFactory(name_ja="北陸工業大学", name_en="Hokuriku Institute of Technology")
    group = WorkingGroupFactory(name_ja=GROUP_NAME, name_en="Regional Energy WG", coordinators=[coordinating])
    coordinator = staff_of(coordinating, email=COORDINATOR_EMAIL, name=COORDINATOR_NAME, language="ja")
    member = staff_of(member_institution, email=MEMBER_EMAIL, name=MEMBER_NAME, language="ja")
    Membership.objects.create(group=group, user=coordinator, institution=coordinating, status=Membership.Status.ACTIVE,
                              coordinator=True)
    Membership.objects.create(
        group=group, user=member, institution=member_institution, status=Membership.Status.ACTIVE
    )

    day = timezone.localdate(timezone=TOKYO) + datetime.timedelta(days=28)
    starts = datetime.datetime(day.year, day.month, day.day, 14, 0, tzinfo=TOKYO)
    ends = starts + datetime.timedelta(hours=2, minutes=30)
    new_starts, new_ends = starts + datetime.timedelta(days=1), ends + datetime.timedelta(days=1)

    # 2. The coordinator signs in on the way to the form and schedules the meeting.
    coordinator_page = new_page()
    coordinator_page.goto(f"{live_server.url}/ja/meetings/new/?wg={group.slug}")
    sign_in(coordinator_page, COORDINATOR_EMAIL, lands_on="会議を登録する")
    expect(coordinator_page).to_have_url(re.compile(rf"/ja/meetings/new/\?wg={group.slug}$"))
    schedule_meeting(coordinator_page, group, starts, ends)

    meeting = Meeting.objects.get(title_ja=TITLE)
    meeting_url = f"{live_server.url}/ja/meetings/{meeting.pk}/"
    expect(coordinator_page).to_have_url(meeting_url)
    expect(coordinator_page.get_by_role("status")).to_have_text("会議を登録し、案内を送りました。")
    expect(coordinator_page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(fact(coordinator_page, "日時")).to_have_text(jst_span(starts, ends))
    expect(fact(coordinator_page, "開催形式")).to_have_text("ハイブリッド（対面とオンライン）")
    expect(fact(coordinator_page, "会場")).to_have_text(VENUE)
    expect(fact(coordinator_page, "主催")).to_have_text(GROUP_NAME)
    expect(fact(coordinator_page, "公開範囲")).to_have_text("WGメンバー限定")
    expect(fact(coordinator_page, "参加者")).to_have_text("対面 0名 / 定員 40名 · オンライン 0名（定員なし）")
    programme = coordinator_page.get_by_role("region", name="プログラム")
    expect(programme.get_by_role("row").nth(1)).to_have_text(re.compile(
        rf"^\s*{starts:%H:%M}\s*{AGENDA_ITEM}\s*{re.escape(SPEAKER)}\s*$"
    ))
    assert meeting.starts_at == starts and meeting.ends_at == ends
    assert meeting.group == group and meeting.format == Meeting.Format.HYBRID

    announcements = mails_to(MEMBER_EMAIL)
    assert len(announcements) == 1
    announcement = announcements[0]
    assert announcement.subject == f"新しい会議: {TITLE}（{jst_day(starts)}）"
    assert f"日時: {jst_when(starts)} – {ends:%H:%M}" in announcement.body
    assert f"会場: {VENUE}" in announcement.body
    assert ONLINE_URL not in announcement.body  # only registered participants get the link
    assert text_link(announcement.body, "会議のページ") == meeting_url

    # 3. The member follows the link in the announcement, signs in on the way, and registers in person.
    member_page = new_page()
    member_page.goto(text_link(announcement.body, "会議のページ"))
    sign_in(member_page, MEMBER_EMAIL, lands_on=TITLE)
    expect(member_page).to_have_url(meeting_url)
    expect(fact(member_page, "日時")).to_contain_text(jst_start(starts))
    expect(fact(member_page, "オンライン")).to_have_text("参加登録した人にはここにURLが表示されます。")
    expect(member_page.get_by_role("link", name=ONLINE_URL)).to_have_count(0)
    registration = member_page.get_by_role("region", name="あなたの参加登録")
    registration.get_by_role("group", name="参加方法").get_by_label("対面").check()
    registration.get_by_role("button", name="参加登録する").click()

    expect(member_page).to_have_url(meeting_url)
    expect(member_page.get_by_role("status")).to_have_text(
        "参加登録しました。カレンダー用ファイル付きの確認メールをお送りします。"
    )
    expect(registration).to_contain_text("参加登録済みです（対面）。")
    expect(member_page.get_by_role("link", name=ONLINE_URL)).to_have_attribute("href", ONLINE_URL)
    expect(fact(member_page, "参加者")).to_have_text("対面 1名 / 定員 40名 · オンライン 0名（定員なし）")
    assert Registration.objects.get(meeting=meeting, user=member).mode == Registration.Mode.IN_PERSON

    confirmations = mails_to(MEMBER_EMAIL, "参加登録が完了しました")
    assert len(confirmations) == 1
    confirmation = confirmations[0]
    assert confirmation.subject == f"参加登録が完了しました: {TITLE}"
    assert "参加が確定しました（対面）。" in confirmation.body
    assert f"オンライン: {ONLINE_URL}" in confirmation.body
    # the attachment is a MIME part (so that it carries method=PUBLISH and one charset)
    calendars = [a for a in confirmation.attachments if a.get_content_type() == "text/calendar"]
    assert len(calendars) == 1
    assert calendars[0].get_filename().endswith(".ics")
    assert calendars[0].get_param("method") == "PUBLISH"
    first_ics = calendars[0].get_payload(decode=True)
    first_event = only_event(first_ics)
    expect_event_at(first_event, starts, ends)
    assert ONLINE_URL in str(first_event["DESCRIPTION"])
    uid, first_sequence = str(first_event["UID"]), int(first_event["SEQUENCE"])

    # 4. The coordinator moves the meeting to the next day, in another room.
    coordinator_page.reload()
    edit_meeting(coordinator_page, starts=new_starts, ends=new_ends, venue=NEW_VENUE)
    expect(fact(coordinator_page, "日時")).to_contain_text(jst_start(new_starts))
    expect(fact(coordinator_page, "会場")).to_have_text(NEW_VENUE)

    changes = mails_to(MEMBER_EMAIL, "変更: ")
    assert len(changes) == 1
    change = changes[0]
    assert change.subject == f"変更: {TITLE}"
    assert "参加登録した会議の日時または場所が変更されました。" in change.body
    assert f"日時: {jst_when(new_starts)} – {new_ends:%H:%M}" in change.body
    assert f"会場: {NEW_VENUE}" in change.body
    assert jst_day(starts) not in change.body
    assert not mails_to(COORDINATOR_EMAIL, "変更: ")  # not registered: not told

    member_page.goto(text_link(change.body, "会議のページ"))
    expect(member_page).to_have_url(meeting_url)
    expect(member_page.get_by_text("この会議の日時または場所が変更されました。以下は最新の内容です。")).to_be_visible()
    expect(fact(member_page, "日時")).to_have_text(jst_span(new_starts, new_ends))
    expect(fact(member_page, "会場")).to_have_text(NEW_VENUE)
    expect(registration).to_contain_text("参加登録済みです（対面）。")

    ical_link = member_page.get_by_role("link", name="カレンダーに追加（.ics）")
    expect(ical_link).to_have_attribute("href", f"/ja/meetings/{meeting.pk}/ical/")
    response = member_page.request.get(f"{live_server.url}/ja/meetings/{meeting.pk}/ical/")
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")
    moved_event = only_event(response.body())
    expect_event_at(moved_event, new_starts, new_ends)
    assert str(moved_event["UID"]) == uid
    assert int(moved_event["SEQUENCE"]) > first_sequence
    assert NEW_VENUE in str(moved_event["LOCATION"])
    assert ONLINE_URL in str(moved_event["DESCRIPTION"])  # she is registered

    # 5. The member stops the change notices with the link in the e-mail.
    unsubscribe_url = text_link(change.body, "この種類のメールを停止")
    assert change.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert unsubscribe_url.startswith(f"{live_server.url}/ja/account/notifications/unsubscribe/")
    member_page.goto(unsubscribe_url)
    expect(member_page.get_by_role("heading", level=1)).to_have_text("配信を停止")
    expect(member_page.get_by_text("「会議の変更」のメールの配信を停止しますか？")).to_be_visible()
    member_page.get_by_role("button", name="配信を停止").click()
    expect(member_page.get_by_role("heading", level=1)).to_have_text("配信を停止しました")
    expect(member_page.get_by_text("今後「会議の変更」のメールは届きません。ほかのメールには影響しません。")).to_be_visible()

    preferences = dict(NotificationPreference.objects.filter(user=member).values_list("kind", "delivery"))
    assert preferences == {"meeting_changed": "never"}
    member_page.get_by_role("link", name="メール設定を変更する").click()
    expect(member_page.get_by_role("heading", level=1)).to_have_text("メール設定")
    # the settings are one table: each radio is named "kind: choice"
    expect(member_page.get_by_label("会議の変更: 受け取らない", exact=True)).to_be_checked()
    expect(member_page.get_by_label("参加登録の確認: すぐに受け取る", exact=True)).to_be_checked()

    # Other kinds still arrive: she switches to joining online and gets a new confirmation.
    member_page.goto(meeting_url)
    registration.get_by_role("group", name="参加方法").get_by_label("オンライン").check()
    registration.get_by_role("button", name="変更").click()
    expect(registration).to_contain_text("参加登録済みです（オンライン）。")
    assert len(mails_to(MEMBER_EMAIL, "参加登録が完了しました")) == 2

    # A further change: the coordinator (now registered too) is told, the member is not.
    coordinator_page.get_by_role("region", name="あなたの参加登録").get_by_label("オンライン").check()
    coordinator_page.get_by_role("button", name="参加登録する").click()
    expect(coordinator_page.get_by_role("status")).to_have_text(
        "参加登録しました。カレンダー用ファイル付きの確認メールをお送りします。"
    )
    edit_meeting(coordinator_page, starts=new_starts, ends=new_ends, venue=LAST_VENUE)
    expect(fact(coordinator_page, "会場")).to_have_text(LAST_VENUE)
    assert [m.subject for m in mails_to(COORDINATOR_EMAIL, "変更: ")] == [f"変更: {TITLE}"]
    assert mails_to(MEMBER_EMAIL, "変更: ") == [change]
    member_page.goto(meeting_url)
    expect(fact(member_page, "会場")).to_have_text(LAST_VENUE)
    expect(fact(member_page, "日時")).to_contain_text(jst_start(new_starts))

    # a confirmed participant is given the online link in the change notice
    assert f"オンライン: {ONLINE_URL}" in change.body
