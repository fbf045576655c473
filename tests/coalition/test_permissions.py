"""Permission matrix of the views the app matrices do not reach: uploaded files (/media/), health,
the directory and its open data, the membership application, the account and e-mail settings, the
unsubscribe link, the secretariat's member list and outbox, the group list, and the feeds.

Every cell of ``MATRIX`` (action × role → outcome) is one test, with the vocabulary of the app
matrices (tests/<app>/test_permissions.py): a visitor is sent to sign in, a signed-in person without
the right gets a 404, a secretariat member without two-factor sign-in is sent to set it up; a
refused request shows none of the protected content and a refused POST changes nothing. A public
page that must not show something to a role is HIDDEN (200 without it); a page whose signed link
is the authorisation (the application's edit link, unsubscribe) answers BAD_LINK to a forged one.

A holds the initiatives; B's staff belong to the group that C coordinates; S is suspended. Every
file a page links to is served by /media/ only to those who may see the page it belongs to.
"""

import datetime
import io
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from meetings.models import CalendarFeed, Meeting, MeetingDocument
from members.audit.models import AuditEntry
from members.models import Affiliation, Institution, MembershipApplication, User
from members.notifications import registry
from members.notifications.models import EmailOptOut, Notification, NotificationPreference
from members.notifications.tokens import make_token
from members.tokens import application_edit_token
from tests.factories import (
    InstitutionFactory,
    UserFactory,
    WorkingGroupFactory,
    coordinator_of,
    secretariat_user,
    staff_of,
)
from tests.permissions import LOGIN, LOGIN_URL, NF, OK, TF, Action, Outcome, cells, check_cell
from tests.url_names import url_names
from tests.working_groups.test_permissions import make_initiative
from working_groups.models import Initiative, InitiativeDocument, Membership, WorkingGroup

pytestmark = pytest.mark.django_db

BAD_LINK_TEXT = "このリンクは使えません"

# Outcomes
HIDDEN = "hidden"  # 200, the page without the marker
BAD_LINK = "bad-link"  # 400, the page saying the link does not work

ROLES = ["visitor", "user", "staff_a", "staff_b", "contact_a", "coordinator", "secretariat",
         "secretariat_no_2fa", "staff_suspended"]

ALL = (OK,) * 9
SIGNED_IN = (LOGIN, OK, OK, OK, OK, OK, OK, OK, OK)
MEMBERS = (LOGIN, NF, OK, OK, OK, OK, OK, TF, NF)  # staff of active members, the secretariat
GROUP = (LOGIN, NF, NF, OK, NF, OK, OK, TF, NF)  # the group's members and coordinators, the secretariat
EDITORS_A = (LOGIN, NF, OK, NF, OK, NF, OK, TF, NF)  # the author at A, A's contact, the secretariat
SECRETARIAT = (LOGIN, NF, NF, NF, NF, NF, OK, TF, NF)
SEEN_BY_MEMBERS = (HIDDEN, HIDDEN, OK, OK, OK, OK, OK, HIDDEN, HIDDEN)
SEEN_BY_GROUP = (HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, OK, OK, HIDDEN, HIDDEN)
NOBODY = (HIDDEN,) * 9
NOWHERE = (NF,) * 9
FORGED = (BAD_LINK,) * 9


def pdf(label: str) -> bytes:
    return (f"%PDF-1.4\n% {label}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n"
            "%%EOF\n").encode()


def png(label: str) -> bytes:
    info = PngInfo()
    info.add_text("Comment", label)
    out = io.BytesIO()
    Image.new("RGB", (16, 12), "green").save(out, "PNG", pnginfo=info)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# The world every cell runs in
# ---------------------------------------------------------------------------------------------


@dataclass
class World:
    a: Institution
    b: Institution
    suspended: Institution
    group: WorkingGroup
    users: dict
    asker: User
    public: Initiative
    members_only: Initiative
    draft: Initiative
    meetings: dict
    files: dict  # name → path under MEDIA_ROOT
    returned: MembershipApplication
    submitted: MembershipApplication
    failed: Notification
    kind: str  # a notification kind people may choose
    tokens: dict  # the signed links and feed addresses


def _meeting(group, title, visibility, days):
    starts = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0) + datetime.timedelta(days=days)
    return Meeting.objects.create(
        kind=Meeting.Kind.GROUP, group=group, title_ja=title, description_ja=f"{title}の説明です。",
        starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), format=Meeting.Format.ONLINE,
        online_url="https://meet.example.org/room", visibility=visibility,
    )


def _document(model, owner_field, owner, name, data, **extra):
    document = model(**{owner_field: owner}, title=name, content_type="application/pdf", size=len(data), **extra)
    document.file.save(name, ContentFile(data), save=False)
    document.save()
    return document.file.name


@pytest.fixture
def world(module_world):
    return module_world


def make_world(media):
    """Built once for the module (tests/conftest.py, ``_module_world``): each test gets a copy."""
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University", name_kana="こうだいがく")
    b = InstitutionFactory(slug="univ-b", name_ja="乙大学", name_en="Beta University", name_kana="おつだいがく")
    c = InstitutionFactory(slug="univ-c", name_ja="丙工業大学", name_en="Gamma Institute of Technology",
                           name_kana="へいこうぎょうだいがく")
    suspended = InstitutionFactory(slug="univ-s", name_ja="己大学", name_en="Suspended University",
                                   name_kana="きだいがく", status=Institution.Status.SUSPENDED)
    InstitutionFactory(slug="univ-w", name_ja="庚大学", name_en="Withdrawn University", name_kana="こうだいがく",
                       status=Institution.Status.WITHDRAWN)
    group = WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG", coordinators=[c])
    users = {
        "visitor": None,
        "user": UserFactory(email="someone@example.org"),
        "staff_a": staff_of(a, email="staff@alpha.example.ac.jp"),
        "staff_b": staff_of(b, email="staff@beta.example.ac.jp"),
        "contact_a": staff_of(a, role=Affiliation.Role.CONTACT, email="contact@alpha.example.ac.jp"),
        "coordinator": coordinator_of(group, c, email="coordinator@gamma.example.ac.jp"),
        "secretariat": secretariat_user(email="desk@coalition.example.org"),
        "secretariat_no_2fa": secretariat_user(two_factor=False, email="new-desk@coalition.example.org"),
        "staff_suspended": staff_of(suspended, email="staff@suspended.example.ac.jp"),
    }
    Membership.objects.create(group=group, user=users["staff_b"], institution=b, status=Membership.Status.ACTIVE)
    asker = UserFactory(email="asks@alpha.example.ac.jp", name="加入 希望子")
    Affiliation.objects.create(user=asker, institution=a, status=Affiliation.Status.PENDING)

    author = users["staff_a"]
    public = make_initiative(institution=a, author=author, slug="alpha-public", title="公開の省エネ改修",
                             body="公開本文です。", themes=[group])
    members_only = make_initiative(institution=a, author=author, slug="alpha-members", title="会員限定の地域熱供給",
                                   body="会員限定本文です。", themes=[group],
                                   visibility=Initiative.Visibility.MEMBERS)
    draft = make_initiative(institution=a, author=author, slug="alpha-draft", title="下書きの蓄電池計画",
                            body="下書き本文です。", themes=[group], status=Initiative.Status.DRAFT)
    meetings = {
        # the members-only session comes first: it is the group's next meeting for those who see it
        "members": _meeting(group, "会員限定説明会", Meeting.Visibility.MEMBERS, 5),
        "public": _meeting(group, "公開シンポジウム春", Meeting.Visibility.PUBLIC, 12),
        "group": _meeting(group, "WG内部検討会", Meeting.Visibility.GROUP, 20),
    }

    a.logo.save("univ-a-logo.png", ContentFile(png("content-logo_a")))
    members_only.cover.save("cover-members.png", ContentFile(png("content-cover_members")))
    files = {
        "logo_a": a.logo.name,
        "cover_members": members_only.cover.name,
        "doc_public_initiative": _document(InitiativeDocument, "initiative", public, "public-report.pdf",
                                           pdf("content-doc_public_initiative"), uploaded_by=author),
        "doc_members_initiative": _document(InitiativeDocument, "initiative", members_only, "members-report.pdf",
                                            pdf("content-doc_members_initiative"), uploaded_by=author),
        "doc_draft_initiative": _document(InitiativeDocument, "initiative", draft, "draft-report.pdf",
                                          pdf("content-doc_draft_initiative"), uploaded_by=author),
        "doc_public_meeting": _document(MeetingDocument, "meeting", meetings["public"], "public-slides.pdf",
                                        pdf("content-doc_public_meeting")),
        "doc_members_meeting": _document(MeetingDocument, "meeting", meetings["members"], "members-slides.pdf",
                                         pdf("content-doc_members_meeting")),
        "doc_group_meeting": _document(MeetingDocument, "meeting", meetings["group"], "group-slides.pdf",
                                       pdf("content-doc_group_meeting")),
    }
    # a file no row refers to (left behind, or put there by hand)
    (media / "meetings").mkdir(exist_ok=True)
    (media / "meetings" / "orphan.pdf").write_bytes(pdf("content-orphan"))
    files["orphan"] = "meetings/orphan.pdf"

    application = {
        "name_en": "Newcomer University", "name_kana": "しんきだいがく", "kind": Institution.Kind.PRIVATE_UNIVERSITY,
        "category": Institution.Category.PARTICIPATING, "prefecture": "20", "website": "https://newcomer.example.ac.jp",
        "applicant_name": "申込 太郎", "applicant_title": "総務課長", "representative_name": "代表 花子",
        "representative_title": "学長",
    }
    returned = MembershipApplication.objects.create(
        name_ja="差戻大学", email_domain="returned.example.ac.jp", applicant_email="applicant@returned.example.ac.jp",
        status=MembershipApplication.Status.RETURNED, decided_at=timezone.now(),
        reason="名称を確認してください。", **application)
    submitted = MembershipApplication.objects.create(
        name_ja="審査中大学", email_domain="submitted.example.ac.jp",
        applicant_email="applicant@submitted.example.ac.jp", decided_at=timezone.now(), **application)
    failed = Notification.objects.create(kind="application_received", email="outbox-marker@example.org",
                                         dedup_key="site-permission-matrix-marker",
                                         status=Notification.Status.FAILED, last_error="550 mailbox unavailable")
    kind = registry.choosable_kinds()[0].key
    tokens = {
        "returned": application_edit_token(returned),
        "submitted": application_edit_token(submitted),
        "unsubscribe": make_token(kind=kind, user_id=users["staff_b"].pk),
        "feed_b": CalendarFeed.objects.create(user=users["staff_b"]).token,
        "feed_user": CalendarFeed.objects.create(user=users["user"]).token,
    }
    return World(a=a, b=b, suspended=suspended, group=group, users=users, asker=asker, public=public,
                 members_only=members_only, draft=draft, meetings=meetings, files=files, returned=returned,
                 submitted=submitted, failed=failed, kind=kind, tokens=tokens)


def db_state(media_root) -> dict:
    """Everything these actions could write (rows and stored files)."""
    return {
        "users": sorted(User.objects.values_list("pk", "name", "language", "is_active")),
        "institutions": sorted(Institution.objects.values_list("pk", "status", "name_ja", "updated_at")),
        "affiliations": sorted(Affiliation.objects.values_list("pk", "status", "role")),
        "applications": sorted(MembershipApplication.objects.values_list("pk", "status", "name_ja", "decided_at")),
        "preferences": sorted(NotificationPreference.objects.values_list("user_id", "kind", "delivery")),
        "optouts": sorted(EmailOptOut.objects.values_list("email", "kind")),
        "outbox": sorted(Notification.objects.values_list("pk", "status", "attempts")),
        "feeds": sorted(CalendarFeed.objects.values_list("user_id", "token")),
        "audit": AuditEntry.objects.count(),
        "files": sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file()),
    }


# ---------------------------------------------------------------------------------------------
# The actions
# ---------------------------------------------------------------------------------------------


def media(key):
    return Action(path=lambda w: f"/media/{w.files[key]}", marker=lambda w, u: f"content-{key}")


def preference(w, u):
    return NotificationPreference.objects.filter(user=u, kind=w.kind).values_list("delivery", flat=True).first()


def with_old_feed(w, u):
    if u is not None:
        CalendarFeed.objects.update_or_create(user=u, defaults={"token": f"old-token-{u.pk}"})


def resubmission(w, u):
    return {
        "name_ja": "差戻大学", "name_en": "Returned University", "name_kana": "さしもどしだいがく", "kind": "private",
        "category": "participating", "prefecture": "20", "website": "https://returned.example.ac.jp",
        "email_domain": "returned.example.ac.jp", "target_year": "", "applicant_name": "申込 太郎",
        "applicant_title": "総務課長", "applicant_email": "applicant@returned.example.ac.jp",
        "representative_name": "代表 花子", "representative_title": "学長", "message": "", "consent": "on",
    }


def application_data(w, u):
    return {**resubmission(w, u), "name_ja": "新規申込大学", "name_en": "Applicant University",
            "email_domain": "applicant.example.ac.jp", "applicant_email": "applicant@applicant.example.ac.jp"}


ACTIONS: dict[str, Action] = {
    # uploaded files: each as visible as the page that links to it
    "media_logo_get": media("logo_a"),
    "media_public_initiative_document_get": media("doc_public_initiative"),
    "media_members_initiative_document_get": media("doc_members_initiative"),
    "media_members_initiative_cover_get": media("cover_members"),
    "media_draft_initiative_document_get": media("doc_draft_initiative"),
    "media_public_meeting_document_get": media("doc_public_meeting"),
    "media_members_meeting_document_get": media("doc_members_meeting"),
    "media_group_meeting_document_get": media("doc_group_meeting"),
    "media_orphan_get": media("orphan"),
    "media_outside_get": Action(path=lambda w: "/media/../coalition/settings.py",
                                marker=lambda w, u: "SECRET_KEY"),
    "healthz_get": Action(path=lambda w: "/healthz", marker=lambda w, u: '"database": "ok"'),
    # the directory and its open data: active members only, for everyone
    "directory_get": Action(path=lambda w: "/ja/members/", marker=lambda w, u: "甲大学"),
    "directory_inactive_get": Action(path=lambda w: "/ja/members/", marker=lambda w, u: "己大学"),
    "directory_csv_get": Action(path=lambda w: "/ja/members/?format=csv", marker=lambda w, u: "Alpha University"),
    "directory_csv_inactive_get": Action(path=lambda w: "/ja/members/?format=csv",
                                         marker=lambda w, u: "Suspended University"),
    "directory_json_inactive_get": Action(path=lambda w: "/en/members/?format=json",
                                          marker=lambda w, u: "Withdrawn University"),
    # the site's search: each kind through its app's visibility (a result is its link)
    "search_get": Action(path=lambda w: "/ja/search/?q=省エネ&kind=initiatives",
                         marker=lambda w, u: 'href="/ja/initiatives/alpha-public/"'),
    "search_members_only_get": Action(path=lambda w: "/ja/search/?q=地域熱供給&kind=initiatives",
                                      marker=lambda w, u: 'href="/ja/initiatives/alpha-members/"'),
    "search_members_only_count_get": Action(path=lambda w: "/ja/search/?q=地域熱供給",
                                            marker=lambda w, u: '取組事例 <span class="tab-count">1</span>'),
    "search_draft_get": Action(path=lambda w: "/ja/search/?q=蓄電池&kind=initiatives",
                               marker=lambda w, u: 'href="/ja/initiatives/alpha-draft/"'),
    "search_members_meeting_get": Action(path=lambda w: "/ja/search/?q=説明会&kind=meetings",
                                         marker=lambda w, u: f'href="/ja/meetings/{w.meetings["members"].pk}/"'),
    "search_group_meeting_get": Action(path=lambda w: "/ja/search/?q=内部検討会&kind=meetings",
                                       marker=lambda w, u: f'href="/ja/meetings/{w.meetings["group"].pk}/"'),
    # "sign in with your university": public (members.sso)
    "university_sign_in_get": Action(path=lambda w: "/ja/accounts/university/",
                                     marker=lambda w, u: "大学のメールアドレス"),
    # the membership application: public; its edit link is the authorisation
    "apply_get": Action(path=lambda w: "/ja/members/apply/", marker=lambda w, u: 'name="applicant_email"'),
    "apply_post": Action(
        path=lambda w: "/ja/members/apply/",
        data=application_data,
        done=lambda w, u: MembershipApplication.objects.filter(name_ja="新規申込大学").count() == 1,
        success_url=lambda w, u: "/ja/members/apply/sent/",
    ),
    "apply_done_get": Action(path=lambda w: "/ja/members/apply/sent/",
                             marker=lambda w, u: "ありがとうございます。申込を送信しました"),
    "apply_edit_get": Action(path=lambda w: f"/ja/members/apply/edit/{w.tokens['returned']}/",
                             marker=lambda w, u: "applicant@returned.example.ac.jp"),
    "apply_edit_post": Action(
        path=lambda w: f"/ja/members/apply/edit/{w.tokens['returned']}/",
        data=resubmission,
        done=lambda w, u: MembershipApplication.objects.get(pk=w.returned.pk).status
        == MembershipApplication.Status.SUBMITTED,
        success_url=lambda w, u: "/ja/members/apply/sent/",
    ),
    "apply_edit_forged_get": Action(
        path=lambda w: f"/ja/members/apply/edit/{w.tokens['returned']}xx/",
        marker=lambda w, u: "applicant@returned.example.ac.jp"),
    "apply_edit_not_returned_get": Action(
        path=lambda w: f"/ja/members/apply/edit/{w.tokens['submitted']}/",
        marker=lambda w, u: "applicant@submitted.example.ac.jp"),
    # one's own account
    "account_get": Action(path=lambda w: "/ja/account/", marker=lambda w, u: f'value="{u.name if u else "利用者"}"'),
    "account_requests_a_get": Action(path=lambda w: "/ja/account/", marker=lambda w, u: "加入 希望子"),
    "account_post": Action(
        path=lambda w: "/ja/account/",
        data=lambda w, u: {"name": "改名 太郎", "language": "en"},
        done=lambda w, u: User.objects.filter(name="改名 太郎", language="en").exists(),
        success_url=lambda w, u: "/ja/account/",
    ),
    "notification_settings_get": Action(path=lambda w: "/ja/account/notifications/",
                                        marker=lambda w, u: f'name="{w.kind}"'),
    "notification_settings_post": Action(
        path=lambda w: "/ja/account/notifications/",
        data=lambda w, u: {k.key: "never" for k in registry.choosable_kinds()},
        done=lambda w, u: preference(w, u) == "never",
        success_url=lambda w, u: "/ja/account/notifications/",
    ),
    # the unsubscribe link (B's staff's): the signed token is the authorisation, whoever follows it
    "unsubscribe_get": Action(path=lambda w: f"/ja/account/notifications/unsubscribe/{w.tokens['unsubscribe']}/",
                              marker=lambda w, u: 'value="One-Click"'),
    "unsubscribe_post": Action(
        path=lambda w: f"/ja/account/notifications/unsubscribe/{w.tokens['unsubscribe']}/",
        data=lambda w, u: {"List-Unsubscribe": "One-Click"},
        marker=lambda w, u: "配信を停止しました",
        done=lambda w, u: preference(w, w.users["staff_b"]) == "never",
    ),
    "unsubscribe_forged_post": Action(
        path=lambda w: f"/ja/account/notifications/unsubscribe/{w.tokens['unsubscribe']}xx/",
        data=lambda w, u: {"List-Unsubscribe": "One-Click"},
        done=lambda w, u: preference(w, w.users["staff_b"]) == "never",
    ),
    # the secretariat's member list and outbox
    "member_admin_get": Action(path=lambda w: "/ja/secretariat/members/?status=suspended",
                               marker=lambda w, u: "己大学"),
    "outbox_message_get": Action(path=lambda w: f"/ja/secretariat/outbox/{w.failed.pk}/",
                                 marker=lambda w, u: "outbox-marker@example.org"),
    "outbox_resend_post": Action(
        path=lambda w: f"/ja/secretariat/outbox/{w.failed.pk}/resend/",
        data=lambda w, u: {},
        done=lambda w, u: AuditEntry.objects.filter(action="notification.resend").count() == 1,
        success_url=lambda w, u: "/ja/secretariat/outbox/",
    ),
    # the group list names the next meeting each person may see
    "group_list_get": Action(path=lambda w: "/ja/working-groups/", marker=lambda w, u: "キャンパスWG"),
    "group_list_next_meeting_get": Action(path=lambda w: "/ja/working-groups/",
                                          marker=lambda w, u: f'href="/ja/meetings/{w.meetings["members"].pk}/"'),
    # the feeds: public ones list public things only; a personal one is its owner's, whoever reads it
    "initiative_feed_get": Action(path=lambda w: "/ja/initiatives/feed/", marker=lambda w, u: "公開の省エネ改修"),
    "initiative_feed_members_only_get": Action(path=lambda w: "/ja/initiatives/feed/",
                                               marker=lambda w, u: "会員限定の地域熱供給"),
    "public_feed_get": Action(path=lambda w: "/ja/meetings/ical/", marker=lambda w, u: "公開シンポジウム春"),
    "public_feed_members_get": Action(path=lambda w: "/ja/meetings/ical/", marker=lambda w, u: "会員限定説明会"),
    "personal_feed_b_get": Action(path=lambda w: f"/ja/meetings/ical/{w.tokens['feed_b']}/",
                                  marker=lambda w, u: "WG内部検討会"),
    "personal_feed_user_get": Action(path=lambda w: f"/ja/meetings/ical/{w.tokens['feed_user']}/",
                                     marker=lambda w, u: "会員限定説明会"),
    "personal_feed_forged_get": Action(path=lambda w: f"/ja/meetings/ical/{w.tokens['feed_b']}xx/",
                                       marker=lambda w, u: "WG内部検討会"),
    "calendar_renew_post": Action(
        path=lambda w: "/ja/account/calendar/renew/",
        data=lambda w, u: {},
        setup=with_old_feed,
        done=lambda w, u: u is not None and CalendarFeed.objects.get(user=u).token != f"old-token-{u.pk}",
        success_url=lambda w, u: "/ja/account/#calendar",
    ),
}

# ---------------------------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------------------------

MATRIX = {
    # action                                 visitor user staff_a staff_b contact_a coord sec sec_no_2fa suspended
    "media_logo_get": ALL,
    "media_public_initiative_document_get": ALL,
    "media_members_initiative_document_get": MEMBERS,
    "media_members_initiative_cover_get": MEMBERS,
    "media_draft_initiative_document_get": EDITORS_A,
    "media_public_meeting_document_get": ALL,
    "media_members_meeting_document_get": MEMBERS,
    "media_group_meeting_document_get": GROUP,
    "media_orphan_get": NOWHERE,
    "media_outside_get": NOWHERE,
    "healthz_get": ALL,
    "directory_get": ALL,
    "directory_inactive_get": NOBODY,
    "directory_csv_get": ALL,
    "directory_csv_inactive_get": NOBODY,
    "directory_json_inactive_get": NOBODY,
    "search_get": ALL,
    "search_members_only_get": SEEN_BY_MEMBERS,
    "search_members_only_count_get": SEEN_BY_MEMBERS,
    "search_draft_get": NOBODY,
    "search_members_meeting_get": SEEN_BY_MEMBERS,
    "search_group_meeting_get": SEEN_BY_GROUP,
    "university_sign_in_get": ALL,
    "apply_get": ALL,
    "apply_post": ALL,
    "apply_done_get": ALL,
    "apply_edit_get": ALL,
    "apply_edit_post": ALL,
    "apply_edit_forged_get": FORGED,
    "apply_edit_not_returned_get": FORGED,
    "account_get": SIGNED_IN,
    # the requests to decide are for the contact of A only
    "account_requests_a_get": (LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "account_post": SIGNED_IN,
    "notification_settings_get": SIGNED_IN,
    "notification_settings_post": SIGNED_IN,
    "unsubscribe_get": ALL,
    "unsubscribe_post": ALL,
    "unsubscribe_forged_post": FORGED,
    "member_admin_get": SECRETARIAT,
    "outbox_message_get": SECRETARIAT,
    "outbox_resend_post": SECRETARIAT,
    "group_list_get": ALL,
    "group_list_next_meeting_get": SEEN_BY_MEMBERS,
    "initiative_feed_get": ALL,
    "initiative_feed_members_only_get": NOBODY,
    "public_feed_get": ALL,
    "public_feed_members_get": NOBODY,
    "personal_feed_b_get": ALL,
    "personal_feed_user_get": NOBODY,
    "personal_feed_forged_get": NOWHERE,
    "calendar_renew_post": SIGNED_IN,
}

# The URL names this matrix requests (tests/coalition/test_security.py checks every pattern is in one).
COVERED_URL_NAMES = url_names(action.path for action in ACTIONS.values())


def received(response) -> str:
    """What the person receives, as text: a file's bytes, an iCalendar body unfolded, a page."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.replace(b"\r\n ", b"").decode("utf-8", errors="replace")


def _hidden(response, content, world, user):
    assert response.status_code == 200


def _bad_link(response, content, world, user):
    assert response.status_code == 400
    assert BAD_LINK_TEXT in content


@pytest.mark.parametrize(("action_name", "role", "outcome"), cells(ACTIONS, MATRIX, ROLES))
def test_site_action_as_role_has_expected_outcome(client, world, deliver, tmp_path, action_name, role, outcome):
    check_cell(client, world, action=ACTIONS[action_name], user=world.users[role], outcome=outcome,
               state=lambda: db_state(tmp_path), deliver=deliver, shown=received,
               outcomes={HIDDEN: Outcome(_hidden), BAD_LINK: Outcome(_bad_link)})


# ---------------------------------------------------------------------------------------------
# Around the matrix
# ---------------------------------------------------------------------------------------------


def test_protected_file_is_not_kept_by_shared_caches(client, world):
    """A members-only document may be kept by the browser of whoever was let in, never by a proxy."""
    client.force_login(world.users["staff_a"])
    protected = client.get(f"/media/{world.files['doc_members_initiative']}")
    public = client.get("/media/" + world.files["logo_a"])
    assert protected["Cache-Control"].startswith("private")
    assert public["Cache-Control"].startswith("public")


def test_file_of_initiative_that_became_members_only_is_closed_to_visitors(client, world):
    path = f"/media/{world.files['doc_public_initiative']}"
    assert client.get(path).status_code == 200
    Initiative.objects.filter(pk=world.public.pk).update(visibility=Initiative.Visibility.MEMBERS)
    response = client.get(path)
    assert (response.status_code, response["Location"]) == (302, f"{LOGIN_URL}?next={path}")
