"""Text that is not UTF-8 is refused everywhere: on every form (urlencoded, and multipart where the
form takes a file) and in every query string, with the translated 400 page and nothing saved.

Before, Django decoded the bytes into U+FFFD and the forms saved them (minutes were "saved and
published" with replacement characters). The forms and their accepted posts are tests/test_fuzz.py's.
"""

from urllib.parse import urlencode

import pytest
from django.test.client import BOUNDARY, encode_multipart

from tests.test_fuzz import FORMS, LANGS, make_world, media, snapshot, stored_files, world  # noqa: F401 -- fixtures, world

pytestmark = pytest.mark.django_db

# Stray bytes and a cut sequence, an encoded surrogate (U+D800), an overlong "/" (C0 AF).
MALFORMED = ["%FF%FE%C3%28", "%ED%A0%80", "%C0%AF"]
MESSAGE = {
    "ja": "UTF-8として正しくない文字が含まれています",
    "en": "The request contains text that is not valid UTF-8",
}
MARK = "MALFORMEDTEXTHERE"


def raw(malformed: str) -> bytes:
    return bytes.fromhex(malformed.replace("%", ""))


def spoiled(valid: dict) -> dict:
    """The accepted post with its first text field (or a field of its own) replaced by the mark."""
    data = dict(valid)
    name = next((k for k, v in data.items() if isinstance(v, str) and v), "comment")
    data[name] = f"議事{MARK}録"
    return data


def assert_refused(response, lang, before, files_before, media):  # noqa: F811 -- the fixture's value
    assert response.status_code == 400
    assert MESSAGE[lang] in response.content.decode()
    assert snapshot() == before, "a refused post changed rows"
    assert stored_files(media) == files_before


@pytest.mark.parametrize("name", list(FORMS))
def test_every_form_refuses_invalid_utf8_and_saves_nothing(client, world, media, name):  # noqa: F811
    spec = FORMS[name]
    if spec.who:
        client.force_login(getattr(world, spec.who))
    index = list(FORMS).index(name)
    malformed, lang = MALFORMED[index % len(MALFORMED)], LANGS[index % len(LANGS)]
    path = f"/{lang}{spec.path(world)}"
    data = spoiled(spec.valid(world))
    before, files_before = snapshot(), stored_files(media)
    body = urlencode(data, doseq=True).replace(MARK, malformed)
    response = client.post(path, body, content_type="application/x-www-form-urlencoded")
    assert_refused(response, lang, before, files_before, media)
    if spec.files:  # the same post as multipart/form-data, as the page sends it
        body = encode_multipart(BOUNDARY, data).replace(MARK.encode(), raw(malformed))
        response = client.post(path, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")  # as is
        assert_refused(response, lang, before, files_before, media)


@pytest.mark.parametrize("malformed", MALFORMED)
@pytest.mark.parametrize("lang", LANGS)
def test_minutes_with_invalid_utf8_are_refused_not_published(client, world, media, lang, malformed):  # noqa: F811
    spec = FORMS["minutes"]
    client.force_login(world.coordinator)
    before = snapshot()
    body = urlencode({"minutes": f"## 決定事項{MARK}"}).replace(MARK, malformed)
    response = client.post(f"/{lang}{spec.path(world)}", body, content_type="application/x-www-form-urlencoded")
    assert_refused(response, lang, before, stored_files(media), media)


@pytest.mark.parametrize("malformed", MALFORMED)
@pytest.mark.parametrize("path", ["/ja/members/", "/en/initiatives/", "/ja/meetings/", "/en/working-groups/",
                                  "/ja/", "/en/members/apply/", "/ja/initiatives/feed/"])
def test_query_strings_with_invalid_utf8_are_a_translated_400(client, world, path, malformed):  # noqa: F811
    lang = path.split("/")[1]
    response = client.get(f"{path}?q={malformed}&page=1")
    assert response.status_code == 400
    assert MESSAGE[lang] in response.content.decode()


def test_valid_utf8_in_forms_and_queries_still_passes(client, world):  # noqa: F811
    assert client.get("/ja/members/?q=%E4%BF%A1%E5%B7%9E").status_code == 200  # 信州
    client.force_login(world.coordinator)
    body = urlencode({"minutes": "## 決定事項\n\n承認されました。"})
    response = client.post(f"/ja{FORMS['minutes'].path(world)}", body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
