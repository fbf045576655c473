"""Meetings: the list and the page in Japan time, scheduling, changes, registrations with the
waiting list, participants, minutes, reminders."""

import csv
import datetime
import io
import re
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import services
from meetings.models import Meeting, Registration
from members.notifications.models import Notification
from tests.factories import (
    InstitutionFactory,
    MeetingFactory,
    RegistrationFactory,
    UserFactory,
    WorkingGroupFactory,
    coordinator_of,
    member_of,
    staff_of,
)

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def group():
    coordinating = InstitutionFactory(slug="coord")
    return WorkingGroupFactory(slug="campus", name_ja="ゼロカーボン・キャンパスWG", name_en="Zero Carbon Campus WG",
                               coordinators=[coordinating])


@pytest.fixture
def coordinator(group):
    return coordinator_of(group, email="coord@c.example", name="小林 美咲")


def schedule_form(group, **overrides):
    data = {
        "kind": "group", "group": group.pk, "title_ja": "第9回会合", "title_en": "9th meeting",
        "description_ja": "取組の共有", "description_en": "", "starts_at": "2030-12-20T14:00",
        "ends_at": "2030-12-20T16:00", "format": "hybrid", "venue": "信州大学 会議室A",
        "online_url": "https://meet.example.org/campus", "capacity": "2", "registration_deadline": "",
        "visibility": "members",
        "agenda-TOTAL_FORMS": "3", "agenda-INITIAL_FORMS": "0", "agenda-MIN_NUM_FORMS": "0",
        "agenda-MAX_NUM_FORMS": "1000",
        "agenda-0-time": "14:00", "agenda-0-item_ja": "開会", "agenda-0-item_en": "Opening", "agenda-0-speaker": "幹事",
    }
    data.update(overrides)
    return data


def test_list_shows_japan_time_with_weekday_and_only_what_the_viewer_may_see(client, group):
    public = MeetingFactory(group=group, title_ja="公開シンポジウム", visibility="public",
                            starts_at=datetime.datetime(2030, 12, 20, 5, 0, tzinfo=datetime.UTC),
                            ends_at=datetime.datetime(2030, 12, 20, 7, 0, tzinfo=datetime.UTC))
    MeetingFactory(group=group, title_ja="会員向け会合", visibility="members")
    MeetingFactory(group=group, title_ja="WG内会合", visibility="group")
    html = client.get("/ja/meetings/").content.decode()
    assert "公開シンポジウム" in html and "会員向け会合" not in html and "WG内会合" not in html
    assert "2030年12月20日（金） <strong>14:00–16:00</strong> JST" in html  # 05:00 UTC is 14:00 in Tokyo
    assert "Fri 20 Dec 2030 <strong>14:00–16:00</strong> JST" in client.get("/en/meetings/").content.decode()
    client.force_login(staff_of(InstitutionFactory()))
    html = client.get("/ja/meetings/").content.decode()
    assert "会員向け会合" in html and "WG内会合" not in html
    client.force_login(member_of(group))
    assert "WG内会合" in client.get("/ja/meetings/").content.decode()
    detail = re.sub(r"<[^>]+>", "", client.get(public.get_absolute_url()).content.decode())
    # one zone, said once (it read 「14:00 JST – 16:00 （日本標準時）」)
    assert "2030年12月20日（金） 14:00–16:00 JST" in detail
    assert "日本標準時）" not in detail


def test_coordinator_schedules_and_the_group_is_told(client, deliver, group, coordinator):
    member = member_of(group)
    UserFactory()  # not in the group: not told
    client.force_login(coordinator)
    with deliver():
        response = client.post("/ja/meetings/new/", schedule_form(group))
    meeting = Meeting.objects.get()
    assert response["Location"] == f"/ja/meetings/{meeting.pk}/"
    assert meeting.starts_at == datetime.datetime(2030, 12, 20, 14, 0, tzinfo=TOKYO)
    assert [(a.time.strftime("%H:%M"), a.item_ja) for a in meeting.agenda.all()] == [("14:00", "開会")]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.email, coordinator.email])
    notice = next(m for m in mail.outbox if m.to == [member.email])
    assert notice.subject == "新しい会議: 第9回会合（2030年12月20日（金））"
    assert "2030年12月20日（金） 14:00 JST – 16:00" in notice.body
    assert f"http://testserver/ja/meetings/{meeting.pk}/ical/" in notice.body


def test_registration_fills_places_then_the_waiting_list_in_order(client, deliver, group):
    meeting = MeetingFactory(group=group, format="hybrid", venue="会議室", capacity=2)
    people = [member_of(group) for _ in range(4)]
    for person in people:
        client.force_login(person)
        with deliver():
            client.post(f"/ja/meetings/{meeting.pk}/register/", {"mode": "in_person"})
    statuses = [Registration.objects.get(user=p).status for p in people]
    assert statuses == ["confirmed", "confirmed", "waiting", "waiting"]
    # joining online in a hybrid meeting is not limited by the room
    online = member_of(group)
    client.force_login(online)
    client.post(f"/ja/meetings/{meeting.pk}/register/", {"mode": "online"})
    assert Registration.objects.get(user=online).status == "confirmed"
    subjects = [m.subject for m in mail.outbox if m.to == [people[2].email]]
    assert subjects == [f"キャンセル待ち: {meeting.title_ja}"]
    # the first one cancels: the first waiting moves up and is told (with the calendar event)
    mail.outbox.clear()
    client.force_login(people[0])
    with deliver():
        client.post(f"/ja/meetings/{meeting.pk}/registration/cancel/")
    assert [Registration.objects.get(user=p).status for p in people] == ["cancelled", "confirmed", "confirmed",
                                                                           "waiting"]
    (moved,) = mail.outbox
    assert moved.to == [people[2].email]
    assert moved.subject == f"参加が確定しました: {meeting.title_ja}"
    (ics,) = moved.attachments
    assert (ics.get_filename(), ics.get_content_type(), ics.get_param("method")) == (
        "meeting.ics", "text/calendar", "PUBLISH")
    assert "BEGIN:VEVENT" in ics.get_payload(decode=True).decode()


def test_hybrid_meeting_counts_the_room_apart_from_online_and_says_the_room_is_full(client, group):
    """「参加 3名 / 定員 2名」 mixed online attendees with the room's seats and said nothing of
    online being open."""
    meeting = MeetingFactory(group=group, format="hybrid", venue="会議室", capacity=2)
    for mode in ("in_person", "in_person", "online"):
        RegistrationFactory(meeting=meeting, user=member_of(group), mode=mode)
    client.force_login(member_of(group))

    page = client.get(meeting.get_absolute_url()).content.decode()

    assert "<dd>対面 2名 / 定員 2名（満席） · オンライン 1名（定員なし）</dd>" in page
    assert "会場は満席です。対面で申し込むとキャンセル待ちになります。オンライン参加は受け付けています。" in page
    english = client.get(meeting.get_absolute_url().replace("/ja/", "/en/", 1)).content.decode()
    assert "<dd>In person: 2 of 2 seats (full) · Online: 1 (no limit)</dd>" in english


def test_the_only_way_to_attend_is_chosen_already(client, group):
    """An online meeting offered one radio button, unchecked: 「参加登録する」 answered with the
    browser's "Please select one of these options"."""
    meeting = MeetingFactory(group=group, format="online")
    client.force_login(member_of(group))

    page = client.get(meeting.get_absolute_url()).content.decode()

    assert '<input type="radio" name="mode" value="online" required id="id_mode_0" checked>' in page


def test_waiting_person_is_told_their_place_and_can_leave_the_waiting_list(client, deliver, group):
    meeting = MeetingFactory(group=group, format="hybrid", venue="会議室", capacity=1)
    people = [member_of(group) for _ in range(3)]
    for person in people:
        client.force_login(person)
        with deliver():
            client.post(f"/ja/meetings/{meeting.pk}/register/", {"mode": "in_person"})

    page = client.get(meeting.get_absolute_url()).content.decode()  # the third one, second in the queue
    english = client.get(meeting.get_absolute_url().replace("/ja/", "/en/")).content.decode()
    left = client.post(f"/ja/meetings/{meeting.pk}/registration/cancel/", follow=True).content.decode()

    assert "キャンセル待ちの2番目です。空きが出たらメールでお知らせします。" in page
    assert ">キャンセル待ちをやめる</button>" in page and "参加登録を取り消す" not in page
    assert ">変更</button>" in page and ">参加登録する</button>" not in page
    assert "You are number 2 on the waiting list" in english and ">Leave the waiting list</button>" in english
    assert "キャンセル待ちをやめました。" in left
    assert Registration.objects.get(user=people[2]).status == "cancelled"


def test_online_link_only_for_confirmed_participants(client, group):
    meeting = MeetingFactory(group=group, online_url="https://meet.example.org/secret-room")
    member = member_of(group)
    client.force_login(member)
    assert "secret-room" not in client.get(meeting.get_absolute_url()).content.decode()
    client.post(f"/ja/meetings/{meeting.pk}/register/", {"mode": "online"})
    assert "secret-room" in client.get(meeting.get_absolute_url()).content.decode()
    client.force_login(member_of(group))
    assert "secret-room" not in client.get(meeting.get_absolute_url()).content.decode()


def test_registration_closes_at_the_deadline(client, group):
    meeting = MeetingFactory(group=group, registration_deadline=timezone.now() - datetime.timedelta(minutes=1))
    client.force_login(member_of(group))
    response = client.post(f"/ja/meetings/{meeting.pk}/register/", {"mode": "online"}, follow=True)
    assert "この会議の参加登録は締め切られています。" in response.content.decode()
    assert Registration.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_taking_the_last_seat_at_once_one_gets_it():
    """Two threads, two database connections, one seat: the row lock serialises them."""
    group = WorkingGroupFactory()
    meeting = MeetingFactory(group=group, format="in_person", venue="会議室", online_url="", capacity=3)
    RegistrationFactory.create_batch(2, meeting=meeting, mode="in_person")
    people = [member_of(group) for _ in range(2)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def take(user):
        try:
            barrier.wait()
            results.append(services.register(meeting=meeting, user=user, mode="in_person").status)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sorted(results) == ["confirmed", "waiting"]
    assert Registration.objects.filter(meeting=meeting, status="confirmed").count() == 3


def test_moving_a_meeting_marks_it_changed_tells_the_registered_and_raises_the_sequence(
        client, deliver, group, coordinator):
    meeting = MeetingFactory(group=group, title_ja="移動する会合", format="hybrid", venue="旧会場")
    attendee = RegistrationFactory(meeting=meeting, user=member_of(group)).user
    declined = RegistrationFactory(meeting=meeting, user=member_of(group), status="declined").user
    client.force_login(coordinator)
    data = schedule_form(group, title_ja="移動する会合", starts_at="2030-12-21T10:00", ends_at="2030-12-21T12:00",
                         venue="新会場", capacity="", **{"agenda-0-time": "", "agenda-0-item_ja": "",
                                                          "agenda-0-item_en": "", "agenda-0-speaker": ""})
    with deliver():
        client.post(f"/ja/meetings/{meeting.pk}/edit/", data)
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence, meeting.venue) == ("changed", 1, "新会場")
    assert [m.to for m in mail.outbox] == [[attendee.email]]
    assert mail.outbox[0].subject == "変更: 移動する会合"
    assert "2030年12月21日（土） 10:00 JST – 12:00" in mail.outbox[0].body
    del declined
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "この会議の日時または場所が変更されました。" in page


def test_cancelling_tells_the_registered_with_the_reason(client, deliver, group, coordinator):
    meeting = MeetingFactory(group=group, title_ja="中止する会合")
    attendee = RegistrationFactory(meeting=meeting, user=member_of(group, staff_of(InstitutionFactory(),
                                                                                    language="en"))).user
    client.force_login(coordinator)
    with deliver():
        client.post(f"/ja/meetings/{meeting.pk}/cancel/", {"reason": "台風の接近のため"})
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence) == ("cancelled", 1)
    (notice,) = mail.outbox
    assert notice.to == [attendee.email]
    assert notice.subject == f"Cancelled: {meeting.title_en}"
    assert "台風の接近のため" in notice.body
    client.force_login(attendee)
    response = client.post(f"/en/meetings/{meeting.pk}/register/", {"mode": "online"}, follow=True)
    assert "Registration for this meeting is closed." in response.content.decode()


def test_participants_csv_and_attendance(client, group, coordinator):
    meeting = MeetingFactory(group=group)
    regs = [RegistrationFactory(meeting=meeting, user=member_of(group, staff_of(InstitutionFactory(name_ja=f"機関{n}"),
                                                                                  name=f"参加者{n}")))
            for n in range(3)]
    client.force_login(coordinator)
    body = client.get(f"/ja/meetings/{meeting.pk}/participants/", {"format": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["氏名", "メールアドレス", "機関", "参加", "状態", "登録日時", "出席", "登録区分"]
    assert sorted(r[0] for r in rows[1:]) == ["参加者0", "参加者1", "参加者2"]
    assert {r[2] for r in rows[1:]} == {"機関0", "機関1", "機関2"}
    client.post(f"/ja/meetings/{meeting.pk}/participants/", {"attended": [regs[0].pk, regs[2].pk]})
    assert [Registration.objects.get(pk=r.pk).attended for r in regs] == [True, False, True]


def test_minutes_are_sanitised_and_every_version_is_kept(client, group, coordinator):
    meeting = MeetingFactory(group=group, visibility="public")
    client.force_login(coordinator)
    client.post(f"/ja/meetings/{meeting.pk}/minutes/",
                {"minutes": "## 決定事項\n\n- 次回は現地視察", "action": "publish"})
    client.post(f"/ja/meetings/{meeting.pk}/minutes/",
                {"minutes": "## 決定事項\n\n- 次回は現地視察\n\n<script>alert(1)</script><img src=x onerror=alert(1)>",
                 "action": "publish"})
    meeting.refresh_from_db()
    assert meeting.minutes_revisions.count() == 2
    client.logout()
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "<h2>決定事項</h2>" in page
    assert "<script>alert(1)" not in page and "onerror" not in page


def test_reminders_are_due_and_not_yet_sent_and_follow_a_moved_meeting(deliver, group):
    soon = MeetingFactory(group=group, title_ja="リマインド対象",
                          starts_at=timezone.now() + datetime.timedelta(days=6, hours=2),
                          ends_at=timezone.now() + datetime.timedelta(days=6, hours=4))
    person = RegistrationFactory(meeting=soon, user=member_of(group)).user
    MeetingFactory(group=group, starts_at=timezone.now() + datetime.timedelta(days=20),
                   ends_at=timezone.now() + datetime.timedelta(days=20, hours=2))  # not yet due
    with deliver():
        assert services.reminders_due() == 1
        assert services.reminders_due() == 0  # already sent: nothing new
    start = soon.starts_at.astimezone(TOKYO)
    weekday = "月火水木金土日"[start.weekday()]
    assert [m.subject for m in mail.outbox] == [f"1週間後: リマインド対象（{start:%Y年%-m月%-d日}（{weekday}））"]
    # the meeting moves a day earlier: the week reminder for the new time is due again
    soon.starts_at -= datetime.timedelta(days=1)
    soon.ends_at -= datetime.timedelta(days=1)
    soon.save()
    with deliver():
        assert services.reminders_due() == 1
    assert Notification.objects.filter(kind="meeting_reminder_week", recipient=person).count() == 2


def test_reminder_queued_for_the_old_time_is_dropped_after_a_move(group):
    meeting = MeetingFactory(group=group, starts_at=timezone.now() + datetime.timedelta(days=5),
                             ends_at=timezone.now() + datetime.timedelta(days=5, hours=2))
    RegistrationFactory(meeting=meeting, user=member_of(group))
    services.reminders_due()  # queued, not yet delivered (no commit in this test)
    queued = Notification.objects.get(kind="meeting_reminder_week")
    meeting.starts_at += datetime.timedelta(hours=3)
    meeting.ends_at += datetime.timedelta(hours=3)
    meeting.save()
    from members.notifications.delivery import deliver as deliver_rows

    report = deliver_rows([queued.pk])
    queued.refresh_from_db()
    assert (report.sent, report.skipped, queued.status) == (0, 1, "skipped")
    assert mail.outbox == []


@pytest.mark.parametrize("path", ["/ja/meetings/", "/ja/meetings/?when=past"])
def test_list_query_count_does_not_grow(client, group, path):
    client.force_login(member_of(group))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx)

    past = timezone.now() - datetime.timedelta(days=30)
    MeetingFactory(group=group, visibility="public")
    MeetingFactory(group=group, visibility="public", starts_at=past, ends_at=past + datetime.timedelta(hours=1))
    few = count()
    for _ in range(8):
        other = WorkingGroupFactory()
        m = MeetingFactory(group=other, visibility="public")
        old = MeetingFactory(group=other, visibility="public", starts_at=past,
                             ends_at=past + datetime.timedelta(hours=1))
        RegistrationFactory.create_batch(3, meeting=m)
        RegistrationFactory.create_batch(2, meeting=old)
    assert count() == few


def test_detail_query_count_does_not_grow_with_registrations(client, group):
    meeting = MeetingFactory(group=group, visibility="public")
    member = member_of(group)
    RegistrationFactory(meeting=meeting, user=member)
    client.force_login(member)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(meeting.get_absolute_url()).status_code == 200
        return len(ctx)

    few = count()
    RegistrationFactory.create_batch(20, meeting=meeting)
    RegistrationFactory.create_batch(5, meeting=meeting, status="waiting")
    assert count() == few
