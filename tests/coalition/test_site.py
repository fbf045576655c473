"""What a signed-out visitor meets: languages, the home page, health, error pages."""

import re

import pytest

from tests.factories import InstitutionFactory, WorkingGroupFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/{lang}/",
    "/{lang}/members/",
    "/{lang}/members/apply/",
    "/{lang}/working-groups/",
    "/{lang}/initiatives/",
    "/{lang}/meetings/",
    "/{lang}/accounts/login/",
    "/{lang}/accounts/signup/",
    "/{lang}/accounts/password/reset/",
]


def test_bare_root_redirects_to_japanese_by_default(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/ja/"


def test_bare_root_redirects_to_english_for_english_browsers(client):
    response = client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert response["Location"] == "/en/"


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_renders_in_language(client, lang, path):
    InstitutionFactory(name_ja="信州大学", name_en="Shinshu University")
    response = client.get(path.format(lang=lang))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    # every page has exactly one main landmark, one h1 and the skip link to it
    assert html.count("<main ") == 1
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert 'href="#main"' in html


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_account_page_sends_visitor_to_sign_in(client, lang):
    response = client.get(f"/{lang}/account/")
    assert response.status_code == 302
    assert response["Location"] == f"/{lang}/accounts/login/?next=/{lang}/account/"


def test_home_shows_counts_and_groups(client):
    InstitutionFactory.create_batch(3)
    InstitutionFactory(status="withdrawn")
    WorkingGroupFactory(name_ja="ゼロカーボン・キャンパスWG", name_en="Zero Carbon Campus WG")
    ja = client.get("/ja/").content.decode()
    en = client.get("/en/").content.decode()
    assert re.search(r"<dt>会員機関</dt><dd>3</dd>", ja)
    assert "ゼロカーボン・キャンパスWG" in ja
    assert re.search(r"<dt>Member institutions</dt><dd>3</dd>", en)
    assert "Zero Carbon Campus WG" in en


def test_language_switch_keeps_the_page_and_query(client):
    InstitutionFactory(slug="shinshu", name_ja="信州大学", name_en="Shinshu University")
    html = client.get("/ja/members/shinshu/?tab=x").content.decode()
    assert 'href="/en/members/shinshu/?tab=x" hreflang="en" lang="en"' in html
    en = client.get("/en/members/shinshu/?tab=x").content.decode()
    assert 'href="/ja/members/shinshu/?tab=x" hreflang="ja" lang="ja"' in en
    assert "Shinshu University" in en


def test_pages_load_nothing_from_other_origins(client):
    html = client.get("/ja/").content.decode()
    # <link rel="alternate"> and rel="canonical" name versions of the page (absolute, from SITE_URL): not loaded
    assets = re.findall(r'<(?:script|link(?! rel="(?:alternate|canonical)")|img)[^>]+(?:src|href)="([^"]+)"', html)
    assert assets
    assert [a for a in assets if re.match(r"^(https?:)?//", a)] == []


def test_healthz_answers_ok_when_services_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


HEALTHZ = (
    "import django, os, json; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'coalition.settings'); django.setup();"
    "from django.test import Client; from django.test.utils import setup_test_environment; setup_test_environment();"
    "r = Client().get('/healthz'); print(r.status_code, json.dumps(r.json(), sort_keys=True))"
)


@pytest.mark.parametrize(
    "env, broken",
    [
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere"}, "database"),
        ({"REDIS_URL": "redis://127.0.0.1:1/0"}, "redis"),
    ],
)
def test_healthz_is_503_when_a_service_does_not_answer(env, broken, tmp_path):
    """A real unreachable port, in a fresh process: the answer tells which service is down."""
    import os
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    base.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    out = subprocess.run(
        [sys.executable, "-c", HEALTHZ], env={**base, **env}, capture_output=True, text=True, timeout=60
    )
    status, body = out.stdout.strip().split(" ", 1)
    assert status == "503", out.stderr[-2000:]
    assert f'"{broken}": "error:' in body
    assert '"status": "unavailable"' in body


def test_unknown_page_is_a_translated_404(client):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "ページが見つかりません" in client.get("/ja/no-such-page/").content.decode()


def test_times_are_shown_in_japan_time_with_weekday():
    import datetime

    from django.template import Context, Template
    from django.utils import translation

    moment = datetime.datetime(2021, 7, 29, 6, 0, tzinfo=datetime.UTC)  # 15:00 in Tokyo
    template = Template("{{ t|when }}")
    with translation.override("ja"):
        assert template.render(Context({"t": moment})) == "2021年7月29日（木） 15:00 JST"
    with translation.override("en"):
        assert template.render(Context({"t": moment})) == "Thu 29 Jul 2021 15:00 JST"
