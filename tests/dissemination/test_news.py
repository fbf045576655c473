"""News, announcements and statements: the list and its filters, the page with its fallback, the
Atom feed, the about page, and writing in both languages."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings.dissemination import services
from meetings.dissemination.models import NewsItem
from members.audit.models import AuditEntry
from tests.dissemination.conftest import make_item

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def titles(response) -> list[str]:
    return [item.title for item in response.context["items"]]


def test_news_list_shows_visitors_only_published_items_newest_first(client, world):
    response = client.get("/ja/news/")
    assert response.status_code == 200
    assert titles(response) == ["地域WG会合の報告", "脱炭素に向けた共同声明", "ポータル公開のお知らせ"]
    assert "地域WGの下書き告知" not in response.content.decode()


def test_news_list_shows_the_coordinator_their_group_drafts(client, world):
    client.force_login(world.users["coordinator"])
    assert "地域WGの下書き告知" in titles(client.get("/ja/news/"))
    client.force_login(world.users["other_coordinator"])
    assert "地域WGの下書き告知" not in titles(client.get("/ja/news/"))


@pytest.mark.parametrize(("query", "expected"), [
    ("kind=statement", ["脱炭素に向けた共同声明"]),
    ("kind=news", ["地域WG会合の報告", "ポータル公開のお知らせ"]),
    ("wg=regional", ["地域WG会合の報告"]),
    ("wg=general-meeting", ["脱炭素に向けた共同声明"]),
    ("q=ポータル", ["ポータル公開のお知らせ"]),
    ("q=PORTAL", ["ポータル公開のお知らせ"]),  # the English text, folded
    ("lang=en", ["脱炭素に向けた共同声明", "ポータル公開のお知らせ"]),
])
def test_news_list_filter_narrows_the_list(client, world, query, expected):
    assert titles(client.get(f"/ja/news/?{query}")) == expected


def test_news_list_filter_by_year(client, world):
    NewsItem.objects.filter(pk=world.news.pk).update(year=2022)
    assert titles(client.get("/ja/news/?year=2022")) == ["ポータル公開のお知らせ"]


@pytest.mark.parametrize("query", ["page=abc", "page=-1", "q=" + "x" * 3000, "wg=no-such-group", "kind=poem",
                                   "year=1800", "q=a&q=b", "lang=fr"])
def test_news_list_bad_parameters_answer_a_page_not_an_error(client, world, query):
    response = client.get(f"/ja/news/?{query}")
    assert response.status_code == 200
    assert response.content.decode().count("<h1>") == 1


def test_news_list_past_the_last_page_is_404(client, world):
    assert client.get("/ja/news/?page=99999999").status_code == 404


def test_news_list_query_count_does_not_grow_with_the_news(client, world):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/en/news/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(15):
        make_item(by=world.users["secretariat"], kind="statement", title_ja=f"声明{n}", body_ja="本文",
                  adopted_by=world.group if n % 2 else world.general, adopted_on=datetime.date(2025, 1, 1),
                  group=world.group)
    assert count() == few


def test_news_detail_in_english_shows_the_english_text_without_a_note(client, world):
    body = client.get(f"/en/news/{world.news.slug}/").content.decode()
    assert '<h1 lang="en">The portal is online</h1>' in body
    assert '<div class="prose" lang="en"><p>The portal\'s <strong>text</strong>.</p></div>' in body
    assert "available in Japanese only" not in body


def test_news_detail_falls_back_to_japanese_with_a_note_and_lang(client, world):
    body = client.get(f"/en/news/{world.group_item.slug}/").content.decode()
    assert '<p class="callout fallback-note">This content is available in Japanese only.</p>' in body
    assert '<h1 lang="ja">地域WG会合の報告</h1>' in body
    assert '<div class="prose" lang="ja"><p>日本語だけの本文です。</p></div>' in body


def test_news_detail_in_japanese_of_english_only_item_says_so(client, world):
    item = make_item(by=world.users["secretariat"], kind="news", title_en="Only in English", body_en="English text.")
    body = client.get(f"/ja/news/{item.slug}/").content.decode()
    assert '<p class="callout fallback-note">この内容は英語のみです。</p>' in body
    assert '<h1 lang="en">Only in English</h1>' in body


def test_statement_shows_who_adopted_it_when_and_links_the_meeting(client, world):
    body = client.get(f"/en/news/{world.statement.slug}/").content.decode()
    assert (f'Adopted by General meeting on Tue 29 Jul 2025, at <a href="/en/meetings/{world.meeting.pk}/">'
            "4th general meeting</a>.") in body


def test_news_draft_is_not_found_for_a_visitor_who_signed_in(client, world):
    client.force_login(world.users["staff"])
    assert client.get(f"/ja/news/{world.draft.slug}/").status_code == 404


def test_news_feed_is_atom_with_published_items(client, world):
    response = client.get("/en/news/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["地域WG会合の報告", "Joint statement",
                                                              "The portal is online"]
    assert entries[1].find(f"{ATOM}link").get("href") == f"http://testserver/en/news/{world.statement.slug}/"


def test_news_feed_ids_differ_per_language_and_stay_the_same_across_host_names(client, world):
    """An aggregator reading both languages keeps both entries; a second host name changes no id."""
    ids = {}
    for lang in ("ja", "en"):
        for host in ("testserver", "127.0.0.1", "localhost"):
            root = ET.fromstring(client.get(f"/{lang}/news/feed/", HTTP_HOST=host).content)
            entries = root.findall(f"{ATOM}entry")
            links = {e.find(f"{ATOM}link").get("href") for e in entries}
            assert all(link.startswith("http://testserver/") for link in links)  # SITE_URL, not the host
            ids.setdefault(lang, set()).add((root.find(f"{ATOM}id").text,
                                             tuple(e.find(f"{ATOM}id").text for e in entries)))
    assert len(ids["ja"]) == 1 and len(ids["en"]) == 1
    (ja_feed, ja_entries), (en_feed, en_entries) = ids["ja"].pop(), ids["en"].pop()
    assert ja_feed != en_feed and not set(ja_entries) & set(en_entries)
    assert all(i.startswith("urn:uuid:") for i in (ja_feed, en_feed, *ja_entries, *en_entries))


def test_news_feed_per_group_holds_its_items_and_statements(client, world):
    root = ET.fromstring(client.get("/ja/news/feed/?wg=general-meeting").content)
    assert [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")] == ["脱炭素に向けた共同声明"]
    assert client.get("/ja/news/feed/?wg=nothing").status_code == 404


def test_about_page_states_the_founding_and_counts_members_live(client, world, settings):
    settings.SECRETARIAT_EMAIL = "office@coalition.example.net"
    body = client.get("/ja/about/").content.decode()
    for text in ("2021年7月29日", "文部科学省", "経済産業省", "環境省", "総会", "地域WG", "丙大学"):
        assert text in body
    assert '<div><dt>参加機関</dt><dd>2</dd></div>' in body
    assert '<div><dt>協力機関</dt><dd>1</dd></div>' in body
    assert 'href="mailto:office@coalition.example.net"' in body
    english = client.get("/en/about/").content.decode()
    for text in ("29 July 2021", "MEXT", "METI", "MOE", "general meeting"):
        assert text in english


def test_home_shows_the_latest_news_and_the_latest_statement(client, world):
    body = client.get("/en/").content.decode()
    assert f'<a href="/en/news/{world.statement.slug}/">Joint statement</a>' in body
    assert "The portal is online" in body


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

FORM = {"kind": "news", "language": "ja", "group": "", "title_ja": "新しいお知らせ", "summary_ja": "要約",
        "body_ja": "日本語の本文", "title_en": "New item", "summary_en": "Summary", "body_en": "English text",
        "adopted_by": "", "adopted_on": "", "meeting": ""}


def test_news_form_saves_both_languages_on_one_item(client, world):
    client.force_login(world.users["secretariat"])
    response = client.post("/ja/news/new/", FORM)
    item = NewsItem.objects.get(title_ja="新しいお知らせ")
    assert response["Location"] == f"/ja/news/{item.slug}/"
    assert (item.status, item.title_en, item.body_en, item.group) == ("draft", "New item", "English text", None)
    assert item.slug.startswith("new-item-")
    client.get(f"/ja/news/{item.slug}/")
    assert "日本語の本文" in client.get(f"/ja/news/{item.slug}/").content.decode()
    assert "English text" in client.get(f"/en/news/{item.slug}/").content.decode()


def test_news_form_edit_round_trips_every_translatable_field(client, world):
    client.force_login(world.users["secretariat"])
    data = {**FORM, "title_ja": "題ja", "title_en": "Title en", "summary_ja": "要約ja", "summary_en": "Summary en",
            "body_ja": "本文ja", "body_en": "Body en"}
    client.post(f"/ja/news/{world.news.slug}/edit/", data)
    item = NewsItem.objects.get(pk=world.news.pk)
    assert [getattr(item, f"{f}_{lang}") for f in ("title", "summary", "body") for lang in ("ja", "en")] == [
        "題ja", "Title en", "要約ja", "Summary en", "本文ja", "Body en"]
    for lang, texts in (("ja", ("題ja", "要約ja", "本文ja")), ("en", ("Title en", "Summary en", "Body en"))):
        body = client.get(f"/{lang}/news/{item.slug}/").content.decode()
        assert all(t in body for t in texts)


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"title_ja": "", "title_en": ""}, "title_ja", "少なくとも一つの言語でタイトルを入力してください。"),
    ({"body_ja": "", "body_en": ""}, "body_ja", "少なくとも一つの言語で本文を書いてください。"),
    ({"kind": "statement"}, "adopted_by", "声明には、採択した機関を記録してください。"),
    ({"kind": "poem"}, "kind", "正しく選択してください。 poem は候補にありません。"),
    ({"adopted_on": "2025-02-30", "kind": "statement"}, "adopted_on", "日付を正しく入力してください。"),
])
def test_news_form_bad_input_explains_and_saves_nothing(client, world, change, field, message):
    client.force_login(world.users["secretariat"])
    before = NewsItem.objects.count()
    response = client.post("/ja/news/new/", {**FORM, **change})
    assert response.status_code == 400
    assert message in response.context["form"].errors[field]
    assert NewsItem.objects.count() == before


def test_coordinator_writes_only_for_their_group(client, world):
    client.force_login(world.users["coordinator"])
    response = client.post("/ja/news/new/", {**FORM, "group": world.other_group.pk})
    assert response.status_code == 400
    assert "group" in response.context["form"].errors
    client.post("/ja/news/new/", {**FORM, "group": world.group.pk})
    assert NewsItem.objects.get(title_ja="新しいお知らせ").group == world.group


def test_statement_meeting_must_be_of_the_adopting_body(world):
    with pytest.raises(ValidationError) as exc:
        services.news_create(by=world.users["secretariat"], data={
            "kind": "statement", "title_ja": "声明", "body_ja": "本文", "adopted_by": world.group,
            "adopted_on": datetime.date(2025, 1, 1), "meeting": world.meeting})
    assert "meeting" in exc.value.message_dict


def test_publish_dates_and_audits_and_unpublish_takes_back(world):
    sec = world.users["secretariat"]
    item = services.news_publish(item=world.draft, by=sec)
    assert item.published_at is not None
    assert AuditEntry.objects.filter(action="news.publish", object_id=item.pk).count() == 1
    with pytest.raises(ValidationError):
        services.news_publish(item=item, by=sec)
    item = services.news_unpublish(item=item, by=sec)
    assert item.status == "draft"


def test_initiative_in_japanese_says_so_on_the_english_page(client, world):
    from working_groups.models import Initiative  # noqa: PLC0415 - only this test needs it

    initiative = Initiative.objects.create(
        institution=world.a, slug="ja-only", language="ja", title="日本語の事例", summary="要約", body="本文",
        prefecture="13", started_on=datetime.date(2024, 1, 1), status="published",
        published_at=datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC))
    body = client.get(f"/en/initiatives/{initiative.slug}/").content.decode()
    assert '<p class="callout fallback-note">This content is available in Japanese only.</p>' in body
    assert '<article lang="ja">' in body
    assert "fallback-note" not in client.get(f"/ja/initiatives/{initiative.slug}/").content.decode()


def test_secretariat_sees_translation_status_per_kind(client, world):
    client.force_login(world.users["secretariat"])
    response = client.get("/en/newsletter/issues/")
    rows = {str(row["label"]): (row["total"], row["missing_en"], row["missing_ja"])
            for row in response.context["translation_status"]}
    assert rows["News and statements"] == (3, 1, 0)  # the group's report is in Japanese only
    assert rows["Meetings"] == (1, 1, 0)  # the general meeting has no English description
    assert "<th scope=\"row\">News and statements</th><td>3</td><td>1</td><td>0</td>" in response.content.decode()


def test_secretariat_sees_which_items_lack_english(client, world):
    from working_groups.models import Initiative  # noqa: PLC0415 - only these tests need it

    common = {"institution": world.a, "summary": "s", "body": "b", "prefecture": "13",
              "started_on": datetime.date(2024, 1, 1), "status": "published",
              "published_at": datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)}
    Initiative.objects.create(slug="ja-only", language="ja", title="日本語だけの取組", **common)
    Initiative.objects.create(slug="ja-translated", language="ja", title="翻訳済みの取組", title_translated="Done",
                              **common)
    client.force_login(world.users["secretariat"])
    response = client.get("/en/newsletter/issues/")
    lacking = response.context["lacking_english"]
    assert [item.slug for item in lacking["news"]] == [world.group_item.slug]  # Japanese only
    assert [i.slug for i in lacking["initiatives"]] == ["ja-only"]
    page = response.content.decode()
    assert f'<a href="/en/news/{world.group_item.slug}/edit/" lang="ja">{world.group_item.title_ja}</a>' in page
    assert '<a href="/en/initiatives/ja-only/" lang="ja">日本語だけの取組</a>' in page
    assert "翻訳済みの取組" not in page and world.news.title_ja not in page and world.draft.title_ja not in page


def test_initiatives_filtered_to_those_with_english(client, world):
    from working_groups.models import Initiative  # noqa: PLC0415 - only these tests need it

    common = {"institution": world.a, "summary": "s", "body": "b", "prefecture": "13",
              "started_on": datetime.date(2024, 1, 1), "status": "published",
              "published_at": datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)}
    Initiative.objects.create(slug="ja-only", language="ja", title="日本語だけ", **common)
    Initiative.objects.create(slug="ja-translated", language="ja", title="翻訳あり", title_translated="Translated",
                              **common)
    Initiative.objects.create(slug="in-english", language="en", title="Written in English", **common)
    body = client.get("/en/initiatives/?lang=en").content.decode()
    assert "/en/initiatives/ja-translated/" in body and "/en/initiatives/in-english/" in body
    assert "/en/initiatives/ja-only/" not in body


def test_secretariat_asks_the_author_for_a_translation_once_a_day(client, world, deliver):
    from django.core import mail  # noqa: PLC0415 - only this test needs it

    from working_groups.models import Initiative  # noqa: PLC0415

    author = world.users["staff"]
    author.language = "ja"
    author.save()
    initiative = Initiative.objects.create(
        institution=world.a, author=author, slug="to-translate", language="ja", title="翻訳してほしい事例",
        summary="要約", body="本文", prefecture="13", started_on=datetime.date(2024, 1, 1), status="published",
        published_at=datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC))
    client.force_login(world.users["secretariat"])
    page = client.get(f"/en/initiatives/{initiative.slug}/").content.decode()
    assert "Ask the author for a translation" in page
    with deliver():
        response = client.post(f"/en/initiatives/{initiative.slug}/translation-request/")
    assert response["Location"] == f"/en/initiatives/{initiative.slug}/"
    [message] = mail.outbox
    assert message.to == [author.email]
    assert message.subject == "「翻訳してほしい事例」の翻訳のお願い"
    assert f"http://testserver/ja/initiatives/{initiative.slug}/edit/" in message.body
    assert AuditEntry.objects.filter(action="translation.request", object_id=initiative.pk).count() == 1
    with deliver():
        client.post(f"/en/initiatives/{initiative.slug}/translation-request/")
    assert len(mail.outbox) == 1  # once a day
    client.force_login(world.users["staff"])
    assert "Ask the author for a translation" not in client.get(f"/en/initiatives/{initiative.slug}/").content.decode()


def test_initiative_with_an_english_text_shows_it_to_english_readers(client, world):
    from working_groups.models import Initiative  # noqa: PLC0415 - only these tests need it
    from working_groups.services import refresh_derived  # noqa: PLC0415

    initiative = Initiative(
        institution=world.a, slug="both", language="ja", title="両言語の事例", summary="要約", body="日本語の**本文**",
        title_translated="Case in both languages", body_translated="The English **text**", prefecture="13",
        started_on=datetime.date(2024, 1, 1), status="published",
        published_at=datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC))
    refresh_derived(initiative)
    initiative.save()
    english = client.get("/en/initiatives/both/").content.decode()
    assert '<div class="prose" lang="en"><p>The English <strong>text</strong></p></div>' in english
    assert "fallback-note" not in english
    japanese = client.get("/ja/initiatives/both/").content.decode()
    assert '<div class="prose"><p>日本語の<strong>本文</strong></p></div>' in japanese
    assert "The English" not in japanese


def test_initiative_form_round_trips_the_text_in_the_other_language(client, world):
    from working_groups.models import Initiative  # noqa: PLC0415

    author = world.users["staff"]
    client.force_login(author)
    data = {"institution": world.a.pk, "language": "ja", "title": "往復の事例", "summary": "要約", "body": "本文",
            "title_translated": "Round trip", "summary_translated": "Summary", "body_translated": "English body",
            "themes": [world.group.pk], "prefecture": "13", "started_on": "2024-01-01", "visibility": "public",
            "links_text": "", "partners": "", "outcomes": "", "cover_alt": ""}
    response = client.post("/ja/initiatives/new/", data)
    initiative = Initiative.objects.get(title="往復の事例")
    assert response.status_code == 302
    assert (initiative.body_translated, initiative.body_translated_html) == ("English body", "<p>English body</p>")
