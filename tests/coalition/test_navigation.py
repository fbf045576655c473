"""The top menu marks the section the page belongs to (by its address, not its app: initiatives
are pages of ``working_groups``, the account and the secretariat pages of ``members``), and the
secretariat has its entry and lands on its work queue after signing in."""

import re

import pytest

from tests.factories import PASSWORD, InstitutionFactory, secretariat_user, staff_of, totp_code

pytestmark = pytest.mark.django_db


def current_entries(html: str) -> list[str]:
    nav = html.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', nav)


@pytest.mark.parametrize(("path", "entry"), [
    ("/ja/initiatives/", "取組事例"),
    ("/ja/working-groups/", "ワーキンググループ"),
    ("/ja/members/", "会員機関"),
    ("/ja/account/", "マイページ"),
    ("/ja/account/notifications/", "マイページ"),
    ("/ja/news/", "お知らせ"),
    ("/ja/about/", "コアリションについて"),
    ("/ja/progress/", "進捗"),
    ("/ja/needs/", "地域・企業連携"),
])
def test_top_menu_marks_the_section_of_the_page(client, path, entry):
    client.force_login(staff_of(InstitutionFactory()))
    assert current_entries(client.get(path).content.decode()) == [entry]


def test_secretariat_has_its_entry_in_the_top_menu_marked_on_its_pages(client):
    client.force_login(secretariat_user())

    home = client.get("/ja/").content.decode()
    queue = client.get("/ja/secretariat/").content.decode()

    assert 'href="/ja/secretariat/">事務局</a>' in home
    assert current_entries(queue) == ["事務局"]


def test_staff_have_no_secretariat_entry(client):
    client.force_login(staff_of(InstitutionFactory()))
    assert 'href="/ja/secretariat/"' not in client.get("/ja/").content.decode()


def test_secretariat_sign_in_lands_on_the_work_queue(client):
    user = secretariat_user(email="sec@example.org")
    client.post("/ja/accounts/login/", {"login": user.email, "password": PASSWORD})

    response = client.post("/ja/accounts/2fa/authenticate/", {"code": totp_code()})

    assert response["Location"] == "/ja/secretariat/"


def test_secretariat_members_search_is_labelled_as_what_it_searches(client):
    client.force_login(secretariat_user())
    page = client.get("/ja/secretariat/members/").content.decode()
    assert '<label for="q">機関名</label>' in page


def test_footer_gives_the_secretariat_address_of_the_settings(client, settings):
    settings.SECRETARIAT_EMAIL = "office@uccn.example.jp"
    page = client.get("/ja/members/").content.decode()
    assert '<a href="mailto:office@uccn.example.jp">office@uccn.example.jp</a>' in page
    assert "secretariat@coalition.example.org" not in page


def test_outbox_filters_say_all_instead_of_dashes(client):
    """The status and kind selects of the secretariat's outbox started at 「---------」."""
    client.force_login(secretariat_user())
    page = client.get("/ja/secretariat/outbox/").content.decode()

    assert '<select name="status" id="id_status">\n  <option value="" selected>すべて</option>' in page
    assert '<select name="kind" id="id_kind">\n  <option value="" selected>すべて</option>' in page
    assert "---------" not in page
    assert '<table class="outbox-table">' in page  # its headers stay on one line (site.css)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_menu_and_footer_rendered_once_are_what_each_page_would_render(client, settings, language):
    """{% once %} keeps the menu and the footer per language, section and whether the reader is
    signed in or of the secretariat: every combination is what rendering it afresh gives, and the
    one kept for a signed-in reader (no "Apply" link) is never a visitor's, nor the secretariat's
    entry anyone else's."""
    paths = [f"/{language}/", f"/{language}/initiatives/", f"/{language}/progress/", f"/{language}/about/"]
    readers = [None, staff_of(InstitutionFactory()), secretariat_user()]

    def chrome():
        pages = {}
        for reader in readers:
            client.logout()
            if reader is not None:
                client.force_login(reader)
            for path in paths:
                html = client.get(path).content.decode()
                nav = html.split('class="nav-sections"', 1)[1].split('class="nav-user"', 1)[0]
                pages[(reader and reader.pk, path)] = nav + html.split('<footer class="site-footer">', 1)[1]
        return pages

    kept = chrome()
    settings.DEBUG = True  # {% once %} renders afresh
    assert chrome() == kept
    apply = "/members/apply/"
    assert [key for key, page in kept.items() if apply in page] == [(None, path) for path in paths]
    assert [key for key, page in kept.items() if "/secretariat/" in page] == [(readers[2].pk, p) for p in paths]
