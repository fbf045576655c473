"""Bad input in the meetings app: a clear, translated error where the person reads it, and nothing
saved.

The meeting form (scheduling, as a coordinator, in Japanese and English), registrations (a mode the
meeting does not offer, too late, a cancelled meeting), minutes carrying script, and documents
that are not what their name says. Every refusal is checked for the message shown, for the rows
that must not appear (Meeting, AgendaItem, Registration, MeetingDocument, MinutesRevision, outbox,
audit) and for the e-mails that must not leave: posts run inside ``deliver()``, so an e-mail queued
by mistake would reach ``mail.outbox``.
"""

import datetime
import html
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from meetings.models import AgendaItem, Meeting, MeetingDocument, MinutesRevision, Registration
from members.audit.models import AuditEntry
from members.notifications.models import Notification
from tests.factories import InstitutionFactory, WorkingGroupFactory, coordinator_of, secretariat_user, staff_of
from working_groups.models import Membership, WorkingGroup

pytestmark = pytest.mark.django_db

REQUIRED = {"ja": "このフィールドは必須です。", "en": "This field is required."}
FIX_BELOW = {"ja": "下記の項目を修正してください。", "en": "Please correct the fields marked below."}
INVALID_CHOICE = {"ja": "正しく選択してください。選択したものは候補にありません。",
                  "en": "Select a valid choice. That choice is not one of the available choices."}
CHOOSE_GROUP = {"ja": "ワーキンググループを選んでください。", "en": "Choose the working group."}
ENDS_AFTER = {"ja": "終了日時は開始日時より後にしてください。", "en": "The meeting must end after it starts."}
DEADLINE = {"ja": "参加登録の締切は開始日時より前にしてください。",
            "en": "Registration must close before the meeting starts."}
VENUE = {"ja": "対面で開催する会議の会場を入力してください。", "en": "Give the venue of a meeting held in person."}
BAD_URL = {"ja": "URLを正しく入力してください。", "en": "Enter a valid URL."}
GROUP_ONLY = {"ja": "WGメンバー限定にできるのはワーキンググループの会議だけです。",
              "en": "Only a working group's meeting can be for its members only."}
BAD_TIME = {"ja": "時間を正しく入力してください。", "en": "Enter a valid time."}
WHOLE_NUMBER = {"ja": "整数を入力してください。", "en": "Enter a whole number."}
TOO_LONG = {"ja": "会議の期間は最長7日です。", "en": "A meeting lasts at most 7 days."}
AT_LEAST_ONE = {"ja": "この値は 1 以上でなければなりません。", "en": "Ensure this value is greater than or equal to 1."}
CLOSED = {"ja": "この会議の参加登録は締め切られています。", "en": "Registration for this meeting is closed."}
CHOOSE_MODE = {"ja": "この会議への参加方法を選んでください。", "en": "Choose how you will attend this meeting."}
BAD_DOCUMENT = ("PDF、Word、Excel、PowerPoint、PNG、JPEGのファイルで、拡張子と内容が一致するものを"
                "アップロードしてください。")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# ---------------------------------------------------------------------------------------------
# Helpers and the world
# ---------------------------------------------------------------------------------------------


def field_errors(response, name: str) -> list[str]:
    """The error messages shown next to the field ``name``: its errorlist sits in the field's own
    block (or, for an agenda line, its own table cell), and a single input points to it with
    aria-describedby."""
    page = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="id_{re.escape(name)}_error">(.*?)</ul>', page, re.S)
    if match is None:
        return []
    block_end = min(i for i in (page.find('<div class="field', match.end()), page.find("</td>", match.end()),
                                len(page)) if i != -1)
    block = page[match.end():block_end]
    assert f'name="{name}"' in block, f"{name}: the error is not next to the field"
    single = re.search(rf'<(?:input|select|textarea)[^>]*\bid="id_{re.escape(name)}"[^>]*>', block)
    if single is not None:
        assert f"id_{name}_error" in single.group(0), f"{name}: the field does not point to its error"
    return [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


def row_counts() -> dict:
    return {
        "meetings": Meeting.objects.count(),
        "agenda": AgendaItem.objects.count(),
        "registrations": sorted(Registration.objects.values_list("pk", "user_id", "status", "mode")),
        "documents": MeetingDocument.objects.count(),
        "revisions": MinutesRevision.objects.count(),
        "audit": AuditEntry.objects.count(),
        "outbox": Notification.objects.count(),
    }


def start_in(days: float) -> datetime.datetime:
    base = timezone.localtime().replace(second=0, microsecond=0)
    return base + datetime.timedelta(days=days)


def jst(dt: datetime.datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def group():
    coordinating = InstitutionFactory(slug="univ-c", name_ja="丙工業大学", name_en="Gamma Institute")
    return WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG", coordinators=[coordinating])


@pytest.fixture
def coordinator(group):
    return coordinator_of(group, email="coordinator@gamma.example.ac.jp")


@pytest.fixture
def member(group):
    """A member of the group: told of every new meeting (so a wrongly saved meeting sends mail)."""
    institution = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University")
    user = staff_of(institution, email="member@alpha.example.ac.jp")
    Membership.objects.create(group=group, user=user, institution=institution, status=Membership.Status.ACTIVE)
    return user


@pytest.fixture
def other_group():
    """A group the coordinator does not coordinate."""
    return WorkingGroupFactory(slug="regional", name_ja="地域連携WG", name_en="Regional WG",
                               coordinators=[InstitutionFactory(slug="univ-b")])


@pytest.fixture
def general():
    return WorkingGroupFactory(tier=WorkingGroup.Tier.GENERAL, slug="general-meeting", name_ja="総会",
                               name_en="General Meeting")


def meeting_data(wg, **changes) -> dict:
    starts = start_in(20).replace(hour=14, minute=0)
    data = {
        "kind": "group", "group": wg.pk, "title_ja": "第9回キャンパスWG会合", "title_en": "9th Campus WG meeting",
        "description_ja": "取組の共有", "description_en": "", "starts_at": jst(starts),
        "ends_at": jst(starts + datetime.timedelta(hours=2)), "format": "hybrid", "venue": "丙工業大学 会議室A",
        "online_url": "https://meet.example.org/campus", "capacity": "30",
        "registration_deadline": jst(starts - datetime.timedelta(days=3)), "visibility": "members",
        "agenda-TOTAL_FORMS": "3", "agenda-INITIAL_FORMS": "0", "agenda-MIN_NUM_FORMS": "0",
        "agenda-MAX_NUM_FORMS": "1000",
        "agenda-0-time": "14:00", "agenda-0-item_ja": "開会", "agenda-0-item_en": "Opening",
        "agenda-0-speaker": "幹事",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def schedule(client, deliver, wg, lang="ja", **changes):
    with deliver():
        return client.post(f"/{lang}/meetings/new/", meeting_data(wg, **changes))


def assert_refused(response, before, lang="ja"):
    """The form again, saying what to fix; no row, no e-mail."""
    assert response.status_code == 200
    assert FIX_BELOW[lang] in response.content.decode()
    assert row_counts() == before
    assert mail.outbox == []


# ---------------------------------------------------------------------------------------------
# The meeting form
# ---------------------------------------------------------------------------------------------


def test_meeting_valid_is_scheduled_and_announced(client, deliver, group, coordinator, member):
    """The control for every refusal below: the same data, unchanged, is taken and announced."""
    client.force_login(coordinator)
    before = row_counts()

    response = schedule(client, deliver, group)

    meeting = Meeting.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/ja/meetings/{meeting.pk}/")
    assert (meeting.title_ja, meeting.group, meeting.capacity) == ("第9回キャンパスWG会合", group, 30)
    assert list(meeting.agenda.values_list("item_ja", flat=True)) == ["開会"]
    assert row_counts()["meetings"] == before["meetings"] + 1
    # the group's members, the named coordinator among them
    assert sorted(m.to for m in mail.outbox) == [["coordinator@gamma.example.ac.jp"], ["member@alpha.example.ac.jp"]]


BAD_MEETINGS = {
    # case: (changes to the valid form, field that says what is wrong, messages by language)
    "title_missing": ({"title_ja": ""}, "title_ja", REQUIRED),
    "title_blank": ({"title_ja": "   "}, "title_ja", REQUIRED),
    "start_missing": ({"starts_at": ""}, "starts_at", REQUIRED),
    "end_before_start": ({"ends_at": jst(start_in(20).replace(hour=13, minute=0))}, "ends_at", ENDS_AFTER),
    "too_long": ({"ends_at": jst(start_in(28))}, "ends_at", TOO_LONG),
    "end_at_start": ({"ends_at": jst(start_in(20).replace(hour=14, minute=0))}, "ends_at", ENDS_AFTER),
    "deadline_after_start": ({"registration_deadline": jst(start_in(21))}, "registration_deadline", DEADLINE),
    "in_person_without_venue": ({"format": "in_person", "venue": ""}, "venue", VENUE),
    "hybrid_without_venue": ({"format": "hybrid", "venue": "  "}, "venue", VENUE),
    "online_link_javascript": ({"online_url": "javascript:alert(document.cookie)"}, "online_url", BAD_URL),
    "online_link_not_a_url": ({"online_url": "not a link"}, "online_url", BAD_URL),
    "online_link_data": ({"online_url": "data:text/html,<script>alert(1)</script>"}, "online_url", BAD_URL),
    "capacity_zero": ({"capacity": "0"}, "capacity", AT_LEAST_ONE),
    "capacity_text": ({"capacity": "thirty"}, "capacity", WHOLE_NUMBER),
    "capacity_decimal": ({"capacity": "2.5"}, "capacity", WHOLE_NUMBER),
    "group_missing": ({"group": ""}, "group", CHOOSE_GROUP),
    "group_unknown": ({"group": "999999"}, "group", INVALID_CHOICE),
    "group_not_a_number": ({"group": "campus"}, "group", INVALID_CHOICE),
    "group_only_for_general_symposium": ({"kind": "symposium", "group": "", "visibility": "group"}, "visibility",
                                         GROUP_ONLY),
    "agenda_time_invalid": ({"agenda-0-time": "25:00"}, "agenda-0-time", BAD_TIME),
    "agenda_time_text": ({"agenda-0-time": "午後"}, "agenda-0-time", BAD_TIME),
    "agenda_item_missing": ({"agenda-1-time": "15:00"}, "agenda-1-item_ja", REQUIRED),
}


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("case", list(BAD_MEETINGS))
def test_meeting_bad_input_is_explained_next_to_the_field_and_saves_nothing(client, deliver, group, coordinator,
                                                                            member, case, lang):
    changes, field, messages = BAD_MEETINGS[case]
    messages = messages if isinstance(messages, tuple) else (messages,)
    client.force_login(coordinator)
    before = row_counts()

    response = schedule(client, deliver, group, lang=lang, **changes)

    assert_refused(response, before, lang)
    assert field_errors(response, field) == [m[lang] for m in messages]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_meeting_negative_capacity_asks_for_at_least_one(client, deliver, group, coordinator, member, lang):
    """0 is refused too (MinValueValidator(1)), so the message asks for at least 1, not at least 0."""
    client.force_login(coordinator)
    before = row_counts()

    response = schedule(client, deliver, group, lang=lang, capacity="-5")

    assert_refused(response, before, lang)
    assert field_errors(response, "capacity") == [AT_LEAST_ONE[lang]]


@pytest.mark.parametrize(("lang", "says"), [("ja", "最大で 1000 個のフォームを送信してください。"),
                                          ("en", "Please submit at most 1000 forms.")])
def test_meeting_with_an_absurd_number_of_agenda_lines_is_refused_with_a_message(
        client, deliver, group, coordinator, member, lang, says):
    """A hand-made post claiming 10^59 programme lines (the fuzz test's find): the form again, the
    formset's own error in the page's language, in its list and in the summary; nothing saved."""
    client.force_login(coordinator)
    before = row_counts()

    response = schedule(client, deliver, group, lang=lang, **{"agenda-TOTAL_FORMS": "2" * 60})

    assert_refused(response, before, lang)
    page = response.content.decode()
    assert f'<ul class="errorlist nonform"><li>{says}</li></ul>' in page
    assert page.count(says) == 2  # beside the programme, and in the summary at the top


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_meeting_for_group_not_coordinated_is_refused(client, deliver, group, coordinator, member, other_group,
                                                      lang):
    """The group is not among those offered: an invalid choice, nothing saved, nothing sent."""
    client.force_login(coordinator)
    before = row_counts()

    response = schedule(client, deliver, group, lang=lang, group=str(other_group.pk))

    assert_refused(response, before, lang)
    assert field_errors(response, "group") == [INVALID_CHOICE[lang]]
    assert other_group.name_ja not in response.content.decode()


def test_meeting_general_symposium_by_coordinator_is_404(client, deliver, group, coordinator, member):
    """A symposium of no group is the secretariat's: the coordinator's valid form is refused."""
    client.force_login(coordinator)
    before = row_counts()

    response = schedule(client, deliver, group, kind="symposium", group="")

    assert response.status_code == 404
    assert row_counts() == before
    assert mail.outbox == []


def test_meeting_group_only_visibility_for_general_meeting_is_refused(client, deliver, group, general):
    """The secretariat schedules the general meeting; it cannot be for one group's members only."""
    client.force_login(secretariat_user(email="desk@coalition.example.org"))
    before = row_counts()

    response = schedule(client, deliver, group, kind="general", group="", visibility="group")

    assert_refused(response, before)
    assert field_errors(response, "visibility") == [GROUP_ONLY["ja"]]


def test_meeting_every_error_at_once_lists_each_field(client, deliver, group, coordinator, member):
    client.force_login(coordinator)
    before = row_counts()

    response = schedule(client, deliver, group, title_ja="", ends_at=jst(start_in(19)), venue="",
                        online_url="javascript:alert(1)", capacity="0", **{"agenda-0-time": "99:99"})

    assert_refused(response, before)
    assert {name: field_errors(response, name) for name in ("title_ja", "ends_at", "venue", "online_url",
                                                              "capacity", "agenda-0-time")} == {
        "title_ja": [REQUIRED["ja"]], "ends_at": [ENDS_AFTER["ja"]], "venue": [VENUE["ja"]],
        "online_url": [BAD_URL["ja"]], "capacity": [AT_LEAST_ONE["ja"]], "agenda-0-time": [BAD_TIME["ja"]],
    }


def test_meeting_refused_form_keeps_what_was_typed(client, deliver, group, coordinator):
    client.force_login(coordinator)
    response = schedule(client, deliver, group, venue="", format="in_person")
    content = response.content.decode()
    assert 'name="title_ja" value="第9回キャンパスWG会合"' in content
    assert 'value="開会"' in content


def test_meeting_edit_with_bad_input_changes_nothing(client, deliver, group, coordinator, member):
    client.force_login(coordinator)
    with deliver():
        schedule(client, deliver, group)
    meeting = Meeting.objects.get()
    mail.outbox.clear()
    before = row_counts()
    saved = Meeting.objects.filter(pk=meeting.pk).values().get()
    item = meeting.agenda.get()
    data = meeting_data(group, ends_at=jst(start_in(19)), venue="", **{
        "agenda-TOTAL_FORMS": "1", "agenda-INITIAL_FORMS": "1", "agenda-0-id": str(item.pk),
        "agenda-0-meeting": str(meeting.pk), "agenda-0-item_ja": "変更された開会"})

    with deliver():
        response = client.post(f"/ja/meetings/{meeting.pk}/edit/", data)

    assert_refused(response, before)
    assert field_errors(response, "ends_at") == [ENDS_AFTER["ja"]]
    assert Meeting.objects.filter(pk=meeting.pk).values().get() == saved
    assert AgendaItem.objects.get(pk=item.pk).item_ja == "開会"


# ---------------------------------------------------------------------------------------------
# Registrations
# ---------------------------------------------------------------------------------------------


def make_meeting(group, **fields) -> Meeting:
    starts = fields.pop("starts_at", start_in(10))
    values = {"kind": Meeting.Kind.GROUP, "group": group, "title_ja": "登録テスト会合", "starts_at": starts,
              "ends_at": starts + datetime.timedelta(hours=2), "format": Meeting.Format.ONLINE,
              "online_url": "https://meet.example.org/reg", "visibility": Meeting.Visibility.MEMBERS}
    values.update(fields)
    return Meeting.objects.create(**values)


def register(client, deliver, meeting, lang="ja", **data):
    with deliver():
        return client.post(f"/{lang}/meetings/{meeting.pk}/register/", data, follow=True)


def assert_registration_refused(response, meeting, before, message, lang="ja"):
    assert response.redirect_chain == [(f"/{lang}/meetings/{meeting.pk}/", 302)]
    assert message in response.content.decode()
    assert row_counts() == before
    assert mail.outbox == []


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("mode", ["teleport", "", "ONLINE", "declined"])
def test_register_with_unknown_mode_is_refused(client, deliver, group, member, mode, lang):
    meeting = make_meeting(group)
    client.force_login(member)
    before = row_counts()

    response = register(client, deliver, meeting, lang=lang, mode=mode)

    assert_registration_refused(response, meeting, before, CHOOSE_MODE[lang], lang)


def test_register_without_mode_is_refused(client, deliver, group, member):
    meeting = make_meeting(group)
    client.force_login(member)
    before = row_counts()

    response = register(client, deliver, meeting)

    assert_registration_refused(response, meeting, before, CHOOSE_MODE["ja"])


def test_register_in_person_for_online_only_meeting_is_refused(client, deliver, group, member):
    meeting = make_meeting(group, format=Meeting.Format.ONLINE)
    client.force_login(member)
    before = row_counts()

    response = register(client, deliver, meeting, mode="in_person")

    assert_registration_refused(response, meeting, before, CHOOSE_MODE["ja"])


def test_register_online_for_in_person_meeting_is_refused(client, deliver, group, member):
    meeting = make_meeting(group, format=Meeting.Format.IN_PERSON, venue="会議室", online_url="")
    client.force_login(member)
    before = row_counts()

    response = register(client, deliver, meeting, mode="online")

    assert_registration_refused(response, meeting, before, CHOOSE_MODE["ja"])


LATE = {
    "after_deadline": lambda: {"registration_deadline": timezone.now() - datetime.timedelta(hours=1)},
    "after_start": lambda: {"starts_at": timezone.now() - datetime.timedelta(minutes=30)},
    "after_end": lambda: {"starts_at": timezone.now() - datetime.timedelta(days=3)},
    "cancelled": lambda: {"status": Meeting.Status.CANCELLED, "cancel_reason": "台風のため"},
}


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("case", list(LATE))
def test_register_when_registration_is_closed_is_refused(client, deliver, group, member, case, lang):
    meeting = make_meeting(group, **LATE[case]())
    client.force_login(member)
    before = row_counts()

    response = register(client, deliver, meeting, lang=lang, mode="online")

    assert_registration_refused(response, meeting, before, CLOSED[lang], lang)
    assert f'action="/{lang}/meetings/{meeting.pk}/register/"' not in response.content.decode()


def test_register_when_closed_keeps_existing_registration_unchanged(client, deliver, group, member):
    """Changing the mode after the deadline is refused too: the place stays as it was."""
    meeting = make_meeting(group, format=Meeting.Format.HYBRID, venue="会議室")
    registration = Registration.objects.create(meeting=meeting, user=member, mode=Registration.Mode.ONLINE)
    Meeting.objects.filter(pk=meeting.pk).update(registration_deadline=timezone.now() - datetime.timedelta(hours=1))
    client.force_login(member)
    before = row_counts()

    response = register(client, deliver, meeting, mode="in_person")

    assert_registration_refused(response, meeting, before, CLOSED["ja"])
    assert Registration.objects.get(pk=registration.pk).mode == Registration.Mode.ONLINE


def test_unregister_when_only_declined_is_refused(client, deliver, group, member):
    meeting = make_meeting(group)
    Registration.objects.create(meeting=meeting, user=member, status=Registration.Status.DECLINED)
    client.force_login(member)
    before = row_counts()

    with deliver():
        response = client.post(f"/ja/meetings/{meeting.pk}/registration/cancel/", follow=True)

    assert_registration_refused(response, meeting, before, "この会議には参加登録していません。")


def test_unregister_without_registration_is_404(client, deliver, group, member):
    meeting = make_meeting(group)
    client.force_login(member)
    before = row_counts()

    with deliver():
        response = client.post(f"/ja/meetings/{meeting.pk}/registration/cancel/")

    assert response.status_code == 404
    assert row_counts() == before


def waiting_list(group, meeting_fields):
    """A full meeting (one place) with one person confirmed and one waiting."""
    meeting = make_meeting(group, capacity=1, **meeting_fields)
    holder = staff_of(InstitutionFactory(), email="holder@example.ac.jp")
    waiting = staff_of(InstitutionFactory(), email="waiting@example.ac.jp")
    Registration.objects.create(meeting=meeting, user=holder, mode=Registration.Mode.ONLINE)
    Registration.objects.create(meeting=meeting, user=waiting, mode=Registration.Mode.ONLINE,
                                status=Registration.Status.WAITING)
    return meeting, holder, waiting


@pytest.mark.parametrize("case", [
    "after_end", "cancelled",
])
def test_decline_of_meeting_over_or_cancelled_moves_nobody_up(client, deliver, group, case):
    """Once a meeting is over or cancelled, declining is refused: nobody moves up or is told a place is free."""
    meeting, holder, waiting = waiting_list(group, LATE[case]())
    client.force_login(holder)

    with deliver():
        response = client.post(f"/ja/meetings/{meeting.pk}/decline/", follow=True)

    said = {"after_end": "この会議はすでに始まっています。", "cancelled": "この会議は中止されました。"}[case]
    assert said in response.content.decode()
    assert Registration.objects.get(meeting=meeting, user=holder).status == Registration.Status.CONFIRMED
    assert Registration.objects.get(meeting=meeting, user=waiting).status == Registration.Status.WAITING
    assert mail.outbox == []


def test_unregister_of_cancelled_meeting_moves_nobody_up(client, deliver, group):
    """The control for the decline bug: cancelling one's registration leaves the list alone."""
    meeting, holder, waiting = waiting_list(group, LATE["cancelled"]())
    client.force_login(holder)

    with deliver():
        client.post(f"/ja/meetings/{meeting.pk}/registration/cancel/")

    assert Registration.objects.get(meeting=meeting, user=holder).status == Registration.Status.CANCELLED
    assert Registration.objects.get(meeting=meeting, user=waiting).status == Registration.Status.WAITING
    assert mail.outbox == []


def test_decline_of_upcoming_meeting_moves_the_first_waiting_up(client, deliver, group):
    """The control the other way: before the meeting, declining frees the place for the list."""
    meeting, holder, waiting = waiting_list(group, {})
    client.force_login(holder)

    with deliver():
        client.post(f"/ja/meetings/{meeting.pk}/decline/")

    assert Registration.objects.get(meeting=meeting, user=waiting).status == Registration.Status.CONFIRMED
    assert [m.to for m in mail.outbox] == [["waiting@example.ac.jp"]]


# ---------------------------------------------------------------------------------------------
# Minutes
# ---------------------------------------------------------------------------------------------

HOSTILE_MINUTES = "\n\n".join([
    "## 決定事項",
    "議事録の本文です。",
    "<script>alert('minutes')</script>",
    '<img src="/media/x.png" onerror="alert(1)">',
    '<a href="https://example.org/" onclick="alert(2)">資料のリンク</a>',
    "[危ないリンク](javascript:alert(3))",
    '<iframe src="https://evil.example.com/"></iframe>',
    '<p style="background:url(javascript:alert(4))">スタイル付き</p>',
    "<svg><script>alert(5)</script></svg>",
])


def test_minutes_with_script_are_stored_as_written_and_shown_sanitised(client, deliver, group, coordinator):
    meeting = make_meeting(group, starts_at=start_in(-2))
    client.force_login(coordinator)

    with deliver():
        response = client.post(f"/ja/meetings/{meeting.pk}/minutes/", {"minutes": HOSTILE_MINUTES, "action": "publish"})

    assert response["Location"] == f"/ja/meetings/{meeting.pk}/#minutes"
    meeting.refresh_from_db()
    assert meeting.minutes == HOSTILE_MINUTES
    assert MinutesRevision.objects.get(meeting=meeting).text == HOSTILE_MINUTES
    page = client.get(f"/ja/meetings/{meeting.pk}/").content.decode()
    minutes = page[page.index('id="minutes"'):]
    minutes = minutes[:minutes.index("</section>")]
    assert "<h2>決定事項</h2>" in minutes
    assert "議事録の本文です。" in minutes
    assert '<a href="https://example.org/" rel="noopener noreferrer nofollow">資料のリンク</a>' in minutes
    for dangerous in ("<script", "onerror", "onclick", "javascript:", "<iframe", "style=", "<svg", "alert("):
        assert dangerous not in minutes.lower(), dangerous
    # the earlier versions on the minutes page show the text as written, escaped
    history = client.get(f"/ja/meetings/{meeting.pk}/minutes/").content.decode()
    assert "&lt;script&gt;alert(&#x27;minutes&#x27;)&lt;/script&gt;" in history
    assert "<script>alert(" not in history


def test_minutes_too_long_are_refused(client, deliver, group, coordinator):
    meeting = make_meeting(group, starts_at=start_in(-2))
    client.force_login(coordinator)
    before = row_counts()

    with deliver():
        response = client.post(f"/ja/meetings/{meeting.pk}/minutes/", {"minutes": "あ" * 100_001, "action": "publish"})

    assert response.status_code == 200
    assert field_errors(response, "minutes") == ["議事録が長すぎます。"]
    assert row_counts() == before
    assert Meeting.objects.get(pk=meeting.pk).minutes == ""


# ---------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------

FAKE_DOCUMENTS = {
    "script_as_pdf": ("minutes.pdf", b"<script>alert(1)</script>", "application/pdf"),
    "html_as_pdf": ("agenda.pdf", b"<!DOCTYPE html><html><body onload=alert(1)>x</body></html>", "application/pdf"),
    "pdf_header_only": ("short.pdf", b"%PDF-1.4\n<script>alert(1)</script>", "application/pdf"),
    "shell_as_docx": ("slides.docx", b"#!/bin/sh\nrm -rf /\n", "application/msword"),
    "html_as_png": ("photo.png", b"<html><script>alert(1)</script></html>", "image/png"),
    "svg": ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
    "exe": ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "application/octet-stream"),
    "pdf_named_html": ("page.html", PDF, "text/html"),
}


@pytest.mark.parametrize("case", list(FAKE_DOCUMENTS))
def test_document_not_what_its_name_says_is_refused(client, deliver, group, coordinator, settings, tmp_path, case):
    settings.MEDIA_ROOT = tmp_path
    meeting = make_meeting(group)
    client.force_login(coordinator)
    before = row_counts()
    name, content, content_type = FAKE_DOCUMENTS[case]

    with deliver():
        response = client.post(f"/ja/meetings/{meeting.pk}/documents/",
                               {"title": "怪しい資料", "file": SimpleUploadedFile(name, content, content_type)},
                               follow=True)

    assert response.redirect_chain == [(f"/ja/meetings/{meeting.pk}/#documents", 302)]
    assert BAD_DOCUMENT in response.content.decode()
    assert "怪しい資料" not in response.content.decode()
    assert row_counts() == before
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_document_real_pdf_is_attached(client, deliver, group, coordinator, settings, tmp_path):
    """The control: a real PDF is taken and listed."""
    settings.MEDIA_ROOT = tmp_path
    meeting = make_meeting(group)
    client.force_login(coordinator)

    with deliver():
        response = client.post(f"/ja/meetings/{meeting.pk}/documents/",
                               {"title": "当日資料", "file": SimpleUploadedFile("slides.pdf", PDF, "application/pdf")},
                               follow=True)

    assert "資料を添付しました。" in response.content.decode()
    document = MeetingDocument.objects.get(meeting=meeting)
    assert (document.title, document.content_type, document.size) == ("当日資料", "application/pdf", len(PDF))
    assert "当日資料" in response.content.decode()


def test_document_without_file_is_refused(client, deliver, group, coordinator):
    meeting = make_meeting(group)
    client.force_login(coordinator)
    before = row_counts()

    with deliver():
        response = client.post(f"/ja/meetings/{meeting.pk}/documents/", {"title": "空"}, follow=True)

    assert "このフィールドは必須です。" in response.content.decode()
    assert row_counts() == before



# ---------------------------------------------------------------------------------------------
# Found by the fuzz test (tests/test_fuzz.py): each was a server error or a refusal nobody could see
# ---------------------------------------------------------------------------------------------

FAR = {"ja": "2000年から2100年までの日付を入力してください。", "en": "Give a date between the years 2000 and 2100."}


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize(("field", "value"), [
    ("starts_at", "0001-01-01T09:00"),
    ("registration_deadline", "0001-01-01T09:00"),
    ("ends_at", "9999-12-31T23:59"),
    ("starts_at", "1999-12-31T23:59"),
])
def test_meeting_date_at_the_ends_of_the_calendar_is_refused(client, deliver, group, coordinator, member, field,
                                                             value, lang):
    """0001-01-01 09:00 in Japan time is still year 0 in UTC: checking the database constraint on it
    was a server error (OverflowError)."""
    client.force_login(coordinator)
    before = row_counts()

    response = schedule(client, deliver, group, lang=lang, **{field: value})

    assert_refused(response, before, lang)
    assert field_errors(response, field) == [FAR[lang]]


def test_meeting_agenda_line_with_forged_hidden_fields_shows_the_errors_on_its_line(client, deliver, group,
                                                                                    coordinator, member):
    """The hidden id and meeting of an agenda line were not shown with their errors: the page said
    "correct the fields marked below" and marked none."""
    client.force_login(coordinator)
    before = row_counts()

    response = schedule(client, deliver, group, **{"agenda-0-id": "x", "agenda-0-meeting": "999"})

    assert_refused(response, before)
    cell = re.search(r'<td><ul class="errorlist" id="id_agenda-0-id_error">.*?</td>', response.content.decode(),
                     re.S).group(0)
    assert re.findall(r"<li>(.*?)</li>", cell) == [INVALID_CHOICE["ja"],
                                                   "インライン値が親のインスタンスに一致しません。"]
    assert 'name="agenda-0-id"' in cell
    assert 'name="agenda-0-meeting"' in cell


def test_attendance_with_ids_that_are_not_this_meetings_marks_only_its_own(client, deliver, group, coordinator,
                                                                          member):
    """"²".isdigit() is true and int("²") raises; 30 digits overflow the database's integer: both were
    server errors. Only this meeting's registrations are read from the post."""
    meeting = make_meeting(group, starts_at=start_in(-2))
    registration = Registration.objects.create(meeting=meeting, user=member, mode=Registration.Mode.ONLINE)
    elsewhere = Registration.objects.create(meeting=make_meeting(group), user=member, mode=Registration.Mode.ONLINE)
    client.force_login(coordinator)

    with deliver():
        response = client.post(f"/ja/meetings/{meeting.pk}/participants/",
                               {"attended": ["²", "9" * 30, str(elsewhere.pk), str(registration.pk)]}, follow=True)

    assert response.redirect_chain == [(f"/ja/meetings/{meeting.pk}/participants/", 302)]
    assert "出欠を保存しました（出席 1名）。" in response.content.decode()
    assert Registration.objects.get(pk=registration.pk).attended is True
    assert Registration.objects.get(pk=elsewhere.pk).attended is None
