"""What the reviewers read above a need that is not on the board (found walking the secretariat's
review): the status is labelled, and a question or a reason follows it in brackets."""

import re

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def callout(page):
    return re.search(r'<p class="callout callout-warn">(.*?)</p>', page, re.S).group(1)


@pytest.mark.parametrize(("language", "status"), [("ja", "状態：審査待ち"), ("en", "Status: Submitted")])
def test_a_submitted_need_says_its_status_with_a_label(client, world, language, status):
    client.force_login(world.users["secretariat"])
    text = callout(client.get(f"/{language}/needs/{world.submitted.pk}/").content.decode())
    assert text.endswith(status), text


def test_a_returned_need_gives_the_question_after_the_status(client, world):
    client.force_login(world.users["secretariat"])
    text = callout(client.get(f"/ja/needs/{world.returned.pk}/").content.decode())
    assert "状態：" in text and text.endswith("（対象の施設はいくつですか。）"), text


def test_the_review_queue_says_what_its_date_is(client, world):
    """The queue showed a bare 2026-06-05 after each need; it is the day the need was submitted."""
    client.force_login(world.users["secretariat"])
    page = client.get("/ja/needs/review/").content.decode()
    when = timezone.localtime(world.submitted.confirmed_at)
    assert f"{when.year}年{when.month}月{when.day}日" in page and " 提出" in page
    assert when.strftime("%Y-%m-%d") not in page
    page = client.get("/en/needs/review/").content.decode()
    assert f"submitted {when:%a} {when.day} {when:%b %Y}" in page
