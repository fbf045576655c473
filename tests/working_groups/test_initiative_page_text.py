"""What an initiative's page says in its byline and empty sections (found walking the journeys)."""

import re

import pytest

from tests.factories import staff_of
from tests.working_groups.test_initiatives import campus, make, shinshu  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def byline(page):
    return re.search(r'<p class="meta"[^>]*><a href="/ja/members/shinshu/">.*?</p>', page, re.S).group(0)


def test_a_drafts_byline_does_not_end_in_a_dangling_separator(client, campus, shinshu):  # noqa: F811
    author = staff_of(shinshu)
    draft = make(shinshu, campus, status="draft", author=author)
    client.force_login(author)
    line = byline(client.get(f"/ja/initiatives/{draft.slug}/").content.decode())
    assert line.endswith("長野県</p>"), line


def test_a_published_initiative_says_when_after_one_separator(client, campus, shinshu):  # noqa: F811
    published = make(shinshu, campus, visibility="members")
    client.force_login(staff_of(shinshu))
    line = byline(client.get(f"/ja/initiatives/{published.slug}/").content.decode())
    assert "長野県 · " in line and "公開" in line and " ·  · " not in line and "会員限定" in line


def test_an_initiative_nobody_adopted_says_so_instead_of_adopted_by_zero(client, campus, shinshu):  # noqa: F811
    initiative = make(shinshu, campus)
    page = client.get(f"/ja/initiatives/{initiative.slug}/").content.decode()
    assert '<h2 id="adoptions-title">他機関での導入</h2>' in page
    assert "この取組を導入したと記録した機関はまだありません。" in page and "0機関が導入" not in page
    page = client.get(f"/en/initiatives/{initiative.slug}/").content.decode()
    assert "No institution has recorded adopting it yet." in page and "Adopted by 0" not in page
