"""The API's behaviour beyond who sees what (tests/api/test_permissions.py): tokens, languages,
conditional GETs, pagination, bad input, rate limits and query counts."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.dissemination.services import news_create, news_publish
from meetings.models import AgendaItem
from members.audit.models import AuditEntry
from members.cache import NAMESPACES, bump
from members.models import AccessToken
from tests.api.world import expertise, initiative, need
from tests.factories import InstitutionFactory, MeetingFactory, WorkingGroupFactory, api_token, staff_of
from working_groups.cooperation.models import Expertise, Need, Partner
from working_groups.cooperation.services import partner_save
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


def test_guessing_tokens_is_throttled_per_address(client, world, settings):
    settings.API_RATE_FAILED_TOKEN = 3
    guesses = [get(client, "/api/v1/", f"cnp_abcdefgh_guess{n}").status_code for n in range(5)]
    assert guesses == [401, 401, 401, 429, 429]
    refused = get(client, "/api/v1/initiatives/", world.tokens["staff_a"])  # even a good one, this minute
    assert refused.status_code == 429 and int(refused["Retry-After"]) in range(1, 61)
    assert json.loads(refused.content) == {
        "detail": f"リクエストが多すぎます。{refused['Retry-After']}秒後にもう一度お試しください。"}
    assert client.get("/api/v1/").status_code == 200  # without a token: a visitor, counted as visitors are
    other = get(client, "/api/v1/initiatives/", world.tokens["staff_a"], REMOTE_ADDR="198.51.100.7")
    assert "alpha-members" in ids(other)


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


def test_a_new_release_answers_200_where_the_last_one_answered_304(client, world, settings):
    """The ETag comes from the rows before serializing: a deploy that changes what the serializers
    write from the same rows must not leave clients on the old answer."""
    settings.RELEASE = "release-1"
    etag = client.get("/api/v1/initiatives/")["ETag"]
    assert client.get("/api/v1/initiatives/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    settings.RELEASE = "release-2"
    assert client.get("/api/v1/initiatives/", HTTP_IF_NONE_MATCH=etag).status_code == 200


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


def test_partner_last_modified_follows_its_edits_not_its_creation(client, world):
    """Partners had no updated_at: their Last-Modified was their creation, so an edit never showed."""
    path = f"/api/v1/partners/{world.partner.slug}/"
    Partner.objects.filter(pk=world.partner.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30), updated_at=timezone.now() - datetime.timedelta(days=3))
    first = client.get(path)
    modified = first["Last-Modified"]
    assert (first.status_code, client.get(path, HTTP_IF_MODIFIED_SINCE=modified).status_code) == (200, 304)
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get("/api/v1/partners/", HTTP_IF_NONE_MATCH=client.get("/api/v1/partners/")["ETag"]
                      ).status_code == 304
    listed = client.get("/api/v1/partners/")
    partner_save(partner=world.partner, data={"name_en": "Midorino City Office"})
    changed = client.get(path, HTTP_IF_MODIFIED_SINCE=modified, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["Last-Modified"] != modified
    assert json.loads(changed.content)["name_en"] == "Midorino City Office"
    assert client.get("/api/v1/partners/", HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 200


def test_a_304_serializes_nothing(client, world, monkeypatch):
    """The ETag is computed from the rows as loaded, before serializing: a client that has the
    answer costs the queries only."""
    from coalition.api import serializers

    first = client.get("/api/v1/initiatives/")
    detail = client.get(f"/api/v1/initiatives/{world.public.slug}/")
    calls = []
    for cls in (serializers.InitiativeSerializer, serializers.InitiativeDetailSerializer):
        real = cls.to_representation
        monkeypatch.setattr(cls, "to_representation", lambda self, obj, real=real: calls.append(obj) or real(self, obj))
    assert client.get("/api/v1/initiatives/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(f"/api/v1/initiatives/{world.public.slug}/", HTTP_IF_NONE_MATCH=detail["ETag"]
                      ).status_code == 304
    assert calls == []
    assert client.get("/api/v1/initiatives/").status_code == 200
    assert calls  # the same answer, served in full, does serialize


def test_etag_changes_with_what_the_rows_show_from_related_rows(client, world):
    """An initiative shows its institution's name and a group its counts: changing those (not the
    row itself) is a new answer."""
    first = client.get("/api/v1/initiatives/?lang=en")
    world.a.name_en = "Alpha University of Technology"
    world.a.save(update_fields=["name_en"])
    again = client.get("/api/v1/initiatives/?lang=en", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and "Alpha University of Technology" in again.content.decode()
    group = client.get(f"/api/v1/working-groups/{world.group.slug}/")
    assert client.get(f"/api/v1/working-groups/{world.group.slug}/", HTTP_IF_NONE_MATCH=group["ETag"]
                      ).status_code == 304
    Participation.objects.create(group=world.group, institution=world.b, status="active")
    joined = client.get(f"/api/v1/working-groups/{world.group.slug}/", HTTP_IF_NONE_MATCH=group["ETag"])
    assert joined.status_code == 200 and json.loads(joined.content)["institutions"] == 2


def test_a_list_row_names_its_themes_in_the_groups_order_and_a_new_theme_is_a_new_answer(client, world):
    """The themes of a listed initiative are read beside the page (one query for all its rows): in
    the groups' order, whatever order they were given in, and a theme added to a row, which
    changes no column of the row itself, is a new answer, not a 304."""
    first = WorkingGroupFactory(slug="zz-first", order=0)
    world.group.order = 5
    world.group.save(update_fields=["order"])
    row = initiative(world.b, world.group, "beta-themed")
    listed = client.get("/api/v1/initiatives/?institution=univ-b")
    assert json.loads(listed.content)["results"][0]["themes"] == [world.group.slug]
    row.themes.add(first)
    again = client.get("/api/v1/initiatives/?institution=univ-b", HTTP_IF_NONE_MATCH=listed["ETag"])
    assert again.status_code == 200
    assert json.loads(again.content)["results"][0]["themes"] == ["zz-first", world.group.slug]
    detail = json.loads(client.get("/api/v1/initiatives/beta-themed/").content)
    assert detail["themes"] == ["zz-first", world.group.slug]  # the detail says the same
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/initiatives/?institution=univ-b", HTTP_IF_NONE_MATCH=again["ETag"])
    assert len(queries.captured_queries) <= 3  # the page, its themes (the 304 is decided from them)


def test_detail_etag_differs_by_caller(client, world):
    visitor = client.get(f"/api/v1/initiatives/{world.public.slug}/")
    staff = get(client, f"/api/v1/initiatives/{world.public.slug}/", world.tokens["staff_b"],
                HTTP_IF_NONE_MATCH=visitor["ETag"])
    assert staff.status_code == 200 and staff["ETag"] != visitor["ETag"]


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


def test_schema_describes_the_progress_figures_field_by_field(client, world):
    """The progress answers were a bare ``object`` in the schema: now each document, row and
    figure is described, and what callers on each side of the members line get fits it."""
    doc = json.loads(client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content)
    schemas = doc["components"]["schemas"]

    def schema_of(path):
        ref = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        return schemas[ref.rsplit("/", 1)[1]]

    types = {"integer": int, "number": (int, float), "string": str, "boolean": bool}

    def fits(value, schema):
        if value is None:
            return bool(schema.get("nullable"))
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        if "allOf" in schema:
            return all(fits(value, part) for part in schema["allOf"])
        kind = schema.get("type")
        if kind == "object" and "properties" in schema:
            return (set(schema.get("required", [])) <= set(value) <= set(schema["properties"])
                    and all(fits(v, schema["properties"][k]) for k, v in value.items()))
        if kind == "object":
            return all(fits(v, schema.get("additionalProperties", {})) for v in value.values())
        if kind == "array":
            return all(fits(v, schema["items"]) for v in value)
        return isinstance(value, types.get(kind, object))

    coalition = schema_of("/api/v1/progress/")
    assert {"filters", "unit", "years", "targets", "breakdowns", "latest_year"} <= set(coalition["properties"])
    institution = schema_of("/api/v1/institutions/{slug}/progress/")
    assert {"institution", "figures_shown", "commitment", "years"} <= set(institution["properties"])
    for token in (None, world.tokens["staff_b"]):
        for path, schema in (("/api/v1/progress/?region=chubu", coalition),
                             ("/api/v1/institutions/univ-a/progress/", institution)):
            assert fits(json.loads(get(client, path, token).content), schema), (path, token)


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
        elif name in ("partners", "needs"):
            number = Partner.objects.count()
            partner = Partner.objects.create(slug=f"grow-{number}", kind="company", name_ja=f"会社{number}")
            need(f"ニーズ{number}", WorkingGroupFactory(), Need.Status.PUBLISHED, partner=partner)
        elif name == "expertise":
            inst = InstitutionFactory()
            expertise(inst, staff_of(inst), "研究シーズ", WorkingGroupFactory(), Expertise.Visibility.MEMBERS)
        elif name == "news":
            sec = world.users["secretariat"]
            news_publish(item=news_create(by=sec, data={"kind": "news", "title_ja": "お知らせ", "body_ja": "本文"}),
                         by=sec)


@pytest.mark.parametrize("name", ["institutions", "working-groups", "initiatives", "meetings", "meeting-detail",
                                  "partners", "needs", "expertise", "news"])
def test_api_queries_do_not_grow_with_page_size(client, world, name):
    token = world.tokens["staff_a"]
    path = f"/api/v1/meetings/{world.public_meeting.pk}/" if name == "meeting-detail" \
        else f"/api/v1/{name}/?page_size=100&wg=campus" if name == "meetings" else f"/api/v1/{name}/?page_size=100"
    get(client, path, token)  # warm-up (content types, the first use of the token)
    bump(*NAMESPACES)  # both counted with the cached fragments (group counts) to compute again
    one, rows_one = _queries(client, path, token)
    _grow(world, name, 30)
    bump(*NAMESPACES)
    many, rows_many = _queries(client, path, token)
    if name != "meeting-detail":
        assert rows_many >= rows_one + 30
    else:
        assert len(json.loads(get(client, path, token).content)["agenda"]) == 31
    assert many == one, f"{path}: {one} queries before, {many} after adding 30 rows"


# ---------------------------------------------------------------------------------------------
# Partners, needs, expertise, news, progress: the pages' filters and what each caller gets
# ---------------------------------------------------------------------------------------------


def ids(response) -> list:
    assert response.status_code == 200, response.content
    return [row.get("slug", row.get("id")) for row in json.loads(response.content)["results"]]


def test_cooperation_and_news_filters_have_the_html_lists_names_and_values(client, world):
    this_year = world.need.year
    assert ids(client.get("/api/v1/partners/?kind=municipality&region=chubu&q=みどり")) == ["midorino-city"]
    assert ids(client.get("/api/v1/partners/?kind=company")) == []
    assert ids(client.get("/api/v1/needs/?wg=campus&prefecture=20&kind=joint-research")) == [world.need.pk]
    assert ids(client.get(f"/api/v1/needs/?region=chubu&year={this_year}&q=公開")) == [world.need.pk]
    assert ids(client.get("/api/v1/needs/?status=closed")) == []
    assert ids(client.get("/api/v1/needs/?status=all")) == [world.need.pk]  # never the one waiting for review
    assert ids(client.get("/api/v1/expertise/?institution=univ-a&region=chubu&q=地熱")) == [world.expertise.pk]
    assert ids(get(client, "/api/v1/expertise/?institution=univ-a&prefecture=20", world.tokens["staff_b"])) == \
        [world.expertise_members.pk, world.expertise.pk]
    assert ids(client.get("/api/v1/expertise/?wg=campus&prefecture=13")) == []
    assert ids(client.get(f"/api/v1/news/?kind=news&year={world.news.year}&q=公開")) == [world.news.slug]
    assert ids(client.get("/api/v1/news/?kind=statement")) == []


def test_need_shows_the_board_and_never_its_submitter(client, world):
    listed = json.loads(client.get("/api/v1/needs/?lang=en").content)["results"]
    assert listed == [{
        "id": world.need.pk, "title": "公開のニーズ", "language": "ja", "title_translated": "",
        "shown_title": "公開のニーズ", "kind": "joint-research", "kind_label": "Joint research",
        "status": "published", "status_label": listed[0]["status_label"], "themes": ["campus"], "prefecture": "20",
        "region": "chubu", "period": "", "partner": {"slug": "midorino-city", "name": "Midorino City"},
        "year": world.need.year, "published_at": listed[0]["published_at"], "updated_at": listed[0]["updated_at"],
        "url": listed[0]["url"]}]
    assert listed[0]["url"].endswith(f"/en/needs/{world.need.pk}/")
    detail = json.loads(client.get(f"/api/v1/needs/{world.need.pk}/").content)
    assert detail["description_html"] == "<p>公開のニーズの説明。</p>"
    assert not {"contact_email", "contact_name", "organisation", "reason"} & set(detail)


def test_news_and_partner_texts_are_in_the_requested_language(client, world):
    assert json.loads(client.get(f"/api/v1/news/{world.news.slug}/?lang=en").content)["title"] == "Public news"
    assert json.loads(client.get(f"/api/v1/news/{world.news.slug}/").content)["title"] == "公開のお知らせ"
    partner = json.loads(client.get("/api/v1/partners/midorino-city/?lang=en").content)
    assert (partner["name"], partner["name_ja"], partner["open_needs"]) == ("Midorino City", "みどり野市", 1)


def test_progress_figures_are_the_pages_json_for_each_side_of_the_members_line(client, world):
    visitor = json.loads(client.get("/api/v1/progress/").content)
    member = json.loads(get(client, "/api/v1/progress/?region=chubu", world.tokens["staff_b"]).content)
    assert visitor["years"] == [{"fiscal_year": 2023, "institutions": None, "suppressed": True}]
    assert member["filters"] == {"region": "chubu"}
    assert (member["years"][0]["scope1_t"], member["years"][0]["institutions"]) == (12345.6, 1)
    assert json.loads(get(client, "/ja/progress/?format=json&region=chubu", None).content)["years"] == \
        visitor["years"]  # the page's document, as the visitor sees it
    figures = json.loads(client.get("/api/v1/institutions/univ-a/progress/").content)
    assert figures == {"institution": "univ-a", "unit": "t-CO2e", "figures_shown": False, "commitment": None,
                       "years": []}
    shown = json.loads(get(client, "/api/v1/institutions/univ-a/progress/", world.tokens["staff_b"]).content)
    assert shown["commitment"]["target_year"] == 2050
    assert [(r["fiscal_year"], r["scope1_2_t"]) for r in shown["years"]] == [(2023, 35802.3)]


def test_progress_filter_with_a_bad_value_is_a_400_that_names_it(client, world):
    response = client.get("/api/v1/progress/?region=atlantis&lang=en")
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "region": ["Select a valid choice. atlantis is not one of the available choices."]}


# ---------------------------------------------------------------------------------------------
# Bad input, each with the answer it gets (not only "no 5xx")
# ---------------------------------------------------------------------------------------------

LISTS = ["institutions", "working-groups", "initiatives", "meetings", "partners", "needs", "expertise", "news"]
CURSOR_INVALID = {"cursor": ["このカーソルは無効です。ページの next または previous のリンクをたどってください。"]}


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("cursor", [
    "abc",  # not base64
    "cD1ub3QtYS1kYXRl",  # p=not-a-date (a valid position where the list is ordered by a name)
    "bz05OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ==",  # o=9999999999999999999999: an offset past any integer
    "cj0xJm89LTU=",  # r=1&o=-5: a negative offset
])
def test_bad_cursor_is_a_400_that_says_so_on_every_list(client, world, name, cursor):
    response = client.get(f"/api/v1/{name}/?cursor={cursor}")
    if cursor == "cD1ub3QtYS1kYXRl" and name in ("institutions", "partners"):
        assert isinstance(ids(response), list)  # a string is a position among names: a page from there
        return
    if cursor == "bz05OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ==":
        assert ids(response) == []  # the offset is capped (1000): past the end, an empty page
        return
    assert (response.status_code, json.loads(response.content)) == (400, CURSOR_INVALID)


def test_nul_byte_anywhere_in_the_query_is_a_400(client, world):
    for query in ("cursor=%00", "q=a%00b", "lang=%00"):
        response = client.get(f"/api/v1/needs/?{query}")
        assert (response.status_code, json.loads(response.content)) == (
            400, {"detail": "アドレスにNUL文字が含まれています。"})


@pytest.mark.parametrize(("path", "errors"), [
    ("/api/v1/needs/?wg=nowhere", {"wg": ["そのワーキンググループはありません。一覧から選んでください。"]}),
    ("/api/v1/expertise/?institution=nowhere", {"institution": ["その機関はありません。一覧から選んでください。"]}),
    ("/api/v1/news/?kind=gossip", {"kind": ["正しく選択してください。 gossip は候補にありません。"]}),
    ("/api/v1/needs/?status=lost", {"status": ["正しく選択してください。 lost は候補にありません。"]}),
    ("/api/v1/partners/?prefecture=99", {"prefecture": ["正しく選択してください。 99 は候補にありません。"]}),
    ("/api/v1/expertise/?year=1800", {"year": ["正しく選択してください。 1800 は候補にありません。"]}),
    ("/api/v1/partners/?q=" + "x" * 101,
     {"q": ["この値は 100 文字以下でなければなりません( 101 文字になっています)。"]}),
])
def test_bad_filter_is_a_400_naming_the_parameter_in_the_callers_language(client, world, path, errors):
    response = client.get(path)
    assert (response.status_code, json.loads(response.content)) == (400, errors)


def test_unknown_lang_is_ignored_for_accept_language_then_japanese(client, world):
    path = f"/api/v1/news/{world.news.slug}/"
    for lang in ("fr", "EN", "", "ja-JP", "x" * 500):
        response = client.get(f"{path}?lang={lang}")
        assert (response.status_code, response["Content-Language"]) == (200, "ja"), lang
        assert json.loads(response.content)["title"] == "公開のお知らせ"
    header = client.get(f"{path}?lang=fr", HTTP_ACCEPT_LANGUAGE="en")
    assert (header["Content-Language"], json.loads(header.content)["title"]) == ("en", "Public news")
    # the news page's lang=en ("has English") is not a filter on the API: it chooses the language
    assert ids(client.get("/api/v1/news/?lang=en")) == [world.news.slug]


def test_page_size_is_capped_at_100_and_nonsense_is_the_default(client, world):
    sec = world.users["secretariat"]
    for n in range(120):
        news_publish(item=news_create(by=sec, data={"kind": "news", "title_ja": f"お知らせ{n}", "body_ja": "本"}),
                     by=sec)
    for size, expected in (("100000", 100), ("999999999999999999999999", 100), ("-1", 20), ("0", 20),
                           ("1e3", 20), ("seven", 20), ("7", 7)):
        assert len(ids(client.get(f"/api/v1/news/?page_size={size}"))) == expected, size


@pytest.mark.parametrize(("header", "detail"), [
    ("Bearer", "「Bearer 」の後にトークンだけを指定してください。"),
    ("Bearer a b", "「Bearer 」の後にトークンだけを指定してください。"),
    ("Bearer cnp_nothing", "トークンが無効か、期限切れか、取り消されています。"),
    ("Bearer " + "x" * 10_000, "トークンが無効か、期限切れか、取り消されています。"),
    ("bearer cnp_abcdefgh_0000", "トークンが無効か、期限切れか、取り消されています。"),  # the scheme in any case
])
def test_bad_token_is_a_401_that_says_what_is_wrong(client, world, header, detail):
    response = client.get("/api/v1/initiatives/", HTTP_AUTHORIZATION=header)
    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Bearer")
    assert json.loads(response.content) == {"detail": detail}
    assert "alpha-members" not in response.content.decode()


def test_token_of_another_scheme_is_a_visitor(client, world):
    # "Basic ..." or "Token ..." is not ours (a proxy's or another service's): the visitor's view
    response = client.get("/api/v1/initiatives/", HTTP_AUTHORIZATION=f"Token {world.tokens['staff_a']}")
    assert ids(response) == ["alpha-public"]


@pytest.mark.parametrize("path", ["/api/v1/needs/abc/", "/api/v1/expertise/1.5/", "/api/v1/meetings/-1/",
                                  "/api/v1/needs/99999999999999999999/", "/api/v1/meetings/abc/",
                                  "/api/v1/news/nowhere/", "/api/v1/partners/nowhere/",
                                  "/api/v1/institutions/nowhere/progress/"])
def test_unknown_object_is_a_404_in_json(client, world, path):
    response = client.get(path)
    assert response.status_code == 404
    assert json.loads(response.content) == {"detail": "見つからないか、閲覧する権限がありません。"}


@pytest.mark.parametrize("name", ["partners", "needs", "expertise", "news", "progress"])
def test_writing_a_read_only_endpoint_is_a_405(client, world, name):
    response = client.post(f"/api/v1/{name}/", {}, HTTP_AUTHORIZATION=f"Bearer {world.tokens['secretariat']}")
    assert response.status_code == 405
    assert json.loads(response.content) == {"detail": "メソッド \"POST\" は許されていません。"}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_search_list_rows_are_what_the_generic_serializer_gives(world, lang):
    """The initiatives' list rows are written out by hand (coalition/api/serializers.py, for speed):
    field for field what DRF's generic walk gives, in both languages, with dates, decimals, an end
    date left empty, a translation and none."""
    from django.utils import translation
    from rest_framework import serializers as drf

    from coalition.api.serializers import InitiativeSerializer

    world.public.co2_reduction, world.public.capacity_kw = "12.50", "3.0"
    world.public.ended_on = datetime.date(2025, 3, 31)
    world.public.save()
    initiative(world.a, world.group, "english-one", language="en", title="Solar roofs", summary="On every roof")
    rows = list(Initiative.objects.select_related("institution").prefetch_related("themes").order_by("pk"))
    with translation.override(lang):
        fast = InitiativeSerializer(rows, many=True).data
        generic = [drf.ModelSerializer.to_representation(InitiativeSerializer(), row) for row in rows]
    assert json.loads(json.dumps(fast, default=str)) == json.loads(json.dumps(generic, default=str))
    assert [row["ended_on"] for row in fast if row["slug"] == "alpha-public"] == ["2025-03-31"]
