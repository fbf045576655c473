"""What the reviewers read above a need that is not on the board (found walking the secretariat's
review): the status is labelled, and a question or a reason follows it in brackets."""

import re

import pytest

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
