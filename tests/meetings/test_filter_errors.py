"""Bogus filter values on the meetings list: a sentence that says what is wrong, in the page's
language, not Django's raw 「正しく選択してください」."""

import html

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("lang", "query", "message"), [
    ("ja", "?wg=nope", "そのワーキンググループはありません。一覧から選んでください。"),
    ("ja", "?format=bogus", "その開催形式はありません。一覧から選んでください。"),
    ("en", "?wg=nope", "There is no such working group: choose one from the list."),
    ("en", "?format=bogus", "There is no such format: choose one from the list."),
])
def test_meeting_list_with_bogus_filter_says_what_is_wrong(client, lang, query, message):
    page = html.unescape(client.get(f"/{lang}/meetings/{query}").content.decode())

    assert message in page
    assert "正しく選択してください" not in page
    assert "Select a valid choice" not in page
