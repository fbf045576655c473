"""Permission matrix of the REST API: every endpoint against a visitor, tokens of staff of A and
of B, of the secretariat, and a revoked and an expired token (of A's staff).

A's members-only initiative, the members' and the group's meetings, A's draft, the members-only
expertise, the need waiting for review, the secretariat's news draft and A's members-only progress
figures are the data that could leak; each row names what only those allowed may receive (the marker). A refusal is a
404 for what the caller may not see (as on the pages), a 401 for a token that no longer works; a
list a caller may read but not wholly see answers without the hidden rows (HIDDEN).
"""

import json

import pytest

from members.models import AccessToken
from tests.api.world import ROLES, build_world
from tests.permissions import NF, OK, Action, cells
from tests.url_names import url_names
from working_groups.models import Initiative

pytestmark = pytest.mark.django_db

HIDDEN = "hidden"  # 200, without the marker
UNAUTHORISED = U = "401"


@pytest.fixture
def world(module_world):
    return module_world


def make_world(media):
    """Built once for the module (tests/conftest.py, ``_module_world``): each test gets a copy."""
    return build_world()


def db_state() -> dict:
    """What a reading caller could change: nothing but a token's last use."""
    return {"initiatives": sorted(Initiative.objects.values_list("pk", "status", "updated_at")),
            "tokens": sorted(AccessToken.objects.values_list("pk", "revoked_at"))}


ACTIONS = {
    "root": Action(path=lambda w: "/api/v1/", marker=lambda w, u: "/api/v1/initiatives/"),
    "schema": Action(path=lambda w: "/api/v1/schema/", marker=lambda w, u: "/api/v1/initiatives/{slug}/"),
    "docs": Action(path=lambda w: "/api/v1/docs/", marker=lambda w, u: "swagger-ui-bundle.js"),
    "institutions": Action(path=lambda w: "/api/v1/institutions/", marker=lambda w, u: '"slug":"univ-a"'),
    "institutions_suspended": Action(path=lambda w: "/api/v1/institutions/?q=停止",
                                     marker=lambda w, u: "univ-s"),
    "institution": Action(path=lambda w: "/api/v1/institutions/univ-a/", marker=lambda w, u: '"campus"'),
    "institution_suspended": Action(path=lambda w: "/api/v1/institutions/univ-s/",
                                    marker=lambda w, u: "Suspended University"),
    "groups": Action(path=lambda w: "/api/v1/working-groups/", marker=lambda w, u: '"coordinators":["univ-a"]'),
    "group": Action(path=lambda w: "/api/v1/working-groups/campus/", marker=lambda w, u: '"institutions":1'),
    "initiatives": Action(path=lambda w: "/api/v1/initiatives/", marker=lambda w, u: "alpha-members"),
    "initiatives_search": Action(path=lambda w: "/api/v1/initiatives/?q=会員限定",
                                 marker=lambda w, u: "alpha-members"),
    "initiative_public": Action(path=lambda w: "/api/v1/initiatives/alpha-public/",
                                marker=lambda w, u: "Public initiative"),
    "initiative_members": Action(path=lambda w: "/api/v1/initiatives/alpha-members/",
                                 marker=lambda w, u: "会員限定の取組"),
    "initiative_draft": Action(path=lambda w: "/api/v1/initiatives/alpha-draft/",
                               marker=lambda w, u: "下書きの取組"),
    "meetings": Action(path=lambda w: "/api/v1/meetings/", marker=lambda w, u: "会員限定の会合"),
    "meetings_group": Action(path=lambda w: "/api/v1/meetings/?wg=campus", marker=lambda w, u: "WG内の打合せ"),
    "meeting_public": Action(path=lambda w: f"/api/v1/meetings/{w.public_meeting.pk}/",
                             marker=lambda w, u: '"item_en":"Opening"'),
    "meeting_members": Action(path=lambda w: f"/api/v1/meetings/{w.members_meeting.pk}/",
                              marker=lambda w, u: "会員限定の会合"),
    "meeting_group": Action(path=lambda w: f"/api/v1/meetings/{w.group_meeting.pk}/",
                            marker=lambda w, u: "WG内の打合せ"),
    "partners": Action(path=lambda w: "/api/v1/partners/", marker=lambda w, u: '"open_needs":1'),
    "partner": Action(path=lambda w: "/api/v1/partners/midorino-city/", marker=lambda w, u: "Midorino City"),
    "needs": Action(path=lambda w: "/api/v1/needs/", marker=lambda w, u: "公開のニーズ"),
    "needs_all": Action(path=lambda w: "/api/v1/needs/?status=all", marker=lambda w, u: "審査待ちのニーズ"),
    "need": Action(path=lambda w: f"/api/v1/needs/{w.need.pk}/", marker=lambda w, u: "公開のニーズの説明。"),
    "need_waiting": Action(path=lambda w: f"/api/v1/needs/{w.need_waiting.pk}/",
                           marker=lambda w, u: "審査待ちのニーズ"),
    "expertise": Action(path=lambda w: "/api/v1/expertise/", marker=lambda w, u: "会員限定の研究シーズ"),
    "expertise_search": Action(path=lambda w: "/api/v1/expertise/?q=会員限定",
                               marker=lambda w, u: "会員限定の研究シーズ"),
    "expertise_public": Action(path=lambda w: f"/api/v1/expertise/{w.expertise.pk}/",
                               marker=lambda w, u: "公開の研究シーズの紹介。"),
    "expertise_members": Action(path=lambda w: f"/api/v1/expertise/{w.expertise_members.pk}/",
                                marker=lambda w, u: "会員限定の研究シーズ"),
    "news": Action(path=lambda w: "/api/v1/news/", marker=lambda w, u: "公開のお知らせ"),
    "news_drafts": Action(path=lambda w: "/api/v1/news/?q=下書き", marker=lambda w, u: "下書きのお知らせ"),
    "news_item": Action(path=lambda w: f"/api/v1/news/{w.news.slug}/", marker=lambda w, u: "Public news"),
    "news_draft": Action(path=lambda w: f"/api/v1/news/{w.news_draft.slug}/", marker=lambda w, u: "下書きのお知らせ"),
    "progress": Action(path=lambda w: "/api/v1/progress/", marker=lambda w, u: '"scope1_t":12345.6'),
    "institution_progress": Action(path=lambda w: "/api/v1/institutions/univ-a/progress/",
                                   marker=lambda w, u: '"scope1_t":12345.6'),
    "institution_progress_suspended": Action(path=lambda w: "/api/v1/institutions/univ-s/progress/",
                                             marker=lambda w, u: '"institution":"univ-s"'),
}

H = HIDDEN
MATRIX = {
    #                          visitor staff_a staff_b secr revoked expired
    "root":                    (OK,    OK,     OK,     OK,  U,      U),
    "schema":                  (OK,    OK,     OK,     OK,  OK,     OK),
    "docs":                    (OK,    OK,     OK,     OK,  OK,     OK),
    "institutions":            (OK,    OK,     OK,     OK,  U,      U),
    "institutions_suspended":  (H,     H,      H,      H,   U,      U),
    "institution":             (OK,    OK,     OK,     OK,  U,      U),
    "institution_suspended":   (NF,    NF,     NF,     OK,  U,      U),
    "groups":                  (OK,    OK,     OK,     OK,  U,      U),
    "group":                   (OK,    OK,     OK,     OK,  U,      U),
    "initiatives":             (H,     OK,     OK,     OK,  U,      U),
    "initiatives_search":      (H,     OK,     OK,     OK,  U,      U),
    "initiative_public":       (OK,    OK,     OK,     OK,  U,      U),
    "initiative_members":      (NF,    OK,     OK,     OK,  U,      U),
    "initiative_draft":        (NF,    OK,     NF,     OK,  U,      U),
    "meetings":                (H,     OK,     OK,     OK,  U,      U),
    "meetings_group":          (H,     OK,     H,      OK,  U,      U),
    "meeting_public":          (OK,    OK,     OK,     OK,  U,      U),
    "meeting_members":         (NF,    OK,     OK,     OK,  U,      U),
    "meeting_group":           (NF,    OK,     NF,     OK,  U,      U),
    "partners":                (OK,    OK,     OK,     OK,  U,      U),
    "partner":                 (OK,    OK,     OK,     OK,  U,      U),
    "needs":                   (OK,    OK,     OK,     OK,  U,      U),
    "needs_all":               (H,     H,      H,      H,   U,      U),
    "need":                    (OK,    OK,     OK,     OK,  U,      U),
    "need_waiting":            (NF,    NF,     NF,     OK,  U,      U),
    "expertise":               (H,     OK,     OK,     OK,  U,      U),
    "expertise_search":        (H,     OK,     OK,     OK,  U,      U),
    "expertise_public":        (OK,    OK,     OK,     OK,  U,      U),
    "expertise_members":       (NF,    OK,     OK,     OK,  U,      U),
    "news":                    (OK,    OK,     OK,     OK,  U,      U),
    "news_drafts":             (H,     H,      H,      H,   U,      U),
    "news_item":               (OK,    OK,     OK,     OK,  U,      U),
    "news_draft":              (NF,    NF,     NF,     OK,  U,      U),
    "progress":                (H,     OK,     OK,     OK,  U,      U),
    "institution_progress":    (H,     OK,     OK,     OK,  U,      U),
    "institution_progress_suspended": (NF, NF, NF,     OK,  U,      U),
}

COVERED_URL_NAMES = url_names(action.path for action in ACTIONS.values())

# Texts no refused answer may hold, whatever the action: the members-only and unpublished data.
NEVER_SHOWN = ("会員限定の取組", "下書きの取組", "会員限定の会合", "WG内の打合せ", "alpha-members", "alpha-draft",
               "会員限定の研究シーズ", "審査待ちのニーズ", "下書きのお知らせ", "12345.6",
               # the expertise's contact person: only members see them, on the page
               "staff@alpha.example.ac.jp")
# Who submitted a need: on no answer of the API, whoever asks (the board never shows them).
NEVER_ON_THE_API = ("official@town.example.jp", "市役所 花子")


@pytest.mark.parametrize(("action_name", "role", "outcome"), cells(ACTIONS, MATRIX, ROLES))
def test_api_endpoint_as_role_has_expected_outcome(client, world, action_name, role, outcome):
    action = ACTIONS[action_name]
    before = db_state()
    response = client.get(action.path(world), **world.headers(role))
    content = response.content.decode()
    marker = action.marker(world, world.users[role])
    for text in NEVER_ON_THE_API:
        assert text not in content
    if outcome == OK:
        assert response.status_code == 200
        assert marker in content
        return
    if outcome == HIDDEN:
        assert response.status_code == 200
        assert json.loads(content)
    elif outcome == NF:
        assert response.status_code == 404
        assert json.loads(content) == {"detail": "見つからないか、閲覧する権限がありません。"}
    else:
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
        assert json.loads(content) == {"detail": "トークンが無効か、期限切れか、取り消されています。"}
    assert marker not in content
    if outcome != HIDDEN or role == "visitor":
        for text in NEVER_SHOWN:
            assert text not in content
    assert db_state() == before
