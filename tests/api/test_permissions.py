"""Permission matrix of the REST API: every endpoint against a visitor, tokens of staff of A and
of B, of the secretariat, and a revoked and an expired token (of A's staff).

A's members-only initiative, the members' and the group's meetings and A's draft are the data
that could leak; each row names what only those allowed may receive (the marker). A refusal is a
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
def world(settings):
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
}

COVERED_URL_NAMES = url_names(action.path for action in ACTIONS.values())

# Texts no refused answer may hold, whatever the action: the members-only and unpublished data.
NEVER_SHOWN = ("会員限定の取組", "下書きの取組", "会員限定の会合", "WG内の打合せ", "alpha-members", "alpha-draft")


@pytest.mark.parametrize(("action_name", "role", "outcome"), cells(ACTIONS, MATRIX, ROLES))
def test_api_endpoint_as_role_has_expected_outcome(client, world, action_name, role, outcome):
    action = ACTIONS[action_name]
    before = db_state()
    response = client.get(action.path(world), **world.headers(role))
    content = response.content.decode()
    marker = action.marker(world, world.users[role])
    if outcome == OK:
        assert response.status_code == 200
        assert marker in content
        return
    if outcome == HIDDEN:
        assert response.status_code == 200
        assert json.loads(content)["results"] is not None
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
