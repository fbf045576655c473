"""The visitors' page cache: served from Redis (or memory) until the content changes, and never
across the line between visitors and signed-in people."""

import datetime

import pytest
from django.utils import timezone

from members.models import Institution
from tests.factories import InstitutionFactory, UserFactory, WorkingGroupFactory, staff_of
from working_groups.models import Initiative
from working_groups.services import refresh_derived

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60


def publish(institution, title, visibility="public"):
    i = Initiative(institution=institution, slug=f"c-{Initiative.objects.count()}", title=title, summary="s",
                   body="b", prefecture="13", started_on=datetime.date(2025, 1, 1), status="published",
                   visibility=visibility, published_at=timezone.now())
    refresh_derived(i)
    i.save()
    i.themes.set([WorkingGroupFactory()])
    return i


def test_second_visit_is_served_from_the_cache(client):
    InstitutionFactory(name_ja="信州大学")
    first = client.get("/ja/members/")
    second = client.get("/ja/members/")
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert first.content == second.content
    assert second["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-Security-Policy" in second  # the headers of the rest of the stack still apply
    assert "信州大学" in second.content.decode()


def test_a_new_release_does_not_serve_what_the_previous_one_cached(client, settings):
    """A deploy changes the HTML (a fixed map, a new menu): pages and the fragments inside them that
    the previous code cached are not served by the new code, though no content changed."""
    InstitutionFactory(name_ja="信州大学")
    settings.RELEASE = "release-one"
    assert [client.get("/ja/members/")["X-Page-Cache"] for _ in range(2)] == ["miss", "hit"]
    settings.RELEASE = "release-two"
    assert client.get("/ja/members/")["X-Page-Cache"] == "miss"
    assert client.get("/ja/members/")["X-Page-Cache"] == "hit"


def test_a_write_shows_at_once(client):
    inst = InstitutionFactory()
    client.get("/ja/initiatives/")
    assert client.get("/ja/initiatives/")["X-Page-Cache"] == "hit"
    publish(inst, "新しく公開した取組")
    fresh = client.get("/ja/initiatives/")
    assert fresh["X-Page-Cache"] == "miss"
    assert "新しく公開した取組" in fresh.content.decode()
    Institution.objects.filter(pk=inst.pk).first().save()  # a member's change: the directory misses too
    client.get("/ja/members/")
    inst.name_ja = "改称した大学"
    inst.save()
    assert "改称した大学" in client.get("/ja/members/").content.decode()


def test_signed_in_people_never_get_the_visitors_page(client):
    client.get("/ja/")
    assert client.get("/ja/")["X-Page-Cache"] == "hit"
    client.force_login(UserFactory())
    response = client.get("/ja/")
    assert "X-Page-Cache" not in response
    assert "マイページ" in response.content.decode() and "ログアウト" in response.content.decode()


def test_members_only_content_never_reaches_the_visitors_cache(client):
    inst = InstitutionFactory()
    publish(inst, "会員限定の取組", visibility="members")
    client.force_login(staff_of(inst))
    assert "会員限定の取組" in client.get("/ja/initiatives/").content.decode()  # rendered for a member...
    client.logout()
    visitor = client.get("/ja/initiatives/")  # ...not stored for visitors
    assert visitor["X-Page-Cache"] == "miss"
    assert "会員限定の取組" not in visitor.content.decode()


def test_a_visitors_search_is_cached_and_a_new_initiative_shows_at_once(client):
    inst = InstitutionFactory()
    publish(inst, "太陽光発電の導入")
    assert client.get("/ja/initiatives/", {"q": "太陽光"})["X-Page-Cache"] == "miss"
    again = client.get("/ja/initiatives/", {"q": "太陽光"})
    assert again["X-Page-Cache"] == "hit" and "太陽光発電の導入" in again.content.decode()
    publish(inst, "太陽光パネルの共同購入")
    fresh = client.get("/ja/initiatives/", {"q": "太陽光"})
    assert fresh["X-Page-Cache"] == "miss" and "太陽光パネルの共同購入" in fresh.content.decode()


def test_the_site_search_is_cached_for_visitors_and_never_serves_members_only_results(client):
    def shown(response):
        return response.content.decode().replace("<mark>", "").replace("</mark>", "")

    inst = InstitutionFactory()
    publish(inst, "地熱の公開事例")
    publish(inst, "地熱の会員限定事例", visibility="members")
    query = {"q": "地熱", "kind": "initiatives"}
    client.force_login(staff_of(inst))
    member = client.get("/ja/search/", query)
    assert "X-Page-Cache" not in member and "地熱の会員限定事例" in shown(member)
    client.logout()
    first, second = client.get("/ja/search/", query), client.get("/ja/search/", query)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert "地熱の公開事例" in shown(second) and "地熱の会員限定事例" not in shown(second)
    publish(inst, "地熱の新しい事例")  # a write shows at once
    fresh = client.get("/ja/search/", query)
    assert fresh["X-Page-Cache"] == "miss" and "地熱の新しい事例" in shown(fresh)


@pytest.mark.parametrize(
    "query",
    [{"q": "太陽光", "utm_source": "x"}, {"q": "太陽光", "_": "123"}, {"q": "x" * 101}, {"q": ["太陽光", "風力"]}],
    ids=["unknown parameter", "cache buster", "very long value", "repeated parameter"],
)
def test_a_query_with_junk_parameters_is_computed_and_never_stored(client, query):
    client.get("/ja/initiatives/", query)
    second = client.get("/ja/initiatives/", query)
    assert second.status_code == 200 and "X-Page-Cache" not in second


def test_a_visitor_with_a_message_waiting_is_not_served_a_cached_page(client):
    client.get("/ja/")
    client.cookies["messages"] = "pending"
    assert "X-Page-Cache" not in client.get("/ja/")
