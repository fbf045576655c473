"""Permission matrix of the working-groups app: every role against every protected
action on groups and initiatives, and the places where a members-only initiative could leak.

Each cell of ``MATRIX`` (action × role → outcome) is one test. Refusals look the same everywhere
(members/access.py): a visitor is sent to sign in, a signed-in person without the right gets a 404
(never a 403, never the content), a secretariat member without two-factor sign-in is sent to set it
up. A refused POST changes nothing in the database; an allowed one makes its change.

Institution A holds the initiatives; B holds people who asked to join or are members of the group;
C coordinates the group; E asks to take part as an institution. ``VISIBILITY`` then checks every
list, feed, count and page that shows initiatives, for every role.
"""

import datetime
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from members.audit.models import AuditEntry
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
from tests.permissions import LOGIN, LOGIN_URL, NF, OK, TF, Action, Outcome, cells, check_cell
from tests.url_names import url_names
from working_groups.models import (
    Initiative,
    InitiativeDocument,
    InitiativeRevision,
    Membership,
    Participation,
    WorkingGroup,
)
from working_groups.services import refresh_derived

pytestmark = pytest.mark.django_db


# Outcomes

ROLES = ["visitor", "user", "staff_a", "staff_b", "contact_a", "coordinator", "secretariat",
         "secretariat_no_2fa", "staff_suspended", "staff_c", "contact_c"]
# staff of an active member, and the secretariat (with two-factor): members-only content and names
IN = "already a member"  # the outcome of asking to join a group one belongs to
SEES_MEMBERS_ONLY = {"staff_a", "staff_b", "contact_a", "coordinator", "secretariat", "staff_c", "contact_c"}

BAD_DOCUMENT_TEXT = ("PDF、Word、Excel、PowerPoint、PNG、JPEGのファイルで、"
                     "拡張子と内容が一致するものをアップロードしてください。")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# ---------------------------------------------------------------------------------------------
# The world every cell runs in
# ---------------------------------------------------------------------------------------------


def make_initiative(*, institution, author, slug, title, body, themes, status=Initiative.Status.PUBLISHED,
                    visibility=Initiative.Visibility.PUBLIC, prefecture="13", started_on=datetime.date(2023, 4, 1),
                    published_at=None) -> Initiative:
    """An initiative as the services leave it (rendered body, search text), without the requests."""
    if status != Initiative.Status.DRAFT and published_at is None:
        published_at = timezone.now()
    initiative = Initiative(
        institution=institution, author=author, slug=slug, title=title, summary=f"{title}の概要です。", body=body,
        prefecture=prefecture, started_on=started_on, status=status, visibility=visibility,
        published_at=published_at,
    )
    refresh_derived(initiative)
    initiative.save()
    initiative.themes.set(themes)
    return initiative


@dataclass
class World:
    a: Institution
    b: Institution
    c: Institution
    e: Institution
    suspended: Institution
    group: WorkingGroup
    other_group: WorkingGroup
    users: dict
    colleague_a: object
    asker: object
    member: object
    pending_membership: Membership
    active_membership: Membership
    pending_participation: Participation
    c_member: Membership
    coordinator_membership: Membership
    public: Initiative
    colleague_public: Initiative
    members_only: Initiative
    draft: Initiative
    archived: Initiative
    document: InitiativeDocument


@pytest.fixture
def world(module_world):
    return module_world


def make_world(media):
    """Built once for the module (tests/conftest.py, ``_module_world``): each test gets a copy."""
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University", name_kana="こうだいがく")
    b = InstitutionFactory(slug="univ-b", name_ja="乙大学", name_en="Beta University", name_kana="おつだいがく")
    c = InstitutionFactory(slug="univ-c", name_ja="丙工業大学", name_en="Gamma Institute of Technology",
                           name_kana="へいこうぎょうだいがく")
    e = InstitutionFactory(slug="univ-e", name_ja="戊大学", name_en="Epsilon University", name_kana="ぼだいがく")
    suspended = InstitutionFactory(slug="univ-s", name_ja="己大学", name_en="Suspended University",
                                   name_kana="きだいがく", status=Institution.Status.SUSPENDED)
    group = WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG", coordinators=[c])
    other_group = WorkingGroupFactory(slug="regional", name_ja="地域連携WG", name_en="Regional WG",
                                      coordinators=[b])

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
        # C coordinates the group, but only named people act as its coordinators: C's other staff
        # (a member of the group) and C's contact (who names the coordinators) do not.
        "staff_c": staff_of(c, email="staff@gamma.example.ac.jp"),
        "contact_c": staff_of(c, role=Affiliation.Role.CONTACT, email="contact@gamma.example.ac.jp"),
    }
    c_member = Membership.objects.create(group=group, institution=c, status=Membership.Status.ACTIVE,
                                         user=staff_of(c, email="member@gamma.example.ac.jp", name="候補 花子"))
    coordinator_membership = Membership.objects.get(group=group, user=users["coordinator"])
    colleague_a = staff_of(a, email="colleague@alpha.example.ac.jp")
    staff_of(b, role=Affiliation.Role.CONTACT, email="contact@beta.example.ac.jp")
    staff_of(e, role=Affiliation.Role.CONTACT, email="contact@epsilon.example.ac.jp")
    asker = staff_of(b, email="asks@beta.example.ac.jp", name="参加 希望子")
    member = staff_of(b, email="member@beta.example.ac.jp", name="活動 太郎")

    Participation.objects.create(group=group, institution=b, status=Participation.Status.ACTIVE)
    pending_membership = Membership.objects.create(group=group, user=asker, institution=b,
                                                   message="参加させてください。")
    active_membership = Membership.objects.create(group=group, user=member, institution=b,
                                                  status=Membership.Status.ACTIVE)
    pending_participation = Participation.objects.create(group=group, institution=e,
                                                         message="戊大学として参加を希望します。")

    public = make_initiative(institution=a, author=users["staff_a"], slug="alpha-public", title="公開の省エネ改修",
                             body="公開本文です。", themes=[group])
    colleague_public = make_initiative(institution=a, author=colleague_a, slug="alpha-colleague",
                                       title="同僚の太陽光発電", body="同僚の本文です。", themes=[group])
    members_only = make_initiative(institution=a, author=users["staff_a"], slug="alpha-members",
                                   title="会員限定の地域熱供給", body="会員限定本文です。", themes=[group, other_group],
                                   visibility=Initiative.Visibility.MEMBERS, prefecture="47",
                                   started_on=datetime.date(2005, 4, 1))
    draft = make_initiative(institution=a, author=users["staff_a"], slug="alpha-draft", title="下書きの蓄電池計画",
                            body="下書き本文です。", themes=[group, other_group], status=Initiative.Status.DRAFT)
    archived = make_initiative(institution=a, author=users["staff_a"], slug="alpha-archived",
                               title="保管済みの植樹活動", body="保管本文です。", themes=[group],
                               status=Initiative.Status.ARCHIVED)
    InitiativeRevision.objects.create(initiative=public, editor=colleague_a, editor_label="reviser@alpha.example.ac.jp",
                                      action="edit", changes={"title": ["旧題", "公開の省エネ改修"]})
    document = InitiativeDocument(initiative=public, title="報告書2023", content_type="application/pdf",
                                  size=len(PDF), uploaded_by=users["staff_a"])
    document.file.save("report.pdf", ContentFile(PDF), save=False)
    document.save()
    Notification.objects.create(kind="application_received", email="outbox-marker@example.org",
                                dedup_key="wg-permission-matrix-marker")
    return World(a=a, b=b, c=c, e=e, suspended=suspended, group=group, other_group=other_group, users=users,
                 colleague_a=colleague_a, asker=asker, member=member, pending_membership=pending_membership,
                 active_membership=active_membership, pending_participation=pending_participation, c_member=c_member,
                 coordinator_membership=coordinator_membership, public=public,
                 colleague_public=colleague_public, members_only=members_only, draft=draft, archived=archived,
                 document=document)


def db_state(media_root) -> dict:
    """Everything a working-groups action could write (rows and stored files)."""
    return {
        "initiatives": sorted(Initiative.objects.values_list(
            "pk", "slug", "title", "body", "status", "visibility", "unpublished_reason", "published_at",
            "updated_at")),
        "themes": sorted(Initiative.themes.through.objects.values_list("initiative_id", "workinggroup_id")),
        "revisions": InitiativeRevision.objects.count(),
        "documents": sorted(InitiativeDocument.objects.values_list("pk", "title", "file", "version_of_id")),
        "groups": sorted(WorkingGroup.objects.values_list("pk", "slug", "name_ja", "status", "closed_reason")),
        "coordinators": sorted(WorkingGroup.coordinators.through.objects.values_list("workinggroup_id",
                                                                                     "institution_id")),
        "memberships": sorted(Membership.objects.values_list("pk", "user_id", "group_id", "status", "reason")),
        "participations": sorted(Participation.objects.values_list("pk", "institution_id", "group_id", "status")),
        "affiliations": sorted(Affiliation.objects.values_list("pk", "status", "role")),
        "audit": AuditEntry.objects.count(),
        "outbox": Notification.objects.count(),
        "files": sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file()),
    }


# ---------------------------------------------------------------------------------------------
# The actions
# ---------------------------------------------------------------------------------------------


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def own_institution(w, user):
    """The institution the acting user writes for (A for those who have none: they are refused)."""
    affiliation = Affiliation.objects.filter(user=user, status=Affiliation.Status.APPROVED,
                                             institution__status=Institution.Status.ACTIVE).first() if user else None
    return affiliation.institution if affiliation else w.a


def initiative_data(w, initiative=None, **overrides):
    """The initiative form as a browser sends it (the edit form has no institution field)."""
    data = {
        "language": "ja", "title": "新しい取組のテスト", "summary": "概要です。", "body": "本文です。",
        "title_translated": "", "summary_translated": "", "themes": [w.group.pk], "partners": "",
        "prefecture": "", "started_on": "2024-04-01", "ended_on": "", "outcomes": "", "co2_reduction": "",
        "capacity_kw": "", "cover_alt": "", "visibility": "public", "links_text": "",
    }
    if initiative is not None:
        data.update(language=initiative.language, title=initiative.title, summary=initiative.summary,
                    body=initiative.body, prefecture=initiative.prefecture,
                    started_on=initiative.started_on.isoformat(), visibility=initiative.visibility,
                    themes=list(initiative.themes.values_list("pk", flat=True)))
    data.update(overrides)
    return data


def created_by(user):
    return Initiative.objects.filter(title="新しい取組のテスト", author=user, status=Initiative.Status.DRAFT)


def _edit_actions(key: str, attr: str) -> dict:
    """Editing one of A's initiatives: ``public`` is staff A's own, ``colleague_public`` a colleague's."""
    return {
        f"edit_{key}_get": Action(
            path=lambda w: f"/ja/initiatives/{getattr(w, attr).slug}/edit/",
            marker=lambda w, u: getattr(w, attr).body,
        ),
        f"edit_{key}_post": Action(
            path=lambda w: f"/ja/initiatives/{getattr(w, attr).slug}/edit/",
            data=lambda w, u: initiative_data(w, getattr(w, attr), title="改訂されたタイトル"),
            done=lambda w, u: fresh(getattr(w, attr)).title == "改訂されたタイトル",
            success_url=lambda w, u: f"/ja/initiatives/{getattr(w, attr).slug}/",
        ),
    }


ACTIONS: dict[str, Action] = {
    # initiatives
    "create_get": Action(
        path=lambda w: "/ja/initiatives/new/",
        marker=lambda w, u: '<textarea name="body"',
    ),
    "create_post": Action(
        path=lambda w: "/ja/initiatives/new/",
        data=lambda w, u: initiative_data(w, institution=own_institution(w, u).pk),
        done=lambda w, u: created_by(u).count() == 1,
        success_url=lambda w, u: created_by(u).get().get_absolute_url(),
    ),
    **_edit_actions("own", "public"),
    **_edit_actions("colleague", "colleague_public"),
    "publish_post": Action(
        path=lambda w: f"/ja/initiatives/{w.draft.slug}/publish/",
        data=lambda w, u: {},
        done=lambda w, u: fresh(w.draft).status == Initiative.Status.PUBLISHED,
        success_url=lambda w, u: f"/ja/initiatives/{w.draft.slug}/",
    ),
    "archive_post": Action(
        path=lambda w: f"/ja/initiatives/{w.public.slug}/archive/",
        data=lambda w, u: {},
        done=lambda w, u: fresh(w.public).status == Initiative.Status.ARCHIVED,
        success_url=lambda w, u: f"/ja/initiatives/{w.public.slug}/",
    ),
    "unpublish_get": Action(
        path=lambda w: f"/ja/initiatives/{w.public.slug}/unpublish/",
        marker=lambda w, u: '<textarea name="reason"',
    ),
    "unpublish_post": Action(
        path=lambda w: f"/ja/initiatives/{w.public.slug}/unpublish/",
        data=lambda w, u: {"reason": "個人情報が含まれているため"},
        done=lambda w, u: (fresh(w.public).status, fresh(w.public).unpublished_reason)
        == (Initiative.Status.DRAFT, "個人情報が含まれているため"),
        success_url=lambda w, u: f"/ja/initiatives/{w.public.slug}/",
    ),
    "view_members_only_get": Action(
        path=lambda w: f"/ja/initiatives/{w.members_only.slug}/",
        marker=lambda w, u: w.members_only.body,
    ),
    "view_draft_get": Action(
        path=lambda w: f"/ja/initiatives/{w.draft.slug}/",
        marker=lambda w, u: w.draft.body,
    ),
    "revisions_get": Action(
        path=lambda w: f"/ja/initiatives/{w.public.slug}/revisions/",
        marker=lambda w, u: "reviser@alpha.example.ac.jp",
    ),
    "document_add_post": Action(
        path=lambda w: f"/ja/initiatives/{w.public.slug}/documents/",
        data=lambda w, u: {"title": "追加資料", "file": SimpleUploadedFile("extra.pdf", PDF, "application/pdf")},
        done=lambda w, u: w.public.documents.filter(title="追加資料").count() == 1,
        success_url=lambda w, u: f"/ja/initiatives/{w.public.slug}/edit/#documents",
    ),
    "document_version_get": Action(
        path=lambda w: f"/ja/initiatives/{w.public.slug}/documents/{w.document.pk}/version/",
        marker=lambda w, u: 'name="file"',
    ),
    "document_version_post": Action(
        path=lambda w: f"/ja/initiatives/{w.public.slug}/documents/{w.document.pk}/version/",
        data=lambda w, u: {"file": SimpleUploadedFile("v2.pdf", PDF, "application/pdf")},
        done=lambda w, u: InitiativeDocument.objects.filter(version_of=w.document).count() == 1,
        success_url=lambda w, u: f"/ja/initiatives/{w.public.slug}/edit/#documents",
    ),
    "document_remove_get": Action(
        path=lambda w: f"/ja/initiatives/{w.public.slug}/documents/{w.document.pk}/remove/",
        marker=lambda w, u: 'name="reason"',
    ),
    "document_remove_post": Action(
        path=lambda w: f"/ja/initiatives/{w.public.slug}/documents/{w.document.pk}/remove/",
        data=lambda w, u: {},
        done=lambda w, u: not InitiativeDocument.objects.filter(pk=w.document.pk).exists(),
        success_url=lambda w, u: f"/ja/initiatives/{w.public.slug}/edit/#documents",
    ),
    # groups
    "join_post": Action(
        path=lambda w: f"/ja/working-groups/{w.group.slug}/join/",
        data=lambda w, u: {"institution": own_institution(w, u).pk, "message": "参加を希望します。"},
        done=lambda w, u: Membership.objects.filter(user=u, group=w.group,
                                                    status=Membership.Status.PENDING).count() == 1,
        success_url=lambda w, u: f"/ja/working-groups/{w.group.slug}/",
    ),
    "approve_membership_post": Action(
        path=lambda w: f"/ja/working-groups/memberships/{w.pending_membership.pk}/decide/",
        data=lambda w, u: {"decision": "approve", "reason": ""},
        done=lambda w, u: fresh(w.pending_membership).status == Membership.Status.ACTIVE,
        success_url=lambda w, u: f"/ja/working-groups/{w.group.slug}/manage/",
    ),
    "approve_participation_post": Action(
        path=lambda w: f"/ja/working-groups/participations/{w.pending_participation.pk}/decide/",
        data=lambda w, u: {"decision": "approve", "reason": ""},
        done=lambda w, u: fresh(w.pending_participation).status == Participation.Status.ACTIVE,
        success_url=lambda w, u: f"/ja/working-groups/{w.group.slug}/manage/",
    ),
    "remove_member_post": Action(
        path=lambda w: f"/ja/working-groups/memberships/{w.active_membership.pk}/end/",
        data=lambda w, u: {"reason": "活動実績がないため"},
        done=lambda w, u: (fresh(w.active_membership).status, fresh(w.active_membership).reason)
        == (Membership.Status.REMOVED, "活動実績がないため"),
        success_url=lambda w, u: f"/ja/working-groups/{w.group.slug}/manage/",
    ),
    "manage_get": Action(
        path=lambda w: f"/ja/working-groups/{w.group.slug}/manage/",
        marker=lambda w, u: "参加させてください。",
    ),
    "remove_member_get": Action(
        path=lambda w: f"/ja/working-groups/memberships/{w.active_membership.pk}/end/",
        marker=lambda w, u: "活動 太郎さんを",
    ),
    "coordinators_get": Action(
        path=lambda w: f"/ja/working-groups/{w.group.slug}/coordinators/",
        marker=lambda w, u: "コーディネーターに指名する",
    ),
    "name_coordinator_post": Action(
        path=lambda w: f"/ja/working-groups/memberships/{w.c_member.pk}/coordinator/",
        data=lambda w, u: {"coordinator": "1"},
        done=lambda w, u: fresh(w.c_member).coordinator is True,
        success_url=lambda w, u: f"/ja/working-groups/{w.group.slug}/coordinators/",
    ),
    "unname_coordinator_post": Action(
        path=lambda w: f"/ja/working-groups/memberships/{w.coordinator_membership.pk}/coordinator/",
        data=lambda w, u: {"coordinator": "0"},
        done=lambda w, u: fresh(w.coordinator_membership).coordinator is False,
        success_url=lambda w, u: f"/ja/working-groups/{w.group.slug}/coordinators/",
    ),
    "choose_groups_a_get": Action(
        path=lambda w: f"/ja/members/{w.a.slug}/groups/",
        marker=lambda w, u: 'name="groups"',
    ),
    "choose_groups_a_post": Action(
        path=lambda w: f"/ja/members/{w.a.slug}/groups/",
        data=lambda w, u: {"groups": [w.group.pk]},
        done=lambda w, u: Participation.objects.filter(institution=w.a, group=w.group,
                                                       status=Participation.Status.PENDING).count() == 1,
        success_url=lambda w, u: f"/ja/members/{w.a.slug}/groups/",
    ),
    "choose_groups_b_get": Action(
        path=lambda w: f"/ja/members/{w.b.slug}/groups/",
        marker=lambda w, u: 'name="groups"',
    ),
    "group_create_get": Action(
        path=lambda w: "/ja/working-groups/new/",
        marker=lambda w, u: 'name="slug"',
    ),
    "group_create_post": Action(
        path=lambda w: "/ja/working-groups/new/",
        data=lambda w, u: {"slug": "hydrogen", "name_ja": "水素WG", "name_en": "Hydrogen WG",
                           "description_ja": "水素の利活用", "description_en": "Using hydrogen",
                           "coordinators": [w.c.pk], "order": "50"},
        done=lambda w, u: WorkingGroup.objects.filter(slug="hydrogen", name_ja="水素WG").count() == 1,
        success_url=lambda w, u: "/ja/working-groups/hydrogen/",
    ),
    "group_edit_get": Action(
        path=lambda w: f"/ja/working-groups/{w.group.slug}/edit/",
        marker=lambda w, u: 'name="name_ja"',
    ),
    "group_edit_post": Action(
        path=lambda w: f"/ja/working-groups/{w.group.slug}/edit/",
        data=lambda w, u: {"name_ja": "新キャンパスWG", "name_en": "New Campus WG", "description_ja": "",
                           "description_en": "", "coordinators": [w.c.pk], "order": "10"},
        done=lambda w, u: fresh(w.group).name_ja == "新キャンパスWG",
        success_url=lambda w, u: f"/ja/working-groups/{w.group.slug}/",
    ),
    "group_close_get": Action(
        path=lambda w: f"/ja/working-groups/{w.group.slug}/close/",
        marker=lambda w, u: '<textarea name="reason"',
    ),
    "group_close_post": Action(
        path=lambda w: f"/ja/working-groups/{w.group.slug}/close/",
        data=lambda w, u: {"reason": "第5回総会の決議"},
        done=lambda w, u: fresh(w.group).status == WorkingGroup.Status.CLOSED,
        success_url=lambda w, u: "/ja/working-groups/",
    ),
}

# ---------------------------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------------------------

MATRIX = {
    # action                      visitor user  staff_a staff_b contact_a coord  sec  no_2fa susp staff_c contact_c
    # staff of an active member write initiatives; the secretariat has no institution to write for
    "create_get":                 (LOGIN, NF,   OK,     OK,     OK,       OK,    NF,  TF,        NF, OK,     OK),
    "create_post":                (LOGIN, NF,   OK,     OK,     OK,       OK,    NF,  TF,        NF, OK,     OK),
    # the author, the institution's contact and the secretariat edit
    "edit_own_get":               (LOGIN, NF,   OK,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    "edit_own_post":              (LOGIN, NF,   OK,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    "edit_colleague_get":         (LOGIN, NF,   NF,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    "edit_colleague_post":        (LOGIN, NF,   NF,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    "publish_post":               (LOGIN, NF,   OK,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    "archive_post":               (LOGIN, NF,   OK,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    "revisions_get":              (LOGIN, NF,   OK,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    "document_add_post":          (LOGIN, NF,   OK,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    "document_remove_post":       (LOGIN, NF,   OK,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    "document_remove_get":        (LOGIN, NF,   OK,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    "document_version_get":       (LOGIN, NF,   OK,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    "document_version_post":      (LOGIN, NF,   OK,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    # only the secretariat takes an initiative back
    "unpublish_get":              (LOGIN, NF,   NF,     NF,     NF,       NF,    OK,  TF,        NF, NF,     NF),
    "unpublish_post":             (LOGIN, NF,   NF,     NF,     NF,       NF,    OK,  TF,        NF, NF,     NF),
    # reading: members-only for staff of any active member, drafts for their editors
    "view_members_only_get":      (LOGIN, NF,   OK,     OK,     OK,       OK,    OK,  TF,        NF, OK,     OK),
    "view_draft_get":             (LOGIN, NF,   OK,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    # groups: staff join; the group's named coordinators and the secretariat decide and remove (not
    # the other staff of a coordinating institution, nor its contact)
    "join_post":                  (LOGIN, NF,   OK,     OK,     OK,       IN,    NF,  TF,        NF, OK,     OK),
    "approve_membership_post":    (LOGIN, NF,   NF,     NF,     NF,       OK,    OK,  TF,        NF, NF,     NF),
    "approve_participation_post": (LOGIN, NF,   NF,     NF,     NF,       OK,    OK,  TF,        NF, NF,     NF),
    "remove_member_post":         (LOGIN, NF,   NF,     NF,     NF,       OK,    OK,  TF,        NF, NF,     NF),
    "manage_get":                 (LOGIN, NF,   NF,     NF,     NF,       OK,    OK,  TF,        NF, NF,     NF),
    "remove_member_get":          (LOGIN, NF,   NF,     NF,     NF,       OK,    OK,  TF,        NF, NF,     NF),
    # the coordinators are named by a contact of a coordinating institution (or the secretariat)
    "coordinators_get":           (LOGIN, NF,   NF,     NF,     NF,       NF,    OK,  TF,        NF, NF,     OK),
    "name_coordinator_post":      (LOGIN, NF,   NF,     NF,     NF,       NF,    OK,  TF,        NF, NF,     OK),
    "unname_coordinator_post":    (LOGIN, NF,   NF,     NF,     NF,       NF,    OK,  TF,        NF, NF,     OK),
    # an institution's contact chooses its groups
    "choose_groups_a_get":        (LOGIN, NF,   NF,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    "choose_groups_a_post":       (LOGIN, NF,   NF,     NF,     OK,       NF,    OK,  TF,        NF, NF,     NF),
    "choose_groups_b_get":        (LOGIN, NF,   NF,     NF,     NF,       NF,    OK,  TF,        NF, NF,     NF),
    # the secretariat's group management
    "group_create_get":           (LOGIN, NF,   NF,     NF,     NF,       NF,    OK,  TF,        NF, NF,     NF),
    "group_create_post":          (LOGIN, NF,   NF,     NF,     NF,       NF,    OK,  TF,        NF, NF,     NF),
    "group_edit_get":             (LOGIN, NF,   NF,     NF,     NF,       NF,    OK,  TF,        NF, NF,     NF),
    "group_edit_post":            (LOGIN, NF,   NF,     NF,     NF,       NF,    OK,  TF,        NF, NF,     NF),
    "group_close_get":            (LOGIN, NF,   NF,     NF,     NF,       NF,    OK,  TF,        NF, NF,     NF),
    "group_close_post":           (LOGIN, NF,   NF,     NF,     NF,       NF,    OK,  TF,        NF, NF,     NF),
}


def _already_member(response, content, world, user):
    """A named coordinator is a member of the group already: asking to join changes nothing."""
    assert (response.status_code, response["Location"]) == (302, f"/ja/working-groups/{world.group.slug}/")


OUTCOMES = {IN: Outcome(check=_already_member)}


@pytest.mark.parametrize(("action_name", "role", "outcome"), cells(ACTIONS, MATRIX, ROLES))
def test_working_groups_action_as_role_has_expected_outcome(client, world, deliver, tmp_path, action_name, role,
                                                            outcome):
    check_cell(client, world, action=ACTIONS[action_name], user=world.users[role], outcome=outcome,
               state=lambda: db_state(tmp_path), deliver=deliver, outcomes=OUTCOMES)


# ---------------------------------------------------------------------------------------------
# Around the matrix: the objects a right does not reach
# ---------------------------------------------------------------------------------------------


def test_initiative_create_for_another_institution_saves_nothing(client, world, tmp_path):
    """Staff of A name B's institution in the form: refused as an invalid choice, nothing saved."""
    client.force_login(world.users["staff_a"])
    before = db_state(tmp_path)

    response = client.post("/ja/initiatives/new/", initiative_data(world, institution=world.b.pk))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["institution"]
    assert db_state(tmp_path) == before


def test_initiative_edit_by_author_who_left_the_institution_is_404(client, world, tmp_path):
    """Authorship alone is no right: the author's affiliation ended, the initiative stays A's."""
    author = world.users["staff_a"]
    Affiliation.objects.filter(user=author, institution=world.a).update(status=Affiliation.Status.ENDED)
    client.force_login(author)
    before = db_state(tmp_path)

    page = client.get(f"/ja/initiatives/{world.public.slug}/edit/")
    post = client.post(f"/ja/initiatives/{world.public.slug}/edit/",
                       initiative_data(world, world.public, title="改訂されたタイトル"))

    assert (page.status_code, post.status_code) == (404, 404)
    assert db_state(tmp_path) == before


def test_initiative_status_change_by_author_of_suspended_institution_is_404(client, world, tmp_path):
    """A suspended member's staff keep no editing right, not even on their own initiatives."""
    author = world.users["staff_a"]
    Institution.objects.filter(pk=world.a.pk).update(status=Institution.Status.SUSPENDED)
    client.force_login(author)
    before = db_state(tmp_path)

    publish = client.post(f"/ja/initiatives/{world.draft.slug}/publish/")
    archive = client.post(f"/ja/initiatives/{world.public.slug}/archive/")

    assert (publish.status_code, archive.status_code) == (404, 404)
    assert db_state(tmp_path) == before


def test_document_remove_through_own_initiative_of_another_initiatives_document_is_404(client, world, tmp_path):
    """The document id must belong to the initiative of the URL: staff A cannot reach B's file."""
    b_initiative = make_initiative(institution=world.b, author=world.users["staff_b"], slug="beta-public",
                                   title="乙の取組", body="乙の本文", themes=[world.group])
    b_document = InitiativeDocument(initiative=b_initiative, title="乙の資料", content_type="application/pdf",
                                    size=len(PDF))
    b_document.file.save("beta.pdf", ContentFile(PDF), save=False)
    b_document.save()
    client.force_login(world.users["staff_a"])
    before = db_state(tmp_path)

    response = client.post(f"/ja/initiatives/{world.public.slug}/documents/{b_document.pk}/remove/")

    assert response.status_code == 404
    assert db_state(tmp_path) == before


def test_document_add_with_a_script_saved_as_pdf_is_refused_and_stores_nothing(client, world, tmp_path):
    client.force_login(world.users["staff_a"])
    before = db_state(tmp_path)

    response = client.post(
        f"/ja/initiatives/{world.public.slug}/documents/",
        {"title": "怪しい資料",
         "file": SimpleUploadedFile("evil.pdf", b"<script>alert(1)</script>", "application/pdf")},
        follow=True,
    )

    assert response.redirect_chain == [(f"/ja/initiatives/{world.public.slug}/edit/#documents", 302)]
    assert BAD_DOCUMENT_TEXT in response.content.decode()
    assert db_state(tmp_path) == before


def test_decide_by_coordinator_of_another_group_is_404(client, world, tmp_path):
    """C coordinates ``campus``, not ``regional``: a request to ``regional`` is not C's to decide."""
    request = Membership.objects.create(group=world.other_group, user=world.colleague_a, institution=world.a)
    client.force_login(world.users["coordinator"])
    before = db_state(tmp_path)

    response = client.post(f"/ja/working-groups/memberships/{request.pk}/decide/", {"decision": "approve"})
    manage = client.get(f"/ja/working-groups/{world.other_group.slug}/manage/")

    assert (response.status_code, manage.status_code) == (404, 404)
    assert db_state(tmp_path) == before


def test_decide_twice_says_already_decided_and_changes_nothing(client, world, deliver, tmp_path):
    client.force_login(world.users["coordinator"])
    path = f"/ja/working-groups/memberships/{world.pending_membership.pk}/decide/"
    with deliver():
        client.post(path, {"decision": "approve"})
    after_first = db_state(tmp_path)

    with deliver():
        response = client.post(path, {"decision": "refuse", "reason": "やはり不可"}, follow=True)

    assert "この申請はすでに判断済みです。" in response.content.decode()
    assert fresh(world.pending_membership).status == Membership.Status.ACTIVE
    assert db_state(tmp_path) == after_first


def test_decide_next_pointing_off_site_is_ignored(client, world, deliver):
    client.force_login(world.users["coordinator"])
    with deliver():
        response = client.post(f"/ja/working-groups/memberships/{world.pending_membership.pk}/decide/",
                               {"decision": "approve", "next": "https://evil.example.com/"})
    assert response["Location"] == f"/ja/working-groups/{world.group.slug}/manage/"


def test_remove_member_without_reason_changes_nothing(client, world, tmp_path):
    client.force_login(world.users["coordinator"])
    before = db_state(tmp_path)

    response = client.post(f"/ja/working-groups/memberships/{world.active_membership.pk}/end/", {"reason": " "},
                           follow=True)

    assert "理由を入力してください。申請者に送られます。" in response.content.decode()
    assert db_state(tmp_path) == before


def test_join_for_an_institution_not_ones_own_changes_nothing(client, world, tmp_path):
    client.force_login(world.users["staff_a"])
    before = db_state(tmp_path)

    response = client.post(f"/ja/working-groups/{world.group.slug}/join/", {"institution": world.b.pk},
                           follow=True)

    assert "所属機関を1つ選んでください。" in response.content.decode()
    assert db_state(tmp_path) == before


def test_join_closed_group_is_404(client, world, tmp_path):
    WorkingGroup.objects.filter(pk=world.group.pk).update(status=WorkingGroup.Status.CLOSED)
    client.force_login(world.users["staff_a"])
    before = db_state(tmp_path)

    response = client.post(f"/ja/working-groups/{world.group.slug}/join/", {"institution": world.a.pk})

    assert response.status_code == 404
    assert db_state(tmp_path) == before


def test_member_may_leave_own_membership(client, world, deliver):
    """The one membership action without a right: leaving (no reason needed)."""
    client.force_login(world.member)
    with deliver():
        response = client.post(f"/ja/working-groups/memberships/{world.active_membership.pk}/end/")

    assert response["Location"] == f"/ja/working-groups/{world.group.slug}/"
    assert fresh(world.active_membership).status == Membership.Status.LEFT


def test_group_create_with_slug_taken_by_a_route_is_refused(client, world):
    client.force_login(world.users["secretariat"])

    response = client.post("/ja/working-groups/new/", {"slug": "new", "name_ja": "新WG", "name_en": "New WG",
                                                       "order": "1"})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["slug"]
    assert WorkingGroup.objects.filter(slug="new").exists() is False


@pytest.mark.parametrize("role", ROLES)
def test_group_page_names_people_only_to_staff_and_secretariat(client, world, role):
    """Who belongs to a group, by name, is for staff of members and the secretariat; the public
    sees the participating institutions."""
    user = world.users[role]
    if user is not None:
        client.force_login(user)

    content = client.get(f"/ja/working-groups/{world.group.slug}/").content.decode()

    assert "乙大学" in content
    assert ("活動 太郎" in content) is (role in SEES_MEMBERS_ONLY)
    assert "参加 希望子" not in content  # a pending request is for the coordinators' page only
    assert "member@beta.example.ac.jp" not in content


def test_refused_pages_name_none_of_the_people(client, world):
    """The 404 of the coordinators' page shows nothing of those who asked or belong."""
    client.force_login(world.users["staff_b"])
    content = client.get(f"/ja/working-groups/{world.group.slug}/manage/").content.decode()
    for text in ("asks@beta.example.ac.jp", "member@beta.example.ac.jp", "参加 希望子",
                 "戊大学として参加を希望します。"):
        assert text not in content


# ---------------------------------------------------------------------------------------------
# Where a members-only initiative could leak
# ---------------------------------------------------------------------------------------------

class _Page(HTMLParser):
    """Initiative links in <main>, and the options of each <select> (value → text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_main = 0
        self.links = []
        self.selects = {}
        self._select = None
        self._option = None
        self.headings = []
        self._heading = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.in_main += 1
        if not self.in_main:
            return
        if tag == "a" and (attrs.get("href") or "").startswith("/ja/initiatives/"):
            self.links.append(attrs["href"])
        elif tag == "select":
            self._select = attrs.get("name")
            self.selects[self._select] = {}
        elif tag == "option" and self._select is not None:
            self._option = attrs.get("value", "")
            self.selects[self._select][self._option] = ""
        elif tag == "h2" and attrs.get("id") == "results-title":
            self._heading = ""

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main -= 1
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "h2" and self._heading is not None:
            self.headings.append(" ".join(self._heading.split()))
            self._heading = None

    def handle_data(self, data):
        if self._option is not None and self._select is not None:
            self.selects[self._select][self._option] += data
        if self._heading is not None:
            self._heading += data


def parse_page(content: str) -> _Page:
    page = _Page()
    page.feed(content)
    page.close()
    return page


def feed_entries(content: bytes) -> list[tuple[str, str]]:
    """(title, link) of each Atom entry."""
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    root = ElementTree.fromstring(content)
    return [(e.findtext("atom:title", namespaces=ns), e.find("atom:link", ns).get("href"))
            for e in root.findall("atom:entry", ns)]


def slugs_linked(page: _Page) -> set[str]:
    found = set()
    for href in page.links:
        match = re.fullmatch(r"/ja/initiatives/([\w-]+)/", href)
        if match and match[1] not in ("new", "feed"):
            found.add(match[1])
    return found


INITIATIVE_SLUGS = {"alpha-public", "alpha-colleague", "alpha-members", "alpha-draft", "alpha-archived"}
LISTED_TO_ALL = {"alpha-public", "alpha-colleague"}


def expected(role, *, members_only_listed=True, public=LISTED_TO_ALL):
    """Listed slugs for ``role``: the published public ones, and the members-only one for those who
    may see it. Drafts and archived initiatives are never listed."""
    slugs = set(public)
    if members_only_listed and role in SEES_MEMBERS_ONLY:
        slugs.add("alpha-members")
    return slugs


PLACES = {
    # place: (path, slugs listed for the role)
    "initiative_list": (lambda w: "/ja/initiatives/", expected),
    "initiative_search": (lambda w: "/ja/initiatives/?q=地域熱供給",
                          lambda role: expected(role, public=set())),
    "initiative_search_draft": (lambda w: "/ja/initiatives/?q=蓄電池", lambda role: set()),
    "initiative_search_archived": (lambda w: "/ja/initiatives/?q=植樹", lambda role: set()),
    "initiative_list_wg": (lambda w: f"/ja/initiatives/?wg={w.other_group.slug}",
                           lambda role: expected(role, public=set())),
    "initiative_list_institution": (lambda w: f"/ja/initiatives/?institution={w.a.slug}", expected),
    "initiative_list_prefecture": (lambda w: "/ja/initiatives/?prefecture=47",
                                   lambda role: expected(role, public=set())),
    "initiative_list_year": (lambda w: "/ja/initiatives/?year=2005", lambda role: expected(role, public=set())),
    "institution_profile": (lambda w: f"/ja/members/{w.a.slug}/", expected),
    "group_page": (lambda w: f"/ja/working-groups/{w.group.slug}/", expected),
    "other_group_page": (lambda w: f"/ja/working-groups/{w.other_group.slug}/",
                         lambda role: expected(role, public=set())),
    # the related initiatives under a public one (itself excluded)
    "related": (lambda w: f"/ja/initiatives/{w.public.slug}/", lambda role: expected(role) - {"alpha-public"}),
    # signed in, the home also lists the person's own drafts ("My drafts"): the author's alone
    "home": (lambda w: "/ja/", lambda role: expected(role) | ({"alpha-draft"} if role == "staff_a" else set())),
}

# The URL names the matrix and the leak checks request (tests/coalition/test_security.py checks
# every pattern is in one such set).
COVERED_URL_NAMES = url_names(action.path for action in ACTIONS.values()) | url_names(
    path for path, _ in PLACES.values())


def _get_as(client, world, role, path):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_initiatives_hidden_from_role_never_appear_in_place(client, world, place, role):
    """Whatever else a page shows, a members-only initiative (to those who may not see it), a draft
    (to anyone but its author on the home) and an archived initiative (to anyone) appear in it by no
    title, summary or link."""
    path, slugs_for = PLACES[place]
    content = _get_as(client, world, role, path(world))

    hidden = [world.archived]
    if "alpha-draft" not in slugs_for(role):  # listed to its author on the home only
        hidden.append(world.draft)
    if "alpha-members" not in slugs_for(role):
        hidden.append(world.members_only)
    for initiative in hidden:
        assert initiative.title not in content
        assert initiative.summary not in content
        assert f"/ja/initiatives/{initiative.slug}/" not in content


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_initiatives_listed_in_place_for_role_are_those_it_may_see(client, world, place, role):
    path, slugs_for = PLACES[place]
    content = _get_as(client, world, role, path(world))

    assert slugs_linked(parse_page(content)) & INITIATIVE_SLUGS == slugs_for(role)


def _option_texts(page, name):
    return {value: " ".join(text.split()) for value, text in page.selects.get(name, {}).items()}


@pytest.mark.parametrize("role", ROLES)
def test_initiative_list_counts_include_members_only_only_for_those_who_may_see_it(client, world, role):
    """The result count and the facet counts (group, prefecture, region, year, institution) count
    the members-only initiative (Okinawa, 2005, also in ``regional``) only for those who see it."""
    user = world.users[role]
    if user is not None:
        client.force_login(user)

    page = parse_page(client.get("/ja/initiatives/").content.decode())

    sees = role in SEES_MEMBERS_ONLY
    n = 1 if sees else 0
    assert page.headings == [f"{2 + n}件の取組事例"]
    assert _option_texts(page, "wg")[world.other_group.slug] == f"地域連携WG ({n})"
    assert _option_texts(page, "wg")[world.group.slug] == f"キャンパスWG ({2 + n})"
    assert _option_texts(page, "prefecture")["47"] == f"沖縄県 ({n})"
    assert _option_texts(page, "region")["kyushu-okinawa"] == f"九州・沖縄 ({n})"
    assert ("2005" in _option_texts(page, "year")) is sees
    assert _option_texts(page, "institution")[world.a.slug] == f"甲大学 ({2 + n})"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("query", ["", "?wg=campus", "?wg=regional"])
def test_initiative_feed_lists_only_public_published_initiatives(client, world, role, query):
    """The feed is public: members-only, draft and archived initiatives are never in it, whoever asks."""
    user = world.users[role]
    if user is not None:
        client.force_login(user)

    response = client.get(f"/ja/initiatives/feed/{query}")

    assert response.status_code == 200
    entries = feed_entries(response.content)
    expected_titles = [] if query == "?wg=regional" else ["同僚の太陽光発電", "公開の省エネ改修"]
    assert [title for title, _ in entries] == expected_titles
    body = response.content.decode()
    for hidden in (world.members_only, world.draft, world.archived):
        assert hidden.title not in body
        assert hidden.slug not in body


def test_members_only_initiative_detail_for_visitor_names_nothing_of_it(client, world):
    response = client.get(f"/ja/initiatives/{world.members_only.slug}/")
    assert (response.status_code, response["Location"]) == (302, f"{LOGIN_URL}?next=/ja/initiatives/alpha-members/")
    assert world.members_only.title not in response.content.decode()


def test_members_only_initiative_becomes_hidden_when_staff_institution_is_suspended(client, world):
    """Staff rights lapse with the membership: a suspended member's staff read like a visitor."""
    client.force_login(world.users["staff_b"])
    assert world.members_only.title in client.get("/ja/initiatives/").content.decode()
    Institution.objects.filter(pk=world.b.pk).update(status=Institution.Status.SUSPENDED)

    listing = client.get("/ja/initiatives/").content.decode()
    detail = client.get(f"/ja/initiatives/{world.members_only.slug}/")

    assert world.members_only.title not in listing
    assert detail.status_code == 404
