"""Needs and expertise in two languages: written in one with an optional version in the other;
the board, the pages and the API show the reader's language and fall back to the original with
the note and its ``lang``."""

import pytest
from django.utils import timezone

from working_groups.cooperation.models import Expertise, Need

from .conftest import make_expertise, make_need
from .test_workflow import form_data

pytestmark = pytest.mark.django_db

NOTE_EN = '<p class="callout fallback-note">This content is available in Japanese only.</p>'
NOTE_JA = '<p class="callout fallback-note">この内容は英語のみです。</p>'


def expertise_form(world, **changes):
    return {"institution": world.a.pk, "title": "地熱利用の研究", "description": "地熱の研究室です。",
            "keywords": "地熱", "themes": [world.group.pk], "nationwide": "on", "language_list": ["ja"],
            "visibility": "public", **changes}


def test_a_need_sent_with_its_english_version_shows_each_reader_their_language(client, world, deliver):
    with deliver():
        response = client.post("/ja/needs/new/", form_data(
            world, title_translated="Energy audits of public buildings",
            description_translated="We would like an energy audit of the city's public buildings."))
    assert response.status_code == 302
    need = Need.objects.get(title="公共施設の省エネ診断")
    assert (need.language, need.title_translated) == ("ja", "Energy audits of public buildings")
    need.status, need.published_at = Need.Status.PUBLISHED, timezone.now()
    need.save()

    english = client.get(f"/en/needs/{need.pk}/").content.decode()
    assert '<h1 lang="en">Energy audits of public buildings</h1>' in english
    assert "<p>We would like an energy audit of the city&#x27;s public buildings.</p>" in english \
        or "<p>We would like an energy audit of the city's public buildings.</p>" in english
    assert "fallback-note" not in english and "市の公共施設の省エネ診断" not in english
    japanese = client.get(f"/ja/needs/{need.pk}/").content.decode()
    assert '<h1 lang="ja">公共施設の省エネ診断</h1>' in japanese and "Energy audits" not in japanese
    board = client.get("/en/needs/").content.decode()
    assert 'lang="en">Energy audits of public buildings</a>' in board
    # found by its English words too
    assert "Energy audits of public buildings" in client.get("/en/needs/?q=audit").content.decode()


def test_the_need_form_asks_for_the_other_language_of_its_page(client, world):
    assert "Title in Japanese (optional)" in client.get("/en/needs/new/").content.decode()
    assert "タイトル（英語・任意）" in client.get("/ja/needs/new/").content.decode()


def test_a_need_in_japanese_only_is_read_in_english_with_the_note_and_lang(client, world):
    need = make_need(title="森林資源の活用", themes=[world.group])
    english = client.get(f"/en/needs/{need.pk}/").content.decode()
    assert NOTE_EN in english
    assert '<article lang="ja">' in english and '<h1 lang="ja">森林資源の活用</h1>' in english
    assert 'lang="ja">森林資源の活用</a>' in client.get("/en/needs/").content.decode()


def test_expertise_written_in_english_with_a_japanese_version_and_without(client, world):
    staff = world.users["staff_a"]
    client.force_login(staff)
    response = client.post("/en/expertise/new/", expertise_form(
        world, language="en", title="Geothermal heat", description="Our lab measures geothermal heat.",
        title_translated="地熱の利用", description_translated="地熱を測る研究室です。"))
    assert response.status_code == 302
    entry = Expertise.objects.get(title="Geothermal heat")
    assert (entry.language, entry.description_translated_html) == ("en", "<p>地熱を測る研究室です。</p>")
    client.logout()
    japanese = client.get(f"/ja/expertise/{entry.pk}/").content.decode()
    assert '<h1 lang="ja">地熱の利用</h1>' in japanese
    assert '<div class="prose" lang="ja"><p>地熱を測る研究室です。</p></div>' in japanese and NOTE_JA not in japanese
    english = client.get(f"/en/expertise/{entry.pk}/").content.decode()
    assert '<h1 lang="en">Geothermal heat</h1>' in english and "地熱の利用" not in english
    assert 'lang="ja">地熱の利用</a>' in client.get("/ja/expertise/").content.decode()

    entry.title_translated = entry.description_translated = entry.description_translated_html = ""
    entry.save()
    japanese = client.get(f"/ja/expertise/{entry.pk}/").content.decode()
    assert NOTE_JA in japanese and '<div class="prose" lang="en"><p>Our lab measures geothermal heat.</p></div>' \
        in japanese


def test_the_expertise_form_keeps_the_language_when_it_is_not_sent_and_refuses_a_bad_one(client, world):
    entry = make_expertise(institution=world.a, author=world.users["staff_a"], title="省エネ", themes=[world.group])
    client.force_login(world.users["staff_a"])
    data = {k: v for k, v in expertise_form(world, title="省エネ診断").items() if k != "institution"}
    assert client.post(f"/en/expertise/{entry.pk}/edit/", data).status_code == 302
    entry.refresh_from_db()
    assert (entry.title, entry.language) == ("省エネ診断", "ja")  # an English page did not make it English
    response = client.post(f"/en/expertise/{entry.pk}/edit/", {**data, "language": "fr", "title": "Changed"})
    assert response.status_code == 200 and "Select a valid choice." in response.content.decode()
    entry.refresh_from_db()
    assert entry.title == "省エネ診断"


def test_the_api_gives_both_languages_and_the_one_asked_for(client, world):
    need = make_need(title="森林資源の活用", themes=[world.group])
    need.title_translated = "Using forest resources"
    need.save()
    row = client.get(f"/api/v1/needs/{need.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (row["title"], row["language"], row["title_translated"], row["shown_title"]) == (
        "森林資源の活用", "ja", "Using forest resources", "Using forest resources")
    assert "description_translated_html" in row
    row = client.get(f"/api/v1/expertise/{world.expertise.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert row["language"] == "ja" and row["shown_title"] == world.expertise.title
