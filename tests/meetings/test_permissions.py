"""Permission matrix of the meetings app: every role against every protected action on
meetings, registrations, participants, minutes and documents, and every place a meeting could leak
(the list, the group page, the public and the personal calendar feeds, the online link).

Each cell of ``MATRIX`` (action × role → outcome) is one test. Refusals look the same everywhere
(members/access.py): a visitor is sent to sign in, a signed-in person without the right gets a 404
(never a 403, never the content), a secretariat member without two-factor sign-in is sent to set it
up. A refused POST changes nothing in the database (meetings, registrations, agenda, documents,
minutes revisions, outbox rows, files); an allowed one makes its change.

Institution A holds plain staff and a member of the ``campus`` group; C coordinates the group; S is
suspended. The group has a public meeting, a members-only one and one for its members only; the
general meeting (tier "general") has a members-only session that only the secretariat runs.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from icalendar import Calendar

from meetings import tokens
from meetings.models import (
    AgendaItem,
    CalendarFeed,
    DigestRun,
    Meeting,
    MeetingDocument,
    MinutesRevision,
    Registration,
    VisitorRegistration,
)
from members.audit.models import AuditEntry
from members.markup import render_markdown
from members.models import Affiliation, Institution
from members.notifications.models import Notification
from tests.factories import (
    InstitutionFactory,
    UserFactory,
    WorkingGroupFactory,
    coordinator_of,
    secretariat_user,
    staff_of,
)
from tests.permissions import (
    LOGIN,
    LOGIN_URL,
    NF,
    NOT_FOUND_TEXT,
    OK,
    TF,
    TWO_FACTOR_SETUP_URL,
    Action,
    Outcome,
    cells,
    check_cell,
)
from tests.url_names import url_names
from working_groups.models import Membership, WorkingGroup

pytestmark = pytest.mark.django_db

INVALID_CHOICE = "正しく選択してください。選択したものは候補にありません。"  # a model choice
NOT_GENERAL = "正しく選択してください。 general は候補にありません。"  # the kind "general", not offered

# Outcomes
FORM = "form"  # the form again with an error on the field ``kind`` (a choice not offered), nothing saved
RELEASED = "released"  # POST: the change is made, then the account page (the meeting is no longer theirs to see)

ROLES = ["visitor", "user", "staff_a", "member", "coordinator", "secretariat", "secretariat_no_2fa",
         "staff_suspended"]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# title, description, visibility, kind, tier of the group, format, online link
MEETINGS = {
    "public": ("公開シンポジウム春", "公開シンポジウムの説明です。", Meeting.Visibility.PUBLIC, Meeting.Kind.GROUP,
               "group", Meeting.Format.HYBRID, "https://meet.example.org/public-room"),
    "members": ("会員限定説明会", "会員限定説明会の説明です。", Meeting.Visibility.MEMBERS, Meeting.Kind.GROUP,
                "group", Meeting.Format.ONLINE, "https://meet.example.org/members-room"),
    "group": ("WG内部検討会", "WG内部検討会の説明です。", Meeting.Visibility.GROUP, Meeting.Kind.GROUP,
              "group", Meeting.Format.ONLINE, "https://meet.example.org/group-room"),
    "general": ("第5回総会", "第5回総会の説明です。", Meeting.Visibility.MEMBERS, Meeting.Kind.GENERAL,
                "general", Meeting.Format.HYBRID, "https://meet.example.org/general-room"),
}
# past meetings: only in the list of past meetings and on the group page
PAST = {
    "past_members": ("過去の会員報告会", Meeting.Visibility.MEMBERS),
    "past_group": ("過去の内部検討会", Meeting.Visibility.GROUP),
}
VISIBLE_TO = {
    # the meetings (upcoming and past) each role may see
    "visitor": {"public"},
    "user": {"public"},
    "staff_a": {"public", "members", "general", "past_members"},
    "member": {"public", "members", "group", "general", "past_members", "past_group"},
    "coordinator": {"public", "members", "group", "general", "past_members", "past_group"},
    "secretariat": {"public", "members", "group", "general", "past_members", "past_group"},
    "secretariat_no_2fa": {"public"},
    "staff_suspended": {"public"},
}
TITLES = {**{k: v[0] for k, v in MEETINGS.items()}, **{k: v[0] for k, v in PAST.items()}}


# ---------------------------------------------------------------------------------------------
# The world every cell runs in
# ---------------------------------------------------------------------------------------------


def jst(dt: datetime.datetime) -> str:
    """A time as the form takes it (Japan time)."""
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def start_in(days: int) -> datetime.datetime:
    base = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0)
    return base + datetime.timedelta(days=days)


@dataclass
class World:
    a: Institution
    c: Institution
    suspended: Institution
    group: WorkingGroup
    general: WorkingGroup
    users: dict
    participant: object
    meetings: dict
    registrations: dict  # the participant's confirmed registration on each meeting
    documents: dict
    visitors: dict  # visitors' registrations on the public meeting (open to the public): pending, confirmed


@pytest.fixture
def world(module_world):
    return module_world


def make_world(media):
    """Built once for the module (tests/conftest.py, ``_module_world``): each test gets a copy."""
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University", name_kana="こうだいがく")
    c = InstitutionFactory(slug="univ-c", name_ja="丙工業大学", name_en="Gamma Institute of Technology",
                           name_kana="へいこうぎょうだいがく")
    suspended = InstitutionFactory(slug="univ-s", name_ja="己大学", name_en="Suspended University",
                                   name_kana="きだいがく", status=Institution.Status.SUSPENDED)
    group = WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG", coordinators=[c])
    general = WorkingGroupFactory(tier=WorkingGroup.Tier.GENERAL, slug="general-meeting", name_ja="総会",
                                  name_en="General Meeting")
    users = {
        "visitor": None,
        "user": UserFactory(email="someone@example.org"),
        "staff_a": staff_of(a, email="staff@alpha.example.ac.jp"),
        "member": staff_of(a, email="member@alpha.example.ac.jp"),
        "coordinator": coordinator_of(group, c, email="coordinator@gamma.example.ac.jp"),
        "secretariat": secretariat_user(email="desk@coalition.example.org"),
        "secretariat_no_2fa": secretariat_user(two_factor=False, email="new-desk@coalition.example.org"),
        "staff_suspended": staff_of(suspended, email="staff@suspended.example.ac.jp"),
    }
    Membership.objects.create(group=group, user=users["member"], institution=a, status=Membership.Status.ACTIVE)
    participant = staff_of(a, email="participant@alpha.example.ac.jp", name="出席 予定子")
    Membership.objects.create(group=group, user=participant, institution=a, status=Membership.Status.ACTIVE)

    meetings, registrations, documents = {}, {}, {}
    for key, (title, description, visibility, kind, tier, fmt, online_url) in MEETINGS.items():
        starts = start_in(10)
        meeting = Meeting.objects.create(
            kind=kind, group=general if tier == "general" else group, title_ja=title, title_en="",
            description_ja=description, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2),
            format=fmt, venue="甲大学 大会議室" if fmt != Meeting.Format.ONLINE else "", online_url=online_url,
            capacity=50, registration_deadline=starts - datetime.timedelta(days=2), visibility=visibility,
            open_to_public=visibility == Meeting.Visibility.PUBLIC,
            minutes=f"{title}の前回の議事録", minutes_html=str(render_markdown(f"{title}の前回の議事録")),
        )
        meetings[key] = meeting
        AgendaItem.objects.create(meeting=meeting, time=datetime.time(14, 0), item_ja="開会挨拶", speaker="議長")
        MinutesRevision.objects.create(meeting=meeting, editor_label="minutes-editor@coalition.example.org",
                                       text=f"{title}の前回の議事録")
        registrations[key] = Registration.objects.create(meeting=meeting, user=participant,
                                                         mode=Registration.Mode.ONLINE)
        document = MeetingDocument(meeting=meeting, title=f"{title}の資料", content_type="application/pdf",
                                   size=len(PDF))
        document.file.save(f"{key}.pdf", ContentFile(PDF), save=False)
        document.save()
        documents[key] = document
    for key, (title, visibility) in PAST.items():
        starts = start_in(-30)
        meetings[key] = Meeting.objects.create(
            kind=Meeting.Kind.GROUP, group=group, title_ja=title, starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2), visibility=visibility,
        )
    Notification.objects.create(kind="application_received", email="outbox-marker@example.org",
                                dedup_key="meetings-permission-matrix-marker")
    visitors = {
        status: VisitorRegistration.objects.create(meeting=meetings["public"], name=f"来場 {status}",
                                                   email=f"{status}-visitor@example.net", status=status)
        for status in (VisitorRegistration.Status.UNCONFIRMED, VisitorRegistration.Status.CONFIRMED)
    }
    return World(a=a, c=c, suspended=suspended, group=group, general=general, users=users,
                 participant=participant, meetings=meetings, registrations=registrations, documents=documents,
                 visitors=visitors)


def db_state(media_root) -> dict:
    """Everything a meetings action could write (rows and stored files)."""
    return {
        "meetings": sorted(Meeting.objects.values_list(
            "pk", "kind", "group_id", "title_ja", "description_ja", "starts_at", "ends_at", "format", "venue",
            "online_url", "capacity", "visibility", "status", "cancel_reason", "sequence", "minutes",
            "minutes_html", "minutes_published_at", "minutes_draft", "updated_at")),
        "registrations": sorted(Registration.objects.values_list(
            "pk", "meeting_id", "user_id", "mode", "status", "attended", "queued_at", "updated_at")),
        "agenda": sorted(AgendaItem.objects.values_list("pk", "meeting_id", "time", "item_ja", "speaker")),
        "documents": sorted(MeetingDocument.objects.values_list("pk", "meeting_id", "title", "file", "version_of_id")),
        "revisions": sorted(MinutesRevision.objects.values_list("pk", "meeting_id", "text")),
        "feeds": sorted(CalendarFeed.objects.values_list("user_id", "token")),
        "visitors": sorted(VisitorRegistration.objects.values_list("pk", "meeting_id", "email", "name", "status")),
        "memberships": sorted(Membership.objects.values_list("pk", "status")),
        "affiliations": sorted(Affiliation.objects.values_list("pk", "status", "role")),
        "audit": AuditEntry.objects.count(),
        "outbox": Notification.objects.count(),
        "files": sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file()),
    }


def ical_events(content: bytes) -> list[dict]:
    """Each VEVENT as plain text fields (unfolded, unescaped)."""
    calendar = Calendar.from_ical(content)
    return [{name: str(event.get(name, "")) for name in ("summary", "description", "location", "url", "status")}
            for event in calendar.walk("VEVENT")]


def shown(response) -> str:
    """What the person receives, as text: an iCalendar body unfolded, anything else decoded."""
    if response.status_code == 200 and response["Content-Type"].startswith("text/calendar"):
        return "\n".join("\n".join(event.values()) for event in ical_events(response.content))
    return response.content.decode()


# ---------------------------------------------------------------------------------------------
# The actions
# ---------------------------------------------------------------------------------------------


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def detail(w, key) -> str:
    return f"/ja/meetings/{w.meetings[key].pk}/"


def meeting_data(w, meeting=None, **overrides) -> dict:
    """The meeting form as a browser sends it (with the agenda formset)."""
    if meeting is None:
        starts = start_in(20)
        data = {
            "kind": "group", "group": w.group.pk, "title_ja": "新しく予定された会合", "title_en": "",
            "description_ja": "", "description_en": "", "starts_at": jst(starts),
            "ends_at": jst(starts + datetime.timedelta(hours=2)), "format": "online", "venue": "",
            "online_url": "https://meet.example.org/new-room", "capacity": "", "registration_deadline": "",
            "visibility": "members",
            "agenda-TOTAL_FORMS": "1", "agenda-INITIAL_FORMS": "0", "agenda-MIN_NUM_FORMS": "0",
            "agenda-MAX_NUM_FORMS": "1000",
            "agenda-0-time": "10:00", "agenda-0-item_ja": "開会", "agenda-0-item_en": "", "agenda-0-speaker": "",
        }
    else:
        items = list(meeting.agenda.all())
        data = {
            "kind": meeting.kind, "group": "" if meeting.kind == Meeting.Kind.GENERAL else meeting.group_id,
            "title_ja": meeting.title_ja, "title_en": meeting.title_en,
            "description_ja": meeting.description_ja, "description_en": meeting.description_en,
            "starts_at": jst(meeting.starts_at), "ends_at": jst(meeting.ends_at), "format": meeting.format,
            "venue": meeting.venue, "online_url": meeting.online_url, "capacity": meeting.capacity or "",
            "registration_deadline": jst(meeting.registration_deadline) if meeting.registration_deadline else "",
            "visibility": meeting.visibility,
            "agenda-TOTAL_FORMS": str(len(items)), "agenda-INITIAL_FORMS": str(len(items)),
            "agenda-MIN_NUM_FORMS": "0", "agenda-MAX_NUM_FORMS": "1000",
        }
        for i, item in enumerate(items):
            data.update({f"agenda-{i}-id": item.pk, f"agenda-{i}-meeting": meeting.pk,
                         f"agenda-{i}-time": item.time.strftime("%H:%M"), f"agenda-{i}-item_ja": item.item_ja,
                         f"agenda-{i}-item_en": item.item_en, f"agenda-{i}-speaker": item.speaker})
    data.update(overrides)
    return data


def registration_of(w, key, user):
    if user is None:
        return None
    return Registration.objects.filter(meeting=w.meetings[key], user=user).first()


def registered(w, key, user):
    """Set up a confirmed online registration of the acting user (for cancelling it)."""
    if user is not None:
        Registration.objects.create(meeting=w.meetings[key], user=user, mode=Registration.Mode.ONLINE)


def _view_actions(key: str) -> dict:
    return {
        f"view_{key}_get": Action(path=lambda w: detail(w, key), marker=lambda w, u: MEETINGS[key][1]),
        f"ical_{key}_get": Action(path=lambda w: f"{detail(w, key)}ical/", marker=lambda w, u: MEETINGS[key][0]),
    }


def _registration_actions(key: str) -> dict:
    return {
        f"register_{key}_post": Action(
            path=lambda w: f"{detail(w, key)}register/",
            data=lambda w, u: {"mode": "online"},
            done=lambda w, u: getattr(registration_of(w, key, u), "status", None) == Registration.Status.CONFIRMED,
            success_url=lambda w, u: detail(w, key),
        ),
        f"decline_{key}_post": Action(
            path=lambda w: f"{detail(w, key)}decline/",
            data=lambda w, u: {},
            done=lambda w, u: getattr(registration_of(w, key, u), "status", None) == Registration.Status.DECLINED,
            success_url=lambda w, u: detail(w, key),
        ),
        f"unregister_{key}_post": Action(
            path=lambda w: f"{detail(w, key)}registration/cancel/",
            data=lambda w, u: {},
            setup=lambda w, u: registered(w, key, u),
            done=lambda w, u: getattr(registration_of(w, key, u), "status", None) == Registration.Status.CANCELLED,
            success_url=lambda w, u: detail(w, key),
        ),
    }


def visitor_status(w, email):
    return VisitorRegistration.objects.filter(email=email).values_list("status", flat=True).first()


def _visitor_actions() -> dict:
    """A visitor's registration for a meeting open to the public: anyone who may see the meeting
    asks; the signed link in the mail, not an account, is the right to confirm or cancel."""
    form = {"name": "一般 参加者", "email": "new-visitor@example.net", "affiliation": "某市", "mode": "online",
            "language": "ja"}

    def signed(make, registration) -> str:
        # plain values, so that the URL map's stand-in world (tests/url_names.Probe) signs one too
        return make(registration=VisitorRegistration(pk=int(str(registration.pk)), email=str(registration.email)))

    def confirm(w):
        return f"/ja/meetings/visitors/confirm/{signed(tokens.make_confirm_token, w.visitors['unconfirmed'])}/"

    def cancel(w):
        return f"/ja/meetings/visitors/cancel/{signed(tokens.make_cancel_token, w.visitors['confirmed'])}/"

    return {
        "visitor_register_public_get": Action(path=lambda w: f"{detail(w, 'public')}visitors/register/",
                                              marker=lambda w, u: 'name="affiliation"'),
        "visitor_register_public_post": Action(
            path=lambda w: f"{detail(w, 'public')}visitors/register/", data=lambda w, u: form,
            done=lambda w, u: visitor_status(w, form["email"]) == VisitorRegistration.Status.UNCONFIRMED,
            success_url=lambda w, u: detail(w, "public"),
        ),
        "visitor_register_members_post": Action(
            path=lambda w: f"{detail(w, 'members')}visitors/register/", data=lambda w, u: form,
            done=lambda w, u: visitor_status(w, form["email"]) is not None,
            success_url=lambda w, u: detail(w, "members"),
        ),
        "visitor_confirm_get": Action(path=confirm, marker=lambda w, u: "unconfirmed-visitor@example.net"),
        "visitor_confirm_post": Action(
            path=confirm, data=lambda w, u: {},
            done=lambda w, u: visitor_status(w, "unconfirmed-visitor@example.net") == "confirmed",
            success_url=lambda w, u: detail(w, "public"),
        ),
        "visitor_cancel_get": Action(path=cancel, marker=lambda w, u: "confirmed-visitor@example.net"),
        "visitor_cancel_post": Action(
            path=cancel, data=lambda w, u: {},
            done=lambda w, u: visitor_status(w, "confirmed-visitor@example.net") == "cancelled",
            success_url=lambda w, u: detail(w, "public"),
        ),
    }


def _manage_actions(key: str, only=None) -> dict:
    actions = {
        f"edit_{key}_get": Action(
            path=lambda w: f"{detail(w, key)}edit/",
            marker=lambda w, u: f'name="title_ja" value="{MEETINGS[key][0]}"',
        ),
        f"edit_{key}_post": Action(
            path=lambda w: f"{detail(w, key)}edit/",
            data=lambda w, u: meeting_data(w, w.meetings[key], title_ja="改めた題名"),
            done=lambda w, u: fresh(w.meetings[key]).title_ja == "改めた題名",
            success_url=lambda w, u: detail(w, key),
        ),
        f"cancel_{key}_get": Action(
            path=lambda w: f"{detail(w, key)}cancel/",
            marker=lambda w, u: '<textarea name="reason"',
        ),
        f"cancel_{key}_post": Action(
            path=lambda w: f"{detail(w, key)}cancel/",
            data=lambda w, u: {"reason": "台風の接近のため"},
            done=lambda w, u: (fresh(w.meetings[key]).status, fresh(w.meetings[key]).cancel_reason)
            == (Meeting.Status.CANCELLED, "台風の接近のため"),
            success_url=lambda w, u: detail(w, key),
        ),
        f"participants_{key}_get": Action(
            path=lambda w: f"{detail(w, key)}participants/",
            marker=lambda w, u: "participant@alpha.example.ac.jp",
        ),
        f"participants_csv_{key}_get": Action(
            path=lambda w: f"{detail(w, key)}participants/?format=csv",
            marker=lambda w, u: "participant@alpha.example.ac.jp",
        ),
        f"attendance_{key}_post": Action(
            path=lambda w: f"{detail(w, key)}participants/",
            data=lambda w, u: {"attended": [str(w.registrations[key].pk)]},
            done=lambda w, u: fresh(w.registrations[key]).attended is True,
            success_url=lambda w, u: f"{detail(w, key)}participants/",
        ),
        f"minutes_{key}_get": Action(
            path=lambda w: f"{detail(w, key)}minutes/",
            marker=lambda w, u: "minutes-editor@coalition.example.org",
        ),
        f"minutes_{key}_post": Action(
            path=lambda w: f"{detail(w, key)}minutes/",
            data=lambda w, u: {"minutes": "## 決定事項\n\n新しい議事録です。", "action": "publish"},
            done=lambda w, u: fresh(w.meetings[key]).minutes == "## 決定事項\n\n新しい議事録です。",
            success_url=lambda w, u: f"{detail(w, key)}#minutes",
        ),
        f"document_add_{key}_post": Action(
            path=lambda w: f"{detail(w, key)}documents/",
            data=lambda w, u: {"title": "追加資料", "file": SimpleUploadedFile("extra.pdf", PDF, "application/pdf")},
            done=lambda w, u: w.meetings[key].documents.filter(title="追加資料").count() == 1,
            success_url=lambda w, u: f"{detail(w, key)}#documents",
        ),
        f"minutes_draft_{key}_post": Action(
            path=lambda w: f"{detail(w, key)}minutes/",
            data=lambda w, u: {"minutes": "下書きの議事録です。", "action": "draft"},
            done=lambda w, u: fresh(w.meetings[key]).minutes_draft == "下書きの議事録です。",
            success_url=lambda w, u: f"{detail(w, key)}minutes/",
        ),
        f"document_version_{key}_get": Action(
            path=lambda w: f"{detail(w, key)}documents/{w.documents[key].pk}/version/",
            marker=lambda w, u: 'name="file"',
        ),
        f"document_version_{key}_post": Action(
            path=lambda w: f"{detail(w, key)}documents/{w.documents[key].pk}/version/",
            data=lambda w, u: {"file": SimpleUploadedFile("v2.pdf", PDF, "application/pdf")},
            done=lambda w, u: MeetingDocument.objects.filter(version_of=w.documents[key]).count() == 1,
            success_url=lambda w, u: f"{detail(w, key)}#documents",
        ),
        f"document_remove_{key}_get": Action(
            path=lambda w: f"{detail(w, key)}documents/{w.documents[key].pk}/remove/",
            marker=lambda w, u: 'name="reason"',
        ),
        f"document_remove_{key}_post": Action(
            path=lambda w: f"{detail(w, key)}documents/{w.documents[key].pk}/remove/",
            data=lambda w, u: {"reason": "差し替えのため"},
            done=lambda w, u: not MeetingDocument.objects.filter(pk=w.documents[key].pk).exists(),
            success_url=lambda w, u: f"{detail(w, key)}#documents",
        ),
    }
    if only is not None:
        actions = {name: action for name, action in actions.items() if name.rsplit("_", 2)[0] in only}
    return actions


def created(title="新しく予定された会合"):
    return Meeting.objects.filter(title_ja=title)


def _digest_run():
    moment = datetime.datetime(2030, 12, 16, 8, 0, tzinfo=datetime.UTC)
    DigestRun.objects.get_or_create(kind="weekly_digest", period="2030-W51", defaults={
        "starts_at": moment - datetime.timedelta(days=7), "ends_at": moment, "status": "complete"})


ACTIONS: dict[str, Action] = {
    **_view_actions("public"),
    **_view_actions("members"),
    **_view_actions("group"),
    **_view_actions("general"),
    "schedule_get": Action(path=lambda w: "/ja/meetings/new/", marker=lambda w, u: 'name="title_ja"'),
    "schedule_group_post": Action(
        path=lambda w: "/ja/meetings/new/",
        data=lambda w, u: meeting_data(w),
        done=lambda w, u: created().filter(group=w.group, created_by=u).count() == 1
        and AgendaItem.objects.filter(meeting__in=created(), item_ja="開会").count() == 1,
        success_url=lambda w, u: created().get().get_absolute_url(),
    ),
    "schedule_general_post": Action(
        path=lambda w: "/ja/meetings/new/",
        data=lambda w, u: meeting_data(w, kind="general", group="", title_ja="臨時総会"),
        done=lambda w, u: created("臨時総会").filter(kind="general", group=w.general).count() == 1,
        success_url=lambda w, u: created("臨時総会").get().get_absolute_url(),
    ),
    # the digest runs: the secretariat's page of the weekly digest's builds
    "digest_runs_get": Action(path=lambda w: "/ja/secretariat/digests/", marker=lambda w, u: "2030-W51",
                              setup=lambda w, u: _digest_run()),
    **_registration_actions("public"),
    **_registration_actions("members"),
    **_registration_actions("group"),
    **_registration_actions("general"),
    **_visitor_actions(),
    **_manage_actions("public", only={"edit", "cancel", "participants", "participants_csv", "minutes"}),
    **_manage_actions("group"),
    **_manage_actions("general"),
}

# ---------------------------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------------------------

ALL = (OK, OK, OK, OK, OK, OK, OK, OK)
MEMBERS = (LOGIN, NF, OK, OK, OK, OK, TF, NF)  # staff of active members and the secretariat
GROUP = (LOGIN, NF, NF, OK, OK, OK, TF, NF)  # the group's members and coordinators, the secretariat
COORDINATORS = (LOGIN, NF, NF, NF, OK, OK, TF, NF)  # the group's coordinators and the secretariat
SECRETARIAT = (LOGIN, NF, NF, NF, NF, OK, TF, NF)

MATRIX = {
    # action                       visitor user staff_a member coordinator secretariat sec_no_2fa suspended
    # reading: the page and its .ics
    "view_public_get": ALL,
    "ical_public_get": ALL,
    "view_members_get": MEMBERS,
    "ical_members_get": MEMBERS,
    "view_group_get": GROUP,
    "ical_group_get": GROUP,
    "view_general_get": MEMBERS,
    "ical_general_get": MEMBERS,
    # scheduling: coordinators for their groups, the secretariat for everything; a coordinator is not
    # offered the general meeting
    "schedule_get": COORDINATORS,
    "schedule_group_post": COORDINATORS,
    "schedule_general_post": (LOGIN, NF, NF, NF, FORM, OK, TF, NF),
    # registering: staff of active members (and the secretariat) for the meetings they may see
    "register_public_post": MEMBERS,
    "decline_public_post": MEMBERS,
    "register_members_post": MEMBERS,
    "decline_members_post": MEMBERS,
    "register_group_post": GROUP,
    "decline_group_post": GROUP,
    "register_general_post": MEMBERS,
    "decline_general_post": MEMBERS,
    # giving up a place one holds: whoever holds it, even without the right to see the meeting any
    # more (left the group, institution suspended); they are sent back to their account page
    "unregister_public_post": (LOGIN, OK, OK, OK, OK, OK, OK, OK),
    "unregister_members_post": (LOGIN, RELEASED, OK, OK, OK, OK, RELEASED, RELEASED),
    "unregister_group_post": (LOGIN, RELEASED, RELEASED, OK, OK, OK, RELEASED, RELEASED),
    "unregister_general_post": (LOGIN, RELEASED, OK, OK, OK, OK, RELEASED, RELEASED),
    # visitors' registrations: whoever may see a meeting open to the public asks (none for another
    # meeting); whoever holds the signed link confirms or cancels
    "visitor_register_public_get": ALL,
    "visitor_register_public_post": ALL,
    "visitor_register_members_post": (LOGIN, NF, NF, NF, NF, NF, TF, NF),
    "visitor_confirm_get": ALL,
    "visitor_confirm_post": ALL,
    "visitor_cancel_get": ALL,
    "visitor_cancel_post": ALL,
    # running a group's meeting: its coordinators and the secretariat, whoever may see it
    "edit_public_get": COORDINATORS,
    "edit_public_post": COORDINATORS,
    "cancel_public_get": COORDINATORS,
    "cancel_public_post": COORDINATORS,
    "participants_public_get": COORDINATORS,
    "participants_csv_public_get": COORDINATORS,
    "minutes_public_get": COORDINATORS,
    "minutes_public_post": COORDINATORS,
    "edit_group_get": COORDINATORS,
    "edit_group_post": COORDINATORS,
    "cancel_group_get": COORDINATORS,
    "cancel_group_post": COORDINATORS,
    "participants_group_get": COORDINATORS,
    "participants_csv_group_get": COORDINATORS,
    "attendance_group_post": COORDINATORS,
    "minutes_group_get": COORDINATORS,
    "minutes_group_post": COORDINATORS,
    "document_add_group_post": COORDINATORS,
    "document_remove_group_post": COORDINATORS,
    "document_remove_group_get": COORDINATORS,
    "document_version_group_get": COORDINATORS,
    "document_version_group_post": COORDINATORS,
    "minutes_draft_group_post": COORDINATORS,
    # the general meeting is the secretariat's alone
    "edit_general_get": SECRETARIAT,
    "edit_general_post": SECRETARIAT,
    "cancel_general_get": SECRETARIAT,
    "cancel_general_post": SECRETARIAT,
    "participants_general_get": SECRETARIAT,
    "participants_csv_general_get": SECRETARIAT,
    "attendance_general_post": SECRETARIAT,
    "minutes_general_get": SECRETARIAT,
    "minutes_general_post": SECRETARIAT,
    "document_add_general_post": SECRETARIAT,
    "document_remove_general_post": SECRETARIAT,
    "document_remove_general_get": SECRETARIAT,
    "document_version_general_get": SECRETARIAT,
    "document_version_general_post": SECRETARIAT,
    "minutes_draft_general_post": SECRETARIAT,
    "digest_runs_get": SECRETARIAT,
}


def _released(response, content, world, user):
    assert (response.status_code, response["Location"]) == (302, "/ja/account/#calendar")


def _form(response, content, world, user):
    assert response.status_code == 200
    assert response.context["form"].errors == {"kind": [NOT_GENERAL]}
    assert NOT_GENERAL in content


@pytest.mark.parametrize(("action_name", "role", "outcome"), cells(ACTIONS, MATRIX, ROLES))
def test_meetings_action_as_role_has_expected_outcome(client, world, deliver, tmp_path, action_name, role,
                                                      outcome):
    action = ACTIONS[action_name]
    user = world.users[role]
    check_cell(client, world, action=action, user=user, outcome=outcome, state=lambda: db_state(tmp_path),
               deliver=deliver, shown=shown, never_shown=TITLES.values(),
               outcomes={RELEASED: Outcome(_released, refused=False), FORM: Outcome(_form)})
    if outcome == RELEASED:
        assert action.done(world, user) is True


# ---------------------------------------------------------------------------------------------
# Around the matrix: objects a right does not reach
# ---------------------------------------------------------------------------------------------


def test_document_remove_of_another_meetings_document_through_own_meeting_is_404(client, world, tmp_path):
    """The coordinator runs the group's meeting, not the general meeting: its document stays."""
    client.force_login(world.users["coordinator"])
    before = db_state(tmp_path)

    response = client.post(f"{detail(world, 'group')}documents/{world.documents['general'].pk}/remove/")

    assert response.status_code == 404
    assert db_state(tmp_path) == before


def test_attendance_for_registration_of_another_meeting_is_ignored(client, world):
    """Marking attendance on the group's meeting cannot touch a registration of the general meeting."""
    client.force_login(world.users["coordinator"])

    response = client.post(f"{detail(world, 'group')}participants/",
                           {"attended": [str(world.registrations["general"].pk)]})

    assert response["Location"] == f"{detail(world, 'group')}participants/"
    assert fresh(world.registrations["general"]).attended is None
    assert fresh(world.registrations["group"]).attended is False


def test_edit_by_coordinator_moving_meeting_to_general_kind_is_refused(client, world, tmp_path):
    """A coordinator editing the group's meeting is not offered the general meeting."""
    client.force_login(world.users["coordinator"])
    before = db_state(tmp_path)

    response = client.post(f"{detail(world, 'group')}edit/",
                           meeting_data(world, world.meetings["group"], kind="general", group=""))

    assert response.status_code == 200
    assert response.context["form"].errors["kind"] == [NOT_GENERAL]
    assert db_state(tmp_path) == before


def test_edit_by_coordinator_moving_meeting_to_group_not_coordinated_is_refused(client, world, tmp_path):
    other = WorkingGroupFactory(slug="regional", name_ja="地域連携WG", name_en="Regional WG")
    client.force_login(world.users["coordinator"])
    before = db_state(tmp_path)

    response = client.post(f"{detail(world, 'group')}edit/",
                           meeting_data(world, world.meetings["group"], group=other.pk))

    assert response.status_code == 200
    assert response.context["form"].errors["group"][0] == INVALID_CHOICE
    assert db_state(tmp_path) == before


def test_schedule_by_coordinator_of_suspended_institution_is_404(client, world, tmp_path):
    Institution.objects.filter(pk=world.c.pk).update(status=Institution.Status.SUSPENDED)
    client.force_login(world.users["coordinator"])
    before = db_state(tmp_path)

    page = client.get("/ja/meetings/new/")
    post = client.post("/ja/meetings/new/", meeting_data(world))
    edit = client.get(f"{detail(world, 'group')}edit/")

    assert (page.status_code, post.status_code, edit.status_code) == (404, 404, 404)
    assert db_state(tmp_path) == before


def test_secretariat_without_two_factor_is_told_why(client, world):
    client.force_login(world.users["secretariat_no_2fa"])
    response = client.get(f"{detail(world, 'group')}", follow=True)
    assert response.redirect_chain[0] == (TWO_FACTOR_SETUP_URL, 302)
    assert "事務局の操作には二要素認証が必要です。設定してから続けてください。" in response.content.decode()


def test_group_only_meeting_hidden_from_group_member_whose_institution_is_suspended(client, world):
    """A member's rights lapse with the membership of the institution, as staff rights do: the
    group-only meeting is then as hidden as the members-only one."""
    member = world.users["member"]
    Institution.objects.filter(pk=world.a.pk).update(status=Institution.Status.SUSPENDED)
    client.force_login(member)

    members_only = client.get(detail(world, "members"))
    group_only = client.get(detail(world, "group"))
    listing = client.get("/ja/meetings/").content.decode()
    feed = [e["summary"] for e in ical_events(client.get(feed_of(member)).content)]

    assert (members_only.status_code, group_only.status_code) == (404, 404)
    assert (TITLES["group"] in listing, TITLES["group"] in feed) == (False, False)


# ---------------------------------------------------------------------------------------------
# The online link: only for confirmed registrants
# ---------------------------------------------------------------------------------------------

CAN_REGISTER = {
    "public": ["staff_a", "member", "coordinator", "secretariat"],
    "members": ["staff_a", "member", "coordinator", "secretariat"],
    "group": ["member", "coordinator", "secretariat"],
    "general": ["staff_a", "member", "coordinator", "secretariat"],
}


def online_url(key):
    return MEETINGS[key][6]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", list(MEETINGS))
def test_online_link_not_shown_without_a_registration(client, world, key, role):
    """Whoever may see the page and the .ics reads neither the link nor its address."""
    user = world.users[role]
    if user is not None:
        client.force_login(user)

    page = client.get(detail(world, key))
    ical = client.get(f"{detail(world, key)}ical/")

    assert online_url(key) not in page.content.decode()
    assert online_url(key) not in shown(ical)
    if page.status_code == 200:
        assert "参加登録した人にはここにURLが表示されます。" in page.content.decode()


@pytest.mark.parametrize(("key", "role"), [(k, r) for k, roles in CAN_REGISTER.items() for r in roles])
def test_online_link_shown_to_confirmed_registrant(client, world, deliver, key, role):
    client.force_login(world.users[role])
    with deliver():
        response = client.post(f"{detail(world, key)}register/", {"mode": "online"}, follow=True)

    assert "参加登録しました。カレンダー用ファイル付きの確認メールをお送りします。" in response.content.decode()
    assert f'<a href="{online_url(key)}" rel="noopener noreferrer">' in response.content.decode()
    events = ical_events(client.get(f"{detail(world, key)}ical/").content)
    assert [online_url(key) in e["description"] for e in events] == [True]


@pytest.mark.parametrize("status", [Registration.Status.WAITING, Registration.Status.DECLINED,
                                    Registration.Status.CANCELLED])
@pytest.mark.parametrize("key", list(MEETINGS))
def test_online_link_not_shown_to_registration_not_confirmed(client, world, key, status):
    member = world.users["member"]
    Registration.objects.create(meeting=world.meetings[key], user=member, mode=Registration.Mode.ONLINE,
                                status=status)
    client.force_login(member)

    page = client.get(detail(world, key))
    ical = client.get(f"{detail(world, key)}ical/")

    assert page.status_code == 200
    assert online_url(key) not in page.content.decode()
    assert online_url(key) not in shown(ical)


@pytest.mark.parametrize("lapse", ["left_group", "institution_suspended"])
def test_online_link_not_e_mailed_to_registrant_who_may_no_longer_see_the_meeting(client, world, deliver,
                                                                                 lapse):
    """A registration outlives the right that allowed it; the reminder does not (and never carries the link)."""
    from meetings.services import reminders_due

    key = "group" if lapse == "left_group" else "members"
    member = world.users["member"]
    Registration.objects.create(meeting=world.meetings[key], user=member, mode=Registration.Mode.ONLINE)
    if lapse == "left_group":
        Membership.objects.filter(user=member).update(status=Membership.Status.LEFT)
    else:
        Institution.objects.filter(pk=world.a.pk).update(status=Institution.Status.SUSPENDED)
    Meeting.objects.filter(pk=world.meetings[key].pk).update(
        starts_at=timezone.now() + datetime.timedelta(days=5),
        ends_at=timezone.now() + datetime.timedelta(days=5, hours=2),
        registration_deadline=None)
    client.force_login(member)
    assert client.get(detail(world, key)).status_code == 404  # the page is closed to them

    with deliver():
        reminders_due()

    def with_link(address):
        return [m.subject for m in mail.outbox if m.to == [address]
                and online_url(key) in m.body + "".join(str(content) for content, _ in m.alternatives)]

    assert with_link(member.email) == []
    assert [m for m in mail.outbox if m.to == [member.email]] == []
    if lapse == "left_group":  # the control: the participant still in the group is reminded, with the link
        assert len(with_link(world.participant.email)) == 1


def test_reminder_queued_before_the_right_lapsed_goes_out_without_the_link(client, world, deliver):
    """The link is decided when the message is sent: a member who leaves the group between the
    reminder being queued and sent gets it without the link."""
    from meetings.services import reminders_due
    from members.notifications.delivery import deliver as deliver_now

    member = world.users["member"]
    Registration.objects.create(meeting=world.meetings["group"], user=member, mode=Registration.Mode.ONLINE)
    Meeting.objects.filter(pk=world.meetings["group"].pk).update(
        starts_at=timezone.now() + datetime.timedelta(days=5),
        ends_at=timezone.now() + datetime.timedelta(days=5, hours=2), registration_deadline=None)
    reminders_due()  # queued, not sent: the test's transaction has not committed
    assert Notification.objects.filter(recipient=member, kind="meeting_reminder_week").count() == 1
    Membership.objects.filter(user=member).update(status=Membership.Status.LEFT)

    deliver_now(list(Notification.objects.filter(status=Notification.Status.QUEUED).values_list("pk", flat=True)))

    to_member = [m for m in mail.outbox if m.to == [member.email]]
    assert len(to_member) == 1
    assert online_url("group") not in to_member[0].body
    to_participant = [m for m in mail.outbox if m.to == [world.participant.email]]
    assert online_url("group") in to_participant[0].body


@pytest.mark.parametrize("key", list(MEETINGS) + list(PAST))
def test_who_may_see_agrees_with_the_rule_for_every_role(world, key):
    """The set version (a few queries, for mailings) and the per-person rule (for pages) agree."""
    from meetings.rules import can_see_meeting
    from meetings.selectors import who_may_see
    from members.models import User

    meeting = world.meetings[key]
    people = [u for u in world.users.values() if u is not None] + [world.participant]
    by_rule = {u.pk for u in people if can_see_meeting(User.objects.get(pk=u.pk), meeting)}
    by_set = {u.pk for u in who_may_see(meeting, User.objects.filter(pk__in=[u.pk for u in people]))}
    assert by_set == by_rule
    assert by_rule  # somebody may always see it (the secretariat at least)


def test_place_held_without_the_right_to_see_is_listed_and_can_be_given_up(client, world, deliver):
    """Someone who left the group finds the place they still hold on their account page, by title
    only, and gives it up; the first person waiting moves up."""
    member = world.users["member"]
    meeting = world.meetings["group"]
    Meeting.objects.filter(pk=meeting.pk).update(capacity=2)
    Registration.objects.create(meeting=meeting, user=member, mode=Registration.Mode.ONLINE)
    waiting = staff_of(world.a, email="waiting@alpha.example.ac.jp")
    Membership.objects.create(group=world.group, user=waiting, institution=world.a, status=Membership.Status.ACTIVE)
    Registration.objects.create(meeting=meeting, user=waiting, mode=Registration.Mode.ONLINE,
                                status=Registration.Status.WAITING, queued_at=timezone.now())
    Membership.objects.filter(user=member).update(status=Membership.Status.LEFT)
    client.force_login(member)

    account = client.get("/ja/account/").content.decode()
    assert "アクセスできなくなった会議で確保している席" in account
    assert MEETINGS["group"][0] in account
    assert f'href="{detail(world, "group")}"' not in account  # named, not linked: the page is closed to them
    assert online_url("group") not in account

    with deliver():
        response = client.post(f"{detail(world, 'group')}registration/cancel/", follow=True)

    assert response.redirect_chain == [("/ja/account/#calendar", 302)]
    assert "登録を取り消しました。" in response.content.decode()
    assert MEETINGS["group"][0] not in response.content.decode()
    assert registration_of(world, "group", member).status == Registration.Status.CANCELLED
    assert registration_of(world, "group", waiting).status == Registration.Status.CONFIRMED
    assert [m.to for m in mail.outbox] == [[waiting.email]]


def test_cancel_without_a_registration_is_404(client, world, tmp_path):
    client.force_login(world.users["staff_a"])
    before = db_state(tmp_path)
    response = client.post(f"{detail(world, 'group')}registration/cancel/")
    assert response.status_code == 404
    assert TITLES["group"] not in response.content.decode()
    assert db_state(tmp_path) == before


def test_online_link_not_in_public_feed_for_confirmed_registrant(client, world):
    client.force_login(world.participant)
    response = client.get("/ja/meetings/ical/")
    assert online_url("public") not in shown(response)


# ---------------------------------------------------------------------------------------------
# Lists and pages that name meetings
# ---------------------------------------------------------------------------------------------

PLACES = {
    # place: (path, the meetings listed there that a role may see)
    "list": (lambda w: "/ja/meetings/", {"public", "members", "group", "general"}),
    "list_en": (lambda w: "/en/meetings/", {"public", "members", "group", "general"}),
    "list_past": (lambda w: "/ja/meetings/?when=past", {"past_members", "past_group"}),
    "list_wg": (lambda w: f"/ja/meetings/?wg={w.group.slug}", {"public", "members", "group"}),
    "list_online": (lambda w: "/ja/meetings/?format=online", {"members", "group"}),
    "group_page": (lambda w: f"/ja/working-groups/{w.group.slug}/", {"public", "members", "group", "past_members",
                                                                     "past_group"}),
}

# The URL names the matrix and the leak checks request (tests/coalition/test_security.py checks
# every pattern is in one such set).
COVERED_URL_NAMES = url_names(action.path for action in ACTIONS.values()) | url_names(
    path for path, _ in PLACES.values())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_meetings_listed_in_place_for_role_are_those_it_may_see(client, world, place, role):
    path, listed_there = PLACES[place]
    user = world.users[role]
    if user is not None:
        client.force_login(user)

    response = client.get(path(world))

    assert response.status_code == 200
    content = response.content.decode()
    present = {key for key, title in TITLES.items() if title in content}
    assert present == listed_there & VISIBLE_TO[role]


@pytest.mark.parametrize("role", ROLES)
def test_home_page_names_no_meeting_the_role_may_not_see(client, world, role):
    user = world.users[role]
    if user is not None:
        client.force_login(user)

    content = client.get("/ja/").content.decode()

    for key, title in TITLES.items():
        if key not in VISIBLE_TO[role]:
            assert title not in content, key


# ---------------------------------------------------------------------------------------------
# Calendar feeds
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("query", "expected"), [("", [TITLES["public"]]), ("?wg=campus", [TITLES["public"]]),
                                                 ("?wg=general-meeting", [])])
def test_public_feed_contains_only_public_meetings(client, world, role, query, expected):
    user = world.users[role]
    if user is not None:
        client.force_login(user)

    response = client.get(f"/ja/meetings/ical/{query}")

    assert (response.status_code, response["Content-Type"]) == (200, "text/calendar; charset=utf-8")
    assert [e["summary"] for e in ical_events(response.content)] == expected
    text = shown(response)
    for key, title in TITLES.items():
        if key != "public":
            assert title not in text
    assert "https://meet.example.org/" not in text


def feed_of(user) -> str:
    return f"/ja/meetings/ical/{CalendarFeed.objects.get_or_create(user=user)[0].token}/"


@pytest.mark.parametrize("role", [r for r in ROLES if r != "visitor"])
def test_personal_feed_never_contains_meetings_its_owner_may_not_see(client, world, role):
    """Even with a confirmed registration for every meeting (say, from before a suspension) and a
    membership of the group, the feed lists only the meetings its owner may see today."""
    user = world.users[role]
    for key in MEETINGS:
        Registration.objects.get_or_create(meeting=world.meetings[key], user=user,
                                           defaults={"mode": Registration.Mode.ONLINE})

    response = client.get(feed_of(user))  # no one signed in: the token is the key

    assert (response.status_code, response["Content-Type"]) == (200, "text/calendar; charset=utf-8")
    events = ical_events(response.content)
    expected = [TITLES[k] for k in MEETINGS if k in VISIBLE_TO[role]]
    if role in ("member", "coordinator"):  # and the past meetings of the group (a coordinator is a member)
        expected += [TITLES["past_members"], TITLES["past_group"]]
    assert sorted(e["summary"] for e in events) == sorted(expected)
    text = shown(response)
    for key in MEETINGS:
        assert (online_url(key) in text) is (key in VISIBLE_TO[role])


def test_personal_feed_of_member_lists_group_meetings_without_registering(client, world):
    response = client.get(feed_of(world.users["member"]))
    events = ical_events(response.content)
    assert sorted(e["summary"] for e in events) == sorted(
        [TITLES["public"], TITLES["members"], TITLES["group"], TITLES["past_members"], TITLES["past_group"]])
    # not registered: no online link anywhere
    assert "https://meet.example.org/" not in shown(response)


@pytest.mark.parametrize("token", [
    "x", "not-a-real-token-at-all-0000000000", "%25",
    "%00",
])
def test_personal_feed_with_wrong_token_is_404(client, world, token):
    """A token that cannot exist is a 404, a NUL character included (PostgreSQL cannot even compare it)."""
    real = feed_of(world.users["member"]).split("/")[-2]
    response = client.get(f"/ja/meetings/ical/{token}/")
    assert response.status_code == 404
    assert NOT_FOUND_TEXT in response.content.decode()
    assert TITLES["group"] not in response.content.decode()
    assert real not in response.content.decode()


def test_personal_feed_with_token_in_other_case_is_404(client, world):
    real = feed_of(world.users["member"]).split("/")[-2]
    other_case = real.swapcase()
    assert other_case != real
    assert client.get(f"/ja/meetings/ical/{other_case}/").status_code == 404


def test_personal_feed_renewed_revokes_the_old_address(client, world):
    member = world.users["member"]
    old = feed_of(member)
    client.force_login(member)

    response = client.post("/ja/account/calendar/renew/", follow=True)
    client.logout()

    assert response.redirect_chain == [("/ja/account/#calendar", 302)]
    assert "カレンダーの新しいアドレスを作成しました。古いアドレスは使えなくなりました。" in response.content.decode()
    new = feed_of(member)
    assert new != old
    assert f"http://testserver{new}" in response.content.decode()
    assert f"http://testserver{old}" not in response.content.decode()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_personal_feed_renew_by_visitor_is_sent_to_sign_in(client, world):
    old = feed_of(world.users["member"])
    response = client.post("/ja/account/calendar/renew/")
    assert (response.status_code, response["Location"]) == (302, f"{LOGIN_URL}?next=/ja/account/calendar/renew/")
    assert list(CalendarFeed.objects.values_list("token", flat=True)) == [old.split("/")[-2]]


def test_personal_feed_of_deactivated_user_is_404(client, world):
    member = world.users["member"]
    path = feed_of(member)
    type(member).objects.filter(pk=member.pk).update(is_active=False)
    assert client.get(path).status_code == 404


def test_personal_feed_lists_its_owners_meetings_not_the_signed_in_persons(client, world):
    """Signing in does not widen a feed: the token, not the session, says whose meetings are listed."""
    client.force_login(world.users["secretariat"])
    response = client.get(feed_of(world.users["user"]))
    assert [e["summary"] for e in ical_events(response.content)] == []
