"""The API's behaviour beyond who sees what (tests/api/test_permissions.py): tokens, languages,
conditional GETs, pagination, bad input, rate limits and query counts."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.models import AgendaItem
from members.audit.models import AuditEntry
from members.models import AccessToken
from tests.api.world import initiative
from tests.factories import InstitutionFactory, MeetingFactory, WorkingGroupFactory, api_token
from working_groups.models import Initiative, Participation

pytestmark = pytest.mark.django_db


def get(client, path, token=None, **headers):
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.get(path, **headers)


# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------


def test_token_created_on_account_page_is_shown_once_and_stored_hashed(client, world):
    client.force_login(world.users["staff_b"])
    response = client.post("/ja/account/tokens/", {"token-name": "研究室の集計", "token-days": "30"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = re.search(r'value="(cnp_[^"]+)"', response.content.decode()).group(1)
    row = AccessToken.objects.get(name="研究室の集計")
    assert row.digest != raw and raw not in (row.prefix, row.digest)
    assert raw.startswith(f"cnp_{row.prefix}_")
    assert (row.expires_at - timezone.now()).days in (29, 30)
    account = client.get("/ja/account/").content.decode()
    assert "研究室の集計" in account and row.prefix in account
    assert raw not in account
    # the token works, as its person: B's staff see A's members-only initiative
    listed = json.loads(get(client, "/api/v1/initiatives/", raw).content)
    assert "alpha-members" in [r["slug"] for r in listed["results"]]
    assert list(AuditEntry.objects.filter(action="token.create", object_id=row.pk)
                .values_list("actor__email", "detail__name")) == [("staff@beta.example.ac.jp", "研究室の集計")]


def test_token_revoked_on_account_page_stops_working_at_once(client, world):
    raw = api_token(world.users["staff_b"], name="nightly")
    token = AccessToken.objects.get(name="nightly")
    assert get(client, "/api/v1/", raw).status_code == 200
    client.force_login(world.users["staff_b"])
    response = client.post(f"/ja/account/tokens/{token.pk}/revoke/")
    assert (response.status_code, response["Location"]) == (302, "/ja/account/#tokens")
    client.logout()
    assert get(client, "/api/v1/", raw).status_code == 401
    assert AuditEntry.objects.filter(action="token.revoke", object_id=token.pk).count() == 1
    client.force_login(world.users["staff_b"])
    row = client.get("/ja/account/").content.decode().split("nightly", 1)[1].split("</tr>", 1)[0]
    assert "取り消し済み" in row and "取り消す" not in row


def test_token_of_deactivated_person_is_refused(client, world):
    raw = world.tokens["staff_b"]
    user = world.users["staff_b"]
    user.is_active = False
    user.save()
    assert get(client, "/api/v1/initiatives/", raw).status_code == 401


def test_token_form_refuses_empty_name_and_unknown_expiry_in_japanese(client, world):
    client.force_login(world.users["staff_b"])
    before = AccessToken.objects.count()
    response = client.post("/ja/account/tokens/", {"token-name": "  ", "token-days": "3650"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "トークンは作成されませんでした。" in content
    assert "このフィールドは必須です。" in content  # Django's wording, as on every other form
    assert "正しく選択してください。 3650 は候補にありません。" in content
    assert AccessToken.objects.count() == before


def test_token_use_is_recorded_at_most_once_a_minute(client, world):
    raw = world.tokens["staff_b"]
    get(client, "/api/v1/", raw)
    first = AccessToken.objects.get(user=world.users["staff_b"]).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as ctx:
        get(client, "/api/v1/", raw)
    assert not any(q["sql"].startswith("UPDATE") for q in ctx.captured_queries)


def test_malformed_authorization_header_is_a_401(client, world):
    response = client.get("/api/v1/", HTTP_AUTHORIZATION="Bearer two words")
    assert response.status_code == 401
    assert json.loads(response.content) == {"detail": "「Bearer 」の後にトークンだけを指定してください。"}
    forged = world.tokens["staff_a"][:-4] + "AAAA"
    assert get(client, "/api/v1/", forged).status_code == 401


def test_tokens_are_rate_limited_per_token_and_visitors_per_address(client, world, settings):
    settings.API_RATE_TOKEN = 3
    settings.API_RATE_VISITOR = 2
    statuses = [get(client, "/api/v1/", world.tokens["staff_a"]).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert get(client, "/api/v1/", world.tokens["staff_b"]).status_code == 200  # another token: its own count
    # a header the client writes does not make it someone else
    assert [client.get("/api/v1/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)] \
        == [200, 200, 429]
    refused = client.get("/api/v1/")
    assert int(refused["Retry-After"]) > 0
    assert json.loads(refused.content) == {
        "detail": f"リクエストが多すぎます。{refused['Retry-After']}秒後にもう一度お試しください。"}


# ---------------------------------------------------------------------------------------------
# Language
# ---------------------------------------------------------------------------------------------


def test_language_from_lang_parameter_or_accept_language(client, world):
    ja = json.loads(client.get("/api/v1/initiatives/alpha-public/").content)
    en = json.loads(client.get("/api/v1/initiatives/alpha-public/?lang=en").content)
    header = client.get("/api/v1/initiatives/alpha-public/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert (ja["title"], en["title"], json.loads(header.content)["title"]) == \
        ("公開の取組", "Public initiative", "Public initiative")
    assert (en["title_ja"], en["title_en"], en["summary_en"]) == ("公開の取組", "Public initiative", "An open summary.")
    assert en["institution"]["name"] == "Alpha University" and ja["institution"]["name"] == "甲大学"
    assert en["url"].endswith("/en/initiatives/alpha-public/") and ja["url"].endswith("/ja/initiatives/alpha-public/")
    assert header["Content-Language"] == "en"
    # ?lang= wins over the header
    assert json.loads(client.get("/api/v1/initiatives/alpha-public/?lang=ja",
                                 HTTP_ACCEPT_LANGUAGE="en").content)["title"] == "公開の取組"


def test_untranslated_text_falls_back_to_the_other_language(client, world):
    en = json.loads(client.get("/api/v1/initiatives/alpha-members/?lang=en",
                               HTTP_AUTHORIZATION=f"Bearer {world.tokens['staff_b']}").content)
    assert (en["title"], en["title_en"]) == ("会員限定の取組", "")


def test_errors_are_in_the_requested_language(client, world):
    ja = json.loads(client.get("/api/v1/initiatives/?wg=nowhere").content)
    en = json.loads(client.get("/api/v1/initiatives/?wg=nowhere&lang=en").content)
    assert ja == {"wg": ["正しく選択してください。選択したものは候補にありません。"]}
    assert en == {"wg": ["Select a valid choice. That choice is not one of the available choices."]}
    assert json.loads(client.get("/api/v1/initiatives/nowhere/?lang=en").content) == \
        {"detail": "Not found, or you may not see it."}


# ---------------------------------------------------------------------------------------------
# Filters and pagination
# ---------------------------------------------------------------------------------------------


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row.get("slug", row.get("id")) for row in json.loads(response.content)["results"]]


def test_filters_have_the_html_lists_names_and_values(client, world):
    other = WorkingGroupFactory(slug="energy")
    initiative(world.b, other, "beta-solar", title="太陽光発電の導入")
    assert slugs(client.get("/api/v1/initiatives/?wg=energy")) == ["beta-solar"]
    assert slugs(client.get("/api/v1/initiatives/?q=陽光発")) == ["beta-solar"]
    assert slugs(client.get("/api/v1/initiatives/?prefecture=20")) == ["alpha-public"]
    assert slugs(client.get("/api/v1/initiatives/?region=kanto")) == ["beta-solar"]
    assert slugs(client.get("/api/v1/initiatives/?institution=univ-b")) == ["beta-solar"]
    assert slugs(client.get("/api/v1/initiatives/?year=2023")) == ["beta-solar", "alpha-public"]
    assert slugs(client.get("/api/v1/institutions/?wg=campus")) == ["univ-a"]
    assert slugs(client.get("/api/v1/institutions/?q=おつ")) == ["univ-b"]
    assert slugs(client.get("/api/v1/institutions/?prefecture=13&kind=national")) == ["univ-b"]
    assert slugs(client.get("/api/v1/meetings/?wg=campus&format=online")) == [world.public_meeting.pk]
    assert slugs(client.get("/api/v1/meetings/?when=past")) == []


def test_cursor_pagination_walks_every_row_once(client, world):
    for n in range(5):
        initiative(world.b, world.group, f"walk-{n}")
    seen, path = [], "/api/v1/initiatives/?page_size=2"
    while path:
        page = json.loads(client.get(path).content)
        seen += [r["slug"] for r in page["results"]]
        path = page["next"] and page["next"].split("testserver")[-1].split("localhost:8000")[-1]
    assert sorted(seen) == sorted(["alpha-public", *(f"walk-{n}" for n in range(5))])
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("query", [
    "cursor=%00&page=abc", "cursor=abc", "cursor=cD0yMDI2", "cursor=cD1ub3QtYS1kYXRl",  # p=not-a-date
    "cursor=bz05OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ==",  # o=huge
    "q=" + "x" * 101, "year=1800", "prefecture=99", "region=atlantis", "wg=%E2%80%8B",
])
def test_hostile_or_bad_query_is_a_4xx_never_a_500(client, world, query):
    for name in ("institutions", "working-groups", "initiatives", "meetings"):
        response = client.get(f"/api/v1/{name}/?{query}")
        assert 200 <= response.status_code < 500, (name, query, response.status_code)
    assert client.get(f"/api/v1/initiatives/?{query}").status_code in (200, 400)


def test_damaged_cursor_is_a_400_that_says_so(client, world):
    response = client.get("/api/v1/initiatives/?cursor=cD1ub3QtYS1kYXRl")
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "cursor": ["このカーソルは無効です。ページの next または previous のリンクをたどってください。"]}


def test_page_size_that_is_not_a_number_is_the_default(client, world):
    for n in range(25):
        initiative(world.b, world.group, f"many-{n}")
    assert len(slugs(client.get("/api/v1/initiatives/?page_size=abc"))) == 20
    assert len(slugs(client.get("/api/v1/initiatives/?page_size=5000"))) == 26  # at most 100


# ---------------------------------------------------------------------------------------------
# Conditional GET
# ---------------------------------------------------------------------------------------------


def test_conditional_get_answers_304_until_the_data_changes(client, world):
    first = client.get("/api/v1/initiatives/")
    etag, modified = first["ETag"], first["Last-Modified"]
    again = client.get("/api/v1/initiatives/", HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert client.get("/api/v1/initiatives/", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    Initiative.objects.filter(pk=world.public.pk).update(title="改題", updated_at=timezone.now()
                                                          + datetime.timedelta(seconds=2))
    changed = client.get("/api/v1/initiatives/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "改題" in changed.content.decode()


def test_etag_differs_for_callers_who_see_different_rows(client, world):
    visitor = client.get("/api/v1/initiatives/")
    staff = get(client, "/api/v1/initiatives/", world.tokens["staff_b"], HTTP_IF_NONE_MATCH=visitor["ETag"])
    assert staff.status_code == 200
    assert "alpha-members" in staff.content.decode()
    assert "Authorization" in staff["Vary"] and staff["Cache-Control"] == "private, no-cache"


def test_detail_304_with_etag(client, world):
    path = f"/api/v1/meetings/{world.public_meeting.pk}/"
    first = client.get(path)
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(path + "?lang=en", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


# ---------------------------------------------------------------------------------------------
# Schema and docs
# ---------------------------------------------------------------------------------------------


def test_schema_is_openapi_3_json_on_request_and_documents_every_list(client, world):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response["Content-Type"].startswith("application/json")
    doc = json.loads(response.content)
    assert doc["openapi"].startswith("3.")
    assert {"/api/v1/initiatives/", "/api/v1/institutions/", "/api/v1/working-groups/", "/api/v1/meetings/",
            "/api/v1/meetings/{id}/"} <= set(doc["paths"])
    params = {p["name"] for p in doc["paths"]["/api/v1/initiatives/"]["get"]["parameters"]}
    assert {"q", "wg", "region", "prefecture", "institution", "year", "cursor", "lang"} <= params
    assert doc["components"]["securitySchemes"]["personalAccessToken"]["scheme"] == "bearer"


def test_docs_load_only_from_our_own_static_files(client, world):
    content = client.get("/api/v1/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', content)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "<script>" not in content and "<style>" not in content  # the CSP forbids inline code
    for source in sources:
        assert client.get(source).status_code == 200, source


# ---------------------------------------------------------------------------------------------
# Query counts: a page of 30 rows costs what a page of one does
# ---------------------------------------------------------------------------------------------


def _queries(client, path, token) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = get(client, path, token)
    assert response.status_code == 200
    return len(ctx), len(json.loads(response.content).get("results", [None]))


def _grow(world, name, n):
    for _ in range(n):
        if name == "institutions":
            inst = InstitutionFactory()
            Participation.objects.create(group=world.group, institution=inst, status="active")
        elif name == "working-groups":
            WorkingGroupFactory(coordinators=[InstitutionFactory()])
        elif name == "initiatives":
            inst = InstitutionFactory()
            initiative(inst, WorkingGroupFactory(), f"grow-{Initiative.objects.count()}", visibility="members")
        elif name in ("meetings", "meeting-detail"):
            meeting = world.public_meeting if name == "meeting-detail" else MeetingFactory(group=world.group)
            AgendaItem.objects.create(meeting=meeting, time="11:00", item_ja="議題", item_en="Item")


@pytest.mark.parametrize("name", ["institutions", "working-groups", "initiatives", "meetings", "meeting-detail"])
def test_api_queries_do_not_grow_with_page_size(client, world, name):
    token = world.tokens["staff_a"]
    path = f"/api/v1/meetings/{world.public_meeting.pk}/" if name == "meeting-detail" \
        else f"/api/v1/{name}/?page_size=100&wg=campus" if name == "meetings" else f"/api/v1/{name}/?page_size=100"
    get(client, path, token)  # warm-up (content types, the first use of the token)
    one, rows_one = _queries(client, path, token)
    _grow(world, name, 30)
    many, rows_many = _queries(client, path, token)
    if name != "meeting-detail":
        assert rows_many >= rows_one + 30
    else:
        assert len(json.loads(get(client, path, token).content)["agenda"]) == 31
    assert many == one, f"{path}: {one} queries before, {many} after adding 30 rows"
