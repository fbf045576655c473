"""An institution's prefecture and region, as its profile says them in each language (found walking
the visitor's journey: the Japanese page read 長野県 (地域: 中部), English punctuation in Japanese)."""

import pytest

from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def test_the_region_is_bracketed_in_each_languages_own_punctuation(client):
    InstitutionFactory(slug="shinshu", prefecture="20")
    ja = client.get("/ja/members/shinshu/").content.decode()
    assert '長野県</a>（地域：<a href="/ja/members/?region=chubu">中部</a>）</dd>' in ja
    en = client.get("/en/members/shinshu/").content.decode()
    assert 'Nagano</a> (region: <a href="/en/members/?region=chubu">Chubu</a>)</dd>' in en
