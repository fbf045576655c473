"""Permission matrix of the general meeting's decisions: every role against every protected action
(see the session and its motions, a draft, how each institution voted; draft, edit, put on the
agenda, open and close voting, withdraw, attach a document, upload a new version of one or remove
it (not once the motion is decided); vote; designate a proxy).

Institution A has a representative, plain staff and a proxy the representative named for the
session; B has its own representative; a cooperating institution's representative speaks but does
not vote; S is suspended. The session is for members only. A refused POST changes nothing (motions,
votes, proxies, resolutions, documents, groups, audit, outbox) and sends no mail.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from meetings.governance import services
from meetings.governance.models import Motion, MotionDocument, Proxy, Resolution, Vote
from meetings.models import Meeting
from members.audit.models import AuditEntry
from members.models import Affiliation, Institution
from members.notifications.models import Notification
from tests.factories import InstitutionFactory, UserFactory, WorkingGroupFactory, secretariat_user, staff_of
from tests.permissions import LOGIN, NF, OK, TF, Action, Outcome, cells, check_cell
from tests.url_names import url_names
from working_groups.models import WorkingGroup

pytestmark = pytest.mark.django_db

ROLES = ["visitor", "user", "staff_a", "rep_a", "proxy_a", "rep_b", "coop_rep", "secretariat",
         "secretariat_no_2fa", "rep_suspended"]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PDF_V2 = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Version 2 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TEXTS = {
    "draft": "下書き段階の議案本文です。",
    "agenda": "議事日程に載った議案本文です。",
    "voting": "表決中の議案本文です。",
    "decided": "可決された議案本文です。",
    "proposal": "甲大学が提案した議案本文です。",
    "created": "新しいWGを設置する議案本文です。",
}


@dataclass
class World:
    a: Institution
    b: Institution
    session: Meeting
    users: dict
    motions: dict
    colleague: object
    documents: dict


@pytest.fixture
def world(module_world):
    return module_world


def make_world(media):
    """Built once for the module (tests/conftest.py, ``_module_world``): each test gets a copy."""
    general = WorkingGroupFactory(tier=WorkingGroup.Tier.GENERAL, slug="general-meeting", name_ja="総会",
                                  name_en="General meeting")
    a = InstitutionFactory(name_ja="甲大学")
    b = InstitutionFactory(name_ja="乙大学")
    coop = InstitutionFactory(name_ja="丙株式会社", category=Institution.Category.COOPERATING,
                              kind=Institution.Kind.COMPANY)
    suspended = InstitutionFactory(name_ja="己大学", status=Institution.Status.SUSPENDED)
    rep = Affiliation.Role.REPRESENTATIVE
    users = {
        "visitor": None,
        "user": UserFactory(),
        "staff_a": staff_of(a),
        "rep_a": staff_of(a, role=rep),
        "proxy_a": staff_of(a, name="代理 花子"),
        "rep_b": staff_of(b, role=rep),
        "coop_rep": staff_of(coop, role=rep),
        "secretariat": secretariat_user(),
        "secretariat_no_2fa": secretariat_user(two_factor=False),
        "rep_suspended": staff_of(suspended, role=rep),
    }
    start = timezone.now() + datetime.timedelta(days=20)
    session = Meeting.objects.create(kind="general", group=general, title_ja="第7回総会", starts_at=start,
                                     ends_at=start + datetime.timedelta(hours=2), visibility="members")
    sec = users["secretariat"]
    services.proxy_designate(session=session, institution=a, holder=users["proxy_a"], by=users["rep_a"])
    motions = {}
    for status, text in TEXTS.items():
        if status == "proposal":
            motions[status] = services.motion_propose(by=users["rep_a"], session=session, institution=a, data={
                "title_ja": "甲大学の提案", "text_ja": text, "kind": "other"})
            continue
        extra = {"kind": "group_create", "group_slug": "new-theme", "group_name_ja": "新テーマWG"} \
            if status == "created" else {"kind": "other"}
        motion = services.motion_create(by=sec, session=session, data={
            "title_ja": f"{status}の議案", "text_ja": text, **extra})
        if status != "draft":
            services.motion_put_on_agenda(motion=motion, by=sec)
        if status in ("voting", "decided", "created"):
            services.motion_open_voting(motion=motion, by=sec)
        if status in ("decided", "created"):
            services.vote_cast(motion=motion, institution=b, by=users["rep_b"], choice="for")
            services.vote_cast(motion=motion, institution=a, by=users["rep_a"], choice="for")
            services.motion_close_voting(motion=motion, by=sec)
        motions[status] = Motion.objects.get(pk=motion.pk)
    documents = {key: services.motion_document_add(motion=motions[key], by=sec, title=f"{key}の議案資料",
                                                   upload=SimpleUploadedFile("annex.pdf", PDF, "application/pdf"))
                 for key in ("agenda", "decided")}
    Notification.objects.all().delete()
    return World(a=a, b=b, session=session, users=users, motions=motions, colleague=staff_of(a, name="同僚 次郎"),
                 documents=documents)


def db_state(media_root) -> dict:
    return {
        "motions": sorted(Motion.objects.values_list("pk", "status", "title_ja", "text_ja", "voting_closes_at",
                                                     "withdrawn_reason", "updated_at")),
        "votes": sorted(Vote.objects.values_list("pk", "motion_id", "institution_id", "choice", "version")),
        "proxies": sorted(Proxy.objects.values_list("pk", "institution_id", "holder_id")),
        "resolutions": sorted(Resolution.objects.values_list("pk", "motion_id")),
        "documents": sorted(MotionDocument.objects.values_list("pk", "motion_id", "title", "version_of_id", "size")),
        "groups": sorted(WorkingGroup.objects.values_list("pk", "status")),
        "audit": AuditEntry.objects.count(),
        "outbox": Notification.objects.count(),
        "files": sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file()),
    }


def m(w, key):
    return f"/ja/motions/{w.motions[key].pk}/"


def doc(w, key):
    return f"{m(w, key)}documents/{w.documents[key].pk}/"


def fresh(w, key):
    return Motion.objects.get(pk=w.motions[key].pk)


ACTIONS = {
    "list_get": Action(path=lambda w: "/ja/general-meeting/", marker=lambda w, u: "最高意思決定機関"),
    "open_group_post": Action(path=lambda w: f"{m(w, 'created')}open-group/", data=lambda w, u: {},
                              done=lambda w, u: WorkingGroup.objects.get(slug="new-theme").status == "active",
                              success_url=lambda w, u: m(w, "created")),
    "session_get": Action(path=lambda w: f"/ja/general-meeting/{w.session.pk}/", marker=lambda w, u: "votingの議案"),
    "draft_listed_get": Action(path=lambda w: f"/ja/general-meeting/{w.session.pk}/",
                               marker=lambda w, u: "draftの議案"),
    "draft_get": Action(path=lambda w: m(w, "draft"), marker=lambda w, u: TEXTS["draft"]),
    "agenda_get": Action(path=lambda w: m(w, "agenda"), marker=lambda w, u: TEXTS["agenda"]),
    "decided_get": Action(path=lambda w: m(w, "decided"), marker=lambda w, u: TEXTS["decided"]),
    "votes_get": Action(path=lambda w: m(w, "decided"), marker=lambda w, u: "各機関の表決"),
    "running_count_get": Action(path=lambda w: m(w, "voting"), marker=lambda w, u: "現在までの表決"),
    "new_motion_get": Action(path=lambda w: f"/ja/general-meeting/{w.session.pk}/motions/new/",
                             marker=lambda w, u: 'name="text_ja"'),
    "new_motion_post": Action(
        path=lambda w: f"/ja/general-meeting/{w.session.pk}/motions/new/",
        data=lambda w, u: {"kind": "statement", "title_ja": "新しい声明", "text_ja": "声明本文",
                           "proposer": "secretariat"},
        done=lambda w, u: Motion.objects.filter(title_ja="新しい声明", status="draft").count() == 1,
        success_url=lambda w, u: Motion.objects.get(title_ja="新しい声明").get_absolute_url()),
    "edit_post": Action(
        path=lambda w: f"{m(w, 'draft')}edit/",
        data=lambda w, u: {"kind": "other", "title_ja": "改めた議案", "text_ja": TEXTS["draft"],
                           "proposer": "secretariat"},
        done=lambda w, u: fresh(w, "draft").title_ja == "改めた議案", success_url=lambda w, u: m(w, "draft")),
    "agenda_post": Action(path=lambda w: f"{m(w, 'draft')}agenda/", data=lambda w, u: {},
                          done=lambda w, u: fresh(w, "draft").status == "agenda",
                          success_url=lambda w, u: m(w, "draft")),
    "open_post": Action(path=lambda w: f"{m(w, 'agenda')}open/", data=lambda w, u: {"closes_at": ""},
                        done=lambda w, u: fresh(w, "agenda").status == "voting",
                        success_url=lambda w, u: m(w, "agenda")),
    "close_post": Action(path=lambda w: f"{m(w, 'voting')}close/", data=lambda w, u: {},
                         done=lambda w, u: fresh(w, "voting").status == "rejected",
                         success_url=lambda w, u: m(w, "voting")),
    "withdraw_post": Action(path=lambda w: f"{m(w, 'voting')}withdraw/", data=lambda w, u: {"reason": "取り下げ"},
                            done=lambda w, u: fresh(w, "voting").status == "withdrawn",
                            success_url=lambda w, u: m(w, "voting")),
    "document_post": Action(
        path=lambda w: f"{m(w, 'agenda')}documents/",
        data=lambda w, u: {"title": "議案資料", "file": SimpleUploadedFile("annex.pdf", PDF, "application/pdf")},
        done=lambda w, u: MotionDocument.objects.filter(title="議案資料").count() == 1,
        success_url=lambda w, u: m(w, "agenda")),
    "document_version_get": Action(path=lambda w: f"{doc(w, 'agenda')}version/",
                                   marker=lambda w, u: "「agendaの議案資料」の新しい版"),
    "document_version_post": Action(
        path=lambda w: f"{doc(w, 'agenda')}version/",
        data=lambda w, u: {"file": SimpleUploadedFile("annex-v2.pdf", PDF_V2, "application/pdf")},
        done=lambda w, u: MotionDocument.objects.filter(version_of=w.documents["agenda"], size=len(PDF)).count() == 1,
        success_url=lambda w, u: f"{m(w, 'agenda')}#documents"),
    "document_remove_get": Action(path=lambda w: f"{doc(w, 'agenda')}remove/",
                                  marker=lambda w, u: "「agendaの議案資料」を削除しますか？"),
    "document_remove_post": Action(
        path=lambda w: f"{doc(w, 'agenda')}remove/", data=lambda w, u: {"reason": "差し替えのため"},
        done=lambda w, u: not MotionDocument.objects.filter(motion=w.motions["agenda"]).exists(),
        success_url=lambda w, u: f"{m(w, 'agenda')}#documents"),
    # a decided motion's papers are the record of what was voted on: no new version, no removal
    "decided_document_version_get": Action(path=lambda w: f"{doc(w, 'decided')}version/",
                                           marker=lambda w, u: "「decidedの議案資料」の新しい版"),
    "decided_document_remove_post": Action(
        path=lambda w: f"{doc(w, 'decided')}remove/", data=lambda w, u: {"reason": "差し替えのため"},
        done=lambda w, u: not MotionDocument.objects.filter(motion=w.motions["decided"]).exists(),
        success_url=lambda w, u: f"{m(w, 'decided')}#documents"),
    "propose_get": Action(path=lambda w: f"/ja/general-meeting/{w.session.pk}/motions/propose/",
                          marker=lambda w, u: 'name="text_ja"'),
    "propose_post": Action(
        path=lambda w: f"/ja/general-meeting/{w.session.pk}/motions/propose/",
        data=lambda w, u: {"kind": "other", "title_ja": "会員からの提案", "text_ja": "提案本文",
                           "institution": (w.b if u is not None and u.affiliations.filter(institution=w.b).exists()
                                           else w.a).pk},
        done=lambda w, u: Motion.objects.filter(title_ja="会員からの提案", status="draft", proposer="member",
                                                created_by=u).count() == 1,
        success_url=lambda w, u: Motion.objects.get(title_ja="会員からの提案").get_absolute_url()),
    "proposal_get": Action(path=lambda w: m(w, "proposal"), marker=lambda w, u: TEXTS["proposal"]),
    "return_post": Action(path=lambda w: f"{m(w, 'proposal')}return/", data=lambda w, u: {"reason": "時期尚早"},
                          done=lambda w, u: fresh(w, "proposal").status == "returned",
                          success_url=lambda w, u: m(w, "proposal")),
    "vote_for_a_post": Action(
        path=lambda w: f"{m(w, 'voting')}vote/", data=lambda w, u: {"institution": w.a.pk, "choice": "against"},
        done=lambda w, u: Vote.objects.filter(motion=w.motions["voting"], institution=w.a, choice="against",
                                              cast_by=u).count() == 1,
        success_url=lambda w, u: m(w, "voting")),
    "proxy_for_a_post": Action(
        path=lambda w: f"/ja/general-meeting/{w.session.pk}/proxy/",
        data=lambda w, u: {"institution": w.a.pk, "holder": w.colleague.pk},
        done=lambda w, u: Proxy.objects.filter(institution=w.a, holder=w.colleague).count() == 1,
        success_url=lambda w, u: f"/ja/general-meeting/{w.session.pk}/"),
}

HIDDEN = "hidden"  # the page, without what the marker shows (check_cell asserts its absence)
MEMBERS = (LOGIN, NF, OK, OK, OK, OK, OK, OK, TF, NF)
SEEN_BY_SECRETARIAT = (LOGIN, NF, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, TF, NF)
SECRETARIAT = (LOGIN, NF, NF, NF, NF, NF, NF, OK, TF, NF)
NOBODY = (LOGIN, NF, NF, NF, NF, NF, NF, NF, TF, NF)

MATRIX = {
    # action              visitor user staff_a rep_a proxy_a rep_b coop_rep secretariat sec_no_2fa rep_suspended
    "list_get": (OK,) * 10,
    "open_group_post": SECRETARIAT,
    "session_get": MEMBERS,
    "draft_listed_get": SEEN_BY_SECRETARIAT,
    "draft_get": SECRETARIAT,
    "agenda_get": MEMBERS,
    "decided_get": MEMBERS,
    "votes_get": MEMBERS,  # how each institution voted: members only (the tally is for all who see it)
    "running_count_get": SEEN_BY_SECRETARIAT,  # the count while voting is open: the chair's
    "new_motion_get": SECRETARIAT,
    "new_motion_post": SECRETARIAT,
    "edit_post": SECRETARIAT,
    "agenda_post": SECRETARIAT,
    "open_post": SECRETARIAT,
    "close_post": SECRETARIAT,
    "withdraw_post": SECRETARIAT,
    "document_post": SECRETARIAT,
    "document_version_get": SECRETARIAT,
    "document_version_post": SECRETARIAT,
    "document_remove_get": SECRETARIAT,
    "document_remove_post": SECRETARIAT,
    "decided_document_version_get": NOBODY,
    "decided_document_remove_post": NOBODY,
    # proposing: the contacts and representatives of voting institutions (staff_a is plain staff; the
    # cooperating institution does not vote); A's proposal is seen by A's contacts and the secretariat
    "propose_get": (LOGIN, NF, NF, OK, NF, OK, NF, NF, TF, NF),
    "propose_post": (LOGIN, NF, NF, OK, NF, OK, NF, NF, TF, NF),
    "proposal_get": (LOGIN, NF, NF, OK, NF, NF, NF, OK, TF, NF),
    "return_post": SECRETARIAT,
    # A's vote: its representative or its proxy, no one else (not B's representative, not the chair)
    "vote_for_a_post": (LOGIN, NF, NF, OK, OK, NF, NF, NF, TF, NF),
    # A's proxy: its representative alone
    "proxy_for_a_post": (LOGIN, NF, NF, OK, NF, NF, NF, NF, TF, NF),
}


# The URL names the matrix requests (tests/coalition/test_security.py checks every pattern is in one).
COVERED_URL_NAMES = url_names(action.path for action in ACTIONS.values())


@pytest.mark.parametrize(("action_name", "role", "outcome"), cells(ACTIONS, MATRIX, ROLES))
def test_governance_action_as_role_has_expected_outcome(client, world, deliver, tmp_path, action_name, role,
                                                        outcome):
    check_cell(client, world, action=ACTIONS[action_name], user=world.users[role], outcome=outcome,
               state=lambda: db_state(tmp_path), deliver=deliver, outcomes={HIDDEN: Outcome(_hidden)})


def _hidden(response, content, world, user):
    assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_session_list_shows_a_members_only_session_to_those_who_see_it(client, world, role):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    page = client.get("/ja/general-meeting/").content.decode()
    assert ("第7回総会" in page) == (MEMBERS[ROLES.index(role)] == OK)


def test_motion_document_is_served_to_those_who_see_the_motion(client, world):
    motion = world.motions["agenda"]
    document = services.motion_document_add(motion=motion, by=world.users["secretariat"], title="資料",
                                            upload=SimpleUploadedFile("annex.pdf", PDF, "application/pdf"))
    url = document.file.url
    assert client.get(url).status_code == 302  # sign in
    client.force_login(world.users["user"])
    assert client.get(url).status_code == 404
    client.force_login(world.users["staff_a"])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
