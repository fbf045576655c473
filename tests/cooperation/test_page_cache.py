"""Visitors get the cooperation pages from the page cache (coalition/middleware.py) until a need,
partner, expertise entry or offer of help changes; signed-in people never get the visitors' copy."""

import pytest

from tests.factories import UserFactory
from working_groups.cooperation import services

from .conftest import make_need

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60


@pytest.mark.parametrize("path", ["/ja/needs/", "/en/needs/?status=all&wg=regional&prefecture=20", "/ja/partners/",
                                  "/ja/partners/midorino/", "/ja/expertise/", "/ja/needs/feed/"])
def test_a_visitor_second_visit_is_served_from_the_cache(client, world, path):
    first, second = client.get(path), client.get(path)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert first.content == second.content


def test_a_need_page_is_cached_and_a_decision_shows_at_once(client, world):
    path = f"/ja/needs/{world.published.pk}/"
    assert [client.get(path)["X-Page-Cache"] for _ in range(2)] == ["miss", "hit"]
    assert [client.get("/ja/needs/")["X-Page-Cache"] for _ in range(2)] == ["miss", "hit"]
    services.need_publish(need=world.submitted, by=world.users["secretariat"])
    board = client.get("/ja/needs/")
    assert board["X-Page-Cache"] == "miss" and world.submitted.title in board.content.decode()
    services.need_close(need=world.published, by=world.users["secretariat"])
    page = client.get(path)
    assert page["X-Page-Cache"] == "miss" and '<span class="badge">終了</span>' in page.content.decode()


def test_signed_in_people_and_reviewers_never_get_the_visitors_copy(client, world):
    path = f"/ja/needs/{world.submitted.pk}/"
    client.force_login(world.users["secretariat"])
    reviewer = client.get(path)
    assert "X-Page-Cache" not in reviewer and world.submitted.contact_email in reviewer.content.decode()
    client.force_login(UserFactory())
    assert "X-Page-Cache" not in client.get("/ja/needs/")
    client.logout()
    waiting = client.get(path)  # waiting for review: a visitor is asked to sign in, nothing is stored
    assert waiting.status_code == 302 and "/accounts/login/" in waiting["Location"]
    assert "X-Page-Cache" not in client.get(path)
    assert make_need(title="新しい課題", themes=[world.group]).title in client.get("/ja/needs/").content.decode()
