"""What the initiative list says when a search finds nothing or cannot be run: not "no initiative
yet", and never the whole list as if unfiltered."""

import html

import pytest

from tests.factories import InstitutionFactory, WorkingGroupFactory, staff_of
from tests.working_groups.test_permissions import make_initiative

pytestmark = pytest.mark.django_db


@pytest.fixture
def initiative():
    a = InstitutionFactory(slug="univ-a")
    return make_initiative(institution=a, author=staff_of(a), slug="solar", title="屋上太陽光発電",
                           body="本文", themes=[WorkingGroupFactory()])


def test_search_without_a_match_says_nothing_matches(client, initiative):
    page = client.get("/ja/initiatives/?q=存在しない語").content.decode()

    assert "条件に合う取組事例はありません。" in page
    assert "取組事例はまだありません。" not in page


def test_search_over_100_characters_shows_its_error_and_lists_nothing(client, initiative):
    page = html.unescape(client.get("/ja/initiatives/?q=" + "あ" * 101).content.decode())

    assert "100 文字以下" in page
    assert initiative.title not in page
    assert "0件の取組事例" in page


def test_list_without_filters_still_lists_everything(client, initiative):
    assert initiative.title in client.get("/ja/initiatives/").content.decode()
