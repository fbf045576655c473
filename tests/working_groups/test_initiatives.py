"""The case-study library: writing, publishing, revisions, search, facets, the feed."""

import datetime
import io
import xml.etree.ElementTree as ET

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from tests.factories import InstitutionFactory, UserFactory, WorkingGroupFactory, secretariat_user, staff_of
from working_groups.models import Initiative, Membership
from working_groups.services import refresh_derived

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def campus():
    return WorkingGroupFactory(slug="campus", name_ja="ゼロカーボン・キャンパスWG", name_en="Zero Carbon Campus WG")


@pytest.fixture
def shinshu():
    return InstitutionFactory(slug="shinshu", name_ja="信州大学", name_en="Shinshu University", prefecture="20")


def form(campus, **overrides):
    data = {
        "language": "ja", "title": "小水力発電所の建設", "summary": "農業用水路に小水力発電所を建設しました。",
        "body": "## 概要\n\n太陽光発電と組み合わせた**マイクロ水力**の実証です。\n\n- 出力 49kW\n- Microhydro turbine",
        "title_translated": "Building a small hydro plant", "summary_translated": "A small hydro plant on a canal.",
        "themes": [campus.pk], "partners": "長野県企業局", "prefecture": "", "started_on": "2024-04-01",
        "ended_on": "", "outcomes": "年間 200 MWh", "co2_reduction": "85.5", "capacity_kw": "49",
        "cover_alt": "", "links_text": "事業紹介 https://example.ac.jp/hydro", "visibility": "public",
    }
    data.update(overrides)
    return data


def png(size=(64, 48)):
    buf = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(buf, "PNG")
    return SimpleUploadedFile("cover.png", buf.getvalue(), content_type="image/png")


def make(institution, campus, *, title="取組", body="本文", status="published", visibility="public", days_ago=1,
         **fields):
    started = fields.pop("started_on", datetime.date(2023, 5, 1))
    i = Initiative(institution=institution, slug=f"i-{Initiative.objects.count() + 1}-{institution.slug}",
                   title=title, summary=fields.pop("summary", "概要"), body=body, prefecture=institution.prefecture,
                   started_on=started, status=status, visibility=visibility,
                   published_at=None if status == "draft" else timezone.now() - datetime.timedelta(days=days_ago),
                   **fields)
    refresh_derived(i)
    i.save()
    i.themes.set([campus])
    return i


def test_staff_writes_a_draft_then_publishes_it(client, campus, shinshu):
    author = staff_of(shinshu)
    client.force_login(author)
    response = client.post("/ja/initiatives/new/", {**form(campus), "institution": shinshu.pk,
                                                    "cover_upload": png(), "cover_alt": "水路と発電機"})
    initiative = Initiative.objects.get()
    assert response["Location"] == f"/ja/initiatives/{initiative.slug}/"
    assert initiative.slug.startswith("building-a-small-hydro-plant-")
    assert (initiative.status, initiative.institution, initiative.author) == ("draft", shinshu, author)
    assert initiative.prefecture == "20"  # the institution's, since none was given
    assert initiative.links == [{"label": "事業紹介", "url": "https://example.ac.jp/hydro"}]
    with Image.open(initiative.cover.path) as cover:
        assert cover.size == (64, 48)
    # a visitor does not see the draft
    client.logout()
    assert client.get(f"/ja/initiatives/{initiative.slug}/")["Location"].startswith("/ja/accounts/login/")
    client.force_login(author)
    client.post(f"/ja/initiatives/{initiative.slug}/publish/")
    initiative.refresh_from_db()
    assert initiative.status == "published" and initiative.published_at is not None
    client.logout()
    page = client.get(f"/ja/initiatives/{initiative.slug}/").content.decode()
    assert "<h1>小水力発電所の建設</h1>" in page
    assert "<h2>概要</h2>" in page and "<strong>マイクロ水力</strong>" in page
    assert 'alt="水路と発電機"' in page
    assert "85.5 t" in page and "49.0 kW" in page


def test_a_draft_leaves_the_visitors_cached_pages_alone_until_it_is_published(client, campus, shinshu, settings):
    from django.test import Client

    settings.PAGE_CACHE_SECONDS = 60
    visitor = Client()
    make(shinshu, campus, title="公開済みの取組")
    visitor.get("/ja/initiatives/")
    assert visitor.get("/ja/initiatives/")["X-Page-Cache"] == "hit"
    client.force_login(staff_of(shinshu))
    client.post("/ja/initiatives/new/", {**form(campus), "institution": shinshu.pk})
    draft = Initiative.objects.get(status="draft")
    client.post(f"/ja/initiatives/{draft.slug}/edit/", form(campus, title="小水力発電所の建設と運用"))
    assert visitor.get("/ja/initiatives/")["X-Page-Cache"] == "hit"  # nothing a visitor can see changed
    client.post(f"/ja/initiatives/{draft.slug}/publish/")
    published = visitor.get("/ja/initiatives/")
    assert published["X-Page-Cache"] == "miss" and "小水力発電所の建設と運用" in published.content.decode()
    # taken back to draft: a draft again, but one visitors saw, so it leaves their pages at once
    client.force_login(secretariat_user())
    client.post(f"/ja/initiatives/{draft.slug}/unpublish/", {"reason": "個人情報が含まれています"})
    withdrawn = visitor.get("/ja/initiatives/")
    assert withdrawn["X-Page-Cache"] == "miss" and "小水力発電所の建設と運用" not in withdrawn.content.decode()
    assert "公開済みの取組" in withdrawn.content.decode()


def test_every_edit_keeps_a_revision_of_what_changed(client, campus, shinshu):
    author = staff_of(shinshu)
    client.force_login(author)
    client.post("/ja/initiatives/new/", {**form(campus), "institution": shinshu.pk})
    initiative = Initiative.objects.get()
    client.post(f"/ja/initiatives/{initiative.slug}/edit/", form(campus, title="小水力発電所の建設と運用"))
    client.post(f"/ja/initiatives/{initiative.slug}/edit/", form(campus, title="小水力発電所の建設と運用"))  # no change
    revisions = list(initiative.revisions.order_by("created_at", "id"))
    assert [r.action for r in revisions] == ["create", "edit"]
    assert revisions[1].changes == {"title": ["小水力発電所の建設", "小水力発電所の建設と運用"]}
    assert revisions[1].editor == author
    page = client.get(f"/ja/initiatives/{initiative.slug}/revisions/").content.decode()
    assert "<del>小水力発電所の建設</del> → <ins>小水力発電所の建設と運用</ins>" in page


def test_contact_of_the_institution_edits_an_initiative_of_a_colleague(client, campus, shinshu):
    initiative = make(shinshu, campus, author=staff_of(shinshu))
    client.force_login(staff_of(shinshu, role="contact"))
    response = client.post(f"/ja/initiatives/{initiative.slug}/edit/", form(campus, title="改題"))
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "改題"


def test_archived_initiative_stays_readable_but_is_not_listed(client, campus, shinshu):
    initiative = make(shinshu, campus, title="アーカイブ予定")
    client.force_login(staff_of(shinshu, role="contact"))
    client.post(f"/ja/initiatives/{initiative.slug}/archive/")
    client.logout()
    assert "アーカイブ予定" not in client.get("/ja/initiatives/").content.decode()
    page = client.get(f"/ja/initiatives/{initiative.slug}/").content.decode()
    assert "アーカイブ済みです。" in page


def test_secretariat_unpublishes_with_a_reason_the_authors_receive(client, deliver, campus, shinshu):
    author = staff_of(shinshu, email="author@shinshu.example")
    contact = staff_of(shinshu, role="contact", email="contact@shinshu.example")
    initiative = make(shinshu, campus, author=author)
    client.force_login(secretariat_user(email="sec@coalition.example"))
    with deliver():
        client.post(f"/ja/initiatives/{initiative.slug}/unpublish/", {"reason": "個人情報が含まれています"})
    initiative.refresh_from_db()
    assert (initiative.status, initiative.unpublished_reason) == ("draft", "個人情報が含まれています")
    assert sorted(m.to[0] for m in mail.outbox) == ["author@shinshu.example", "contact@shinshu.example"]
    assert all("個人情報が含まれています" in m.body for m in mail.outbox)
    assert mail.outbox[0].reply_to == ["sec@coalition.example"]
    del contact


def test_publishing_tells_group_members_who_asked_for_it(client, deliver, campus, shinshu):
    from members.notifications.services import preference_set

    keen, quiet = staff_of(InstitutionFactory()), staff_of(InstitutionFactory())
    for user in (keen, quiet):
        Membership.objects.create(group=campus, user=user, institution=user.affiliations.get().institution,
                                  status="active")
    preference_set(user=keen, kind="initiative_published", delivery="immediate")  # the default is never
    author = staff_of(shinshu)
    initiative = make(shinshu, campus, status="draft", author=author)
    client.force_login(author)
    with deliver():
        client.post(f"/ja/initiatives/{initiative.slug}/publish/")
    assert [m.to for m in mail.outbox] == [[keen.email]]


@pytest.mark.parametrize(
    "q",
    ["太陽光", "陽光発", "太陽光発電", "マイクロ水力", "microhydro", "ＭＩＣＲＯＨＹＤＲＯ", "small hydro",
     "長野県企業局", "信州"],
)
def test_search_finds_japanese_substrings_and_words_in_both_languages(client, campus, shinshu, q):
    make(shinshu, campus, title="小水力発電所の建設", title_translated="Building a small hydro plant",
         body="太陽光発電と組み合わせたマイクロ水力の実証。Microhydro turbine.", partners="長野県企業局")
    make(InstitutionFactory(), campus, title="関係のない取組", body="里山の整備")
    titles = [i.title for i in client.get("/ja/initiatives/", {"q": q}).context["object_list"]]
    assert titles == ["小水力発電所の建設"]


@pytest.mark.postgres
def test_search_uses_the_gram_index_on_postgresql(campus, shinshu):
    for n in range(30):
        make(shinshu, campus, title=f"取組{n}", body="太陽光発電")
    from .test_search_grams import probe_plan

    plan = probe_plan("陽光発")
    # a word of three characters may be read from the gram or the trigram index, whichever the
    # planner's statistics favour: either is an index, never a walk of the table
    assert "Bitmap Index Scan on working_groups_initiative_search_" in plan
    assert "Seq Scan" not in plan
    assert Initiative.objects.public().search("陽光発").count() == 30


def test_filters_combine_with_counts_per_facet(client, campus, shinshu):
    regional = WorkingGroupFactory(slug="regional")
    kyoto = InstitutionFactory(slug="kyoto", prefecture="26")
    make(shinshu, campus, title="信州・キャンパス", started_on=datetime.date(2023, 1, 1))
    other = make(shinshu, campus, title="信州・地域", started_on=datetime.date(2024, 1, 1))
    other.themes.set([regional])
    make(kyoto, campus, title="京都・キャンパス", started_on=datetime.date(2024, 6, 1))
    r = client.get("/ja/initiatives/", {"wg": "campus", "region": "chubu"})
    assert [i.title for i in r.context["object_list"]] == ["信州・キャンパス"]
    assert r.context["facets"]["wg"] == {"campus": 1, "regional": 1}
    assert r.context["facets"]["region"]["chubu"] == 1 and r.context["facets"]["region"]["kinki"] == 1
    r = client.get("/ja/initiatives/", {"year": "2024"})
    assert sorted(i.title for i in r.context["object_list"]) == ["京都・キャンパス", "信州・地域"]
    r = client.get("/ja/initiatives/", {"institution": "kyoto"})
    assert [i.title for i in r.context["object_list"]] == ["京都・キャンパス"]
    html = client.get("/ja/initiatives/", {"institution": "nowhere", "year": "1800"}).content.decode()
    assert "正しく選択してください。" in html


def test_list_is_newest_first_and_paginated(client, campus, shinshu):
    for n in range(25):
        make(shinshu, campus, title=f"取組{n:02d}", days_ago=n + 1)
    first = client.get("/ja/initiatives/")
    assert [i.title for i in first.context["object_list"]][:3] == ["取組00", "取組01", "取組02"]
    assert len(first.context["object_list"]) == 20
    assert [i.title for i in client.get("/ja/initiatives/", {"page": 2}).context["object_list"]] == [
        f"取組{n}" for n in range(20, 25)]


def test_atom_feed_is_valid_and_filters_by_group(client, campus, shinshu):
    regional = WorkingGroupFactory(slug="regional")
    make(shinshu, campus, title="キャンパスの取組", summary="概要A")
    i2 = make(shinshu, campus, title="地域の取組")
    i2.themes.set([regional])
    make(shinshu, campus, title="会員限定の取組", visibility="members")
    make(shinshu, campus, title="下書きの取組", status="draft")
    response = client.get("/ja/initiatives/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    assert sorted(e.find(f"{ATOM}title").text for e in entries) == ["キャンパスの取組", "地域の取組"]
    for entry in entries:
        for required in ("id", "title", "updated", "link", "author"):
            assert entry.find(f"{ATOM}{required}") is not None
        assert entry.find(f"{ATOM}id").text.startswith("urn:uuid:")
    only = ET.fromstring(client.get("/ja/initiatives/feed/", {"wg": "regional"}).content)
    assert [e.find(f"{ATOM}title").text for e in only.findall(f"{ATOM}entry")] == ["地域の取組"]


def test_documents_are_checked_by_content(client, campus, shinshu):
    author = staff_of(shinshu)
    initiative = make(shinshu, campus, author=author)
    client.force_login(author)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    client.post(f"/ja/initiatives/{initiative.slug}/documents/",
                {"file": SimpleUploadedFile("report.pdf", pdf, "application/pdf"), "title": "報告書"})
    fake = client.post(f"/ja/initiatives/{initiative.slug}/documents/",
                       {"file": SimpleUploadedFile("evil.pdf", b"<script>alert(1)</script>", "application/pdf")},
                       follow=True)
    assert "拡張子と内容が一致するもの" in fake.content.decode()
    assert [(d.title, d.content_type) for d in initiative.documents.all()] == [("報告書", "application/pdf")]


def test_related_initiatives_share_a_theme_or_the_region(client, campus, shinshu):
    main = make(shinshu, campus, title="本体")
    make(InstitutionFactory(prefecture="20"), WorkingGroupFactory(), title="同じ地域")
    make(InstitutionFactory(prefecture="47"), campus, title="同じテーマ")
    make(InstitutionFactory(prefecture="47"), WorkingGroupFactory(), title="無関係")
    related = [i.title for i in client.get(f"/ja/initiatives/{main.slug}/").context["related"]]
    assert sorted(related) == ["同じテーマ", "同じ地域"]


def test_related_initiatives_kept_for_their_themes_and_region_follow_every_change(client, campus, shinshu):
    """The newest initiatives of a set of themes and a region are kept for every initiative there:
    each page leaves itself out, a new one shows at once, and a members-only one kept for a member's
    view never reaches a visitor."""
    first = make(shinshu, campus, title="一つ目", days_ago=3)
    second = make(shinshu, campus, title="二つ目", days_ago=2)

    def related(initiative):
        return [card.title for card in client.get(f"/ja/initiatives/{initiative.slug}/").context["related"]]

    assert (related(first), related(second)) == (["二つ目"], ["一つ目"])
    make(shinshu, campus, title="会員限定", visibility="members", days_ago=1)
    client.force_login(staff_of(shinshu))
    assert related(first) == ["会員限定", "二つ目"]
    client.logout()
    assert related(first) == ["二つ目"]
    make(InstitutionFactory(prefecture="47"), campus, title="新しい", days_ago=0)
    assert related(second) == ["新しい", "一つ目"]


@pytest.mark.parametrize("path", ["/ja/initiatives/", "/ja/initiatives/?q=発電", "/ja/initiatives/feed/"])
def test_list_search_and_feed_query_count_does_not_grow(client, campus, shinshu, path):
    client.force_login(UserFactory())

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx)

    make(shinshu, campus, body="発電")
    few = count()
    groups = WorkingGroupFactory.create_batch(3)
    for n in range(30):
        i = make(InstitutionFactory(prefecture=f"{n % 47 + 1:02d}"), campus, body="発電", title=f"t{n}")
        i.themes.add(*groups)
    assert count() == few


def test_detail_query_count_does_not_grow(client, campus, shinshu):
    main = make(shinshu, campus)
    make(InstitutionFactory(prefecture="20"), campus, title="related")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/ja/initiatives/{main.slug}/").status_code == 200
        return len(ctx)

    few = count()
    main.themes.add(*WorkingGroupFactory.create_batch(4))
    main.partner_institutions.add(*InstitutionFactory.create_batch(4))
    for n in range(10):
        make(InstitutionFactory(prefecture="20"), campus, title=f"r{n}")
    assert count() == few


def test_the_lists_count_is_kept_per_filters_and_follows_a_new_initiative(client):
    """The count of a filtered list is cached (members.pagination count_cache): another page or an
    unknown parameter does not count again; a newly published initiative is counted at once."""
    campus = WorkingGroupFactory(slug="campus")
    tokyo = InstitutionFactory(prefecture="13")
    for n in range(3):
        make(tokyo, campus, title=f"取組{n}")
    url = "/en/initiatives/?wg=campus&region=kanto"
    assert "3 initiatives" in client.get(f"{url}&_=1").content.decode()
    with CaptureQueriesContext(connection) as again:
        assert "3 initiatives" in client.get(f"{url}&_=2").content.decode()
    assert not any(q["sql"].startswith("SELECT COUNT(*)") for q in again.captured_queries)
    make(tokyo, campus, title="新しい取組")
    assert "4 initiatives" in client.get(f"{url}&_=3").content.decode()
