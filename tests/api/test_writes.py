"""Initiative drafts through the API: who may write what (the HTML forms' permissions), the form's
validation with nothing saved on refusal, and the same services (a revision per change)."""

import json

import pytest

from tests.api.world import ROLES
from tests.factories import api_token, secretariat_user
from working_groups.models import Initiative, InitiativeRevision

pytestmark = pytest.mark.django_db

BODY = {"title": "APIで書いた取組", "summary": "概要です。", "body": "## 本文\n\n**太字**", "themes": ["campus"],
        "started_on": "2024-04-01", "visibility": "members",
        "links": [{"label": "計画", "url": "https://alpha.example.ac.jp/plan"}]}


def send(client, method, path, body, token):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return getattr(client, method)(path, json.dumps(body), content_type="application/json", **headers)


def state():
    return (sorted(Initiative.objects.values_list("pk", "slug", "status", "summary", "updated_at")),
            InitiativeRevision.objects.count())


# who: visitor, staff_a, staff_b, secretariat, revoked, expired (tests/api/world.py)
CREATE = (401, 201, 201, 403, 401, 401)  # a draft for one's own institution; the secretariat belongs to none
PATCH_A_DRAFT = (401, 200, 404, 200, 401, 401)  # the HTML edit permission: author, contact, secretariat
PATCH_A_PUBLISHED = (401, 403, 403, 403, 401, 401)  # drafts only: publishing is decided on the site


@pytest.mark.parametrize(("role", "expected"), list(zip(ROLES, CREATE, strict=True)))
def test_create_draft_as_role(client, world, role, expected):
    before = state()
    response = send(client, "post", "/api/v1/initiatives/", BODY, world.tokens.get(role))
    assert response.status_code == expected, response.content
    if expected != 201:
        assert state() == before
        return
    shown = json.loads(response.content)
    created = Initiative.objects.get(slug=shown["slug"])
    own = world.a if role == "staff_a" else world.b
    assert (created.status, created.institution, created.author, created.visibility) == \
        ("draft", own, world.users[role], "members")
    assert shown["body_html"] == "<h2>本文</h2>\n<p><strong>太字</strong></p>"
    assert shown["links"] == [{"label": "計画", "url": "https://alpha.example.ac.jp/plan"}]
    assert list(created.revisions.values_list("action", "editor")) == [("create", world.users[role].pk)]
    # a draft is not listed, even to its author, and is not public
    listed = client.get("/api/v1/initiatives/", HTTP_AUTHORIZATION=f"Bearer {world.tokens[role]}")
    assert shown["slug"] not in listed.content.decode()


@pytest.mark.parametrize(("role", "expected"), list(zip(ROLES, PATCH_A_DRAFT, strict=True)))
def test_patch_draft_as_role(client, world, role, expected):
    before = state()
    response = send(client, "patch", "/api/v1/initiatives/alpha-draft/", {"summary": "書き直した概要"},
                    world.tokens.get(role))
    assert response.status_code == expected, response.content
    world.draft.refresh_from_db()
    if expected != 200:
        assert state() == before
        assert "下書きの取組" not in response.content.decode()
        return
    assert (world.draft.summary, world.draft.title, world.draft.status) == ("書き直した概要", "下書きの取組", "draft")
    assert list(world.draft.themes.values_list("slug", flat=True)) == ["campus"]  # unchanged fields keep their values
    revision = world.draft.revisions.get()
    assert revision.changes == {"summary": ["alpha-draft の概要", "書き直した概要"]}


@pytest.mark.parametrize(("role", "expected"), list(zip(ROLES, PATCH_A_PUBLISHED, strict=True)))
def test_patch_published_as_role_is_refused(client, world, role, expected):
    before = state()
    response = send(client, "patch", "/api/v1/initiatives/alpha-public/", {"summary": "x"}, world.tokens.get(role))
    assert response.status_code == expected
    assert state() == before


def test_contact_of_a_may_patch_a_colleague_s_draft_as_on_the_site(client, world):
    from tests.factories import staff_of

    contact = staff_of(world.a, role="contact", email="contact@alpha.example.ac.jp")
    response = send(client, "patch", "/api/v1/initiatives/alpha-draft/", {"title": "連絡担当が直した題"},
                    api_token(contact))
    assert response.status_code == 200
    assert json.loads(response.content)["title"] == "連絡担当が直した題"


def test_refused_body_names_each_field_in_japanese_and_saves_nothing(client, world):
    before = state()
    body = {**BODY, "themes": ["nowhere"], "started_on": "1800-01-01", "visibility": "everyone", "colour": "red"}
    response = send(client, "post", "/api/v1/initiatives/", body, world.tokens["staff_a"])
    assert response.status_code == 400
    assert json.loads(response.content) == {"colour": ["この項目は存在しないか、APIからは書き込めません。"]}
    del body["colour"]
    errors = json.loads(send(client, "post", "/api/v1/initiatives/", body, world.tokens["staff_a"]).content)
    assert set(errors) == {"themes", "started_on", "visibility"}
    assert errors["started_on"] == ["開始日は1990年から10年後までの日付にしてください。"]
    en = send(client, "post", "/api/v1/initiatives/?lang=en", {**body, "themes": ["campus"], "visibility": "public"},
              world.tokens["staff_a"])
    assert json.loads(en.content) == {"started_on": ["Give a start date between 1990 and ten years from now."]}
    assert state() == before


def test_staff_cannot_write_for_another_institution(client, world):
    before = state()
    response = send(client, "post", "/api/v1/initiatives/", {**BODY, "institution": "univ-a"}, world.tokens["staff_b"])
    assert response.status_code == 400
    assert json.loads(response.content) == {"institution": ["所属機関のいずれかのスラッグを指定してください：univ-b。"]}
    moved = send(client, "patch", "/api/v1/initiatives/alpha-draft/", {"institution": "univ-b"},
                 world.tokens["staff_a"])
    assert json.loads(moved.content) == {"institution": ["取組の機関は変更できません。"]}
    assert state() == before


@pytest.mark.parametrize("body", [[], "text", {"themes": "campus"}, {"links": "https://x"}, {"title": {"ja": "x"}}])
def test_malformed_json_bodies_are_400(client, world, body):
    before = state()
    response = send(client, "patch", "/api/v1/initiatives/alpha-draft/", body, world.tokens["staff_a"])
    assert response.status_code == 400
    assert state() == before


def test_put_and_delete_are_not_offered(client, world):
    token = world.tokens["staff_a"]
    assert send(client, "put", "/api/v1/initiatives/alpha-draft/", BODY, token).status_code == 405
    assert send(client, "delete", "/api/v1/initiatives/alpha-draft/", {}, token).status_code == 405
    assert send(client, "post", "/api/v1/initiatives/alpha-draft/", BODY, token).status_code == 405


def test_secretariat_without_two_factor_cannot_write(client, world):
    token = api_token(secretariat_user(two_factor=False, email="new-desk@coalition.example.org"))
    assert send(client, "patch", "/api/v1/initiatives/alpha-draft/", {"summary": "x"}, token).status_code == 404
