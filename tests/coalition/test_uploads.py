"""Every upload field refuses what it should, says why in the person's language, and keeps nothing.

The fields: an initiative's cover image (on the form, next to the field), an initiative's documents
and a meeting's documents (posted from their page, which says why at the top and lists nothing new).
The institution logo's cases (a script or an SVG as a PNG, too large, a decompression bomb, a PDF)
are in tests/members/test_bad_input.py; its refusals use the same checks (members/uploads.py).

"Keeps nothing" is checked on the rows (no initiative, no document, the cover unchanged) and on
MEDIA_ROOT (no file at all, not even a partial one).
"""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

import tests.working_groups.test_xss as XSS
from meetings.models import Meeting, MeetingDocument
from tests.factories import InstitutionFactory, WorkingGroupFactory, coordinator_of, staff_of
from tests.members.test_bad_input import bomb_png, field_errors, noisy_png
from tests.working_groups.test_permissions import make_initiative
from working_groups.models import Initiative, InitiativeDocument

pytestmark = pytest.mark.django_db

UNREADABLE = {"ja": "このファイルは読み取れる画像ではありません。", "en": "The file is not an image we can read."}
TOO_LARGE = {"ja": "ファイルが大きすぎます（1MBまで）。", "en": "The file is too large (at most 1 MB)."}
TOO_MANY_PIXELS = {"ja": "画像の画素数が多すぎます。", "en": "The image has too many pixels."}
BAD_DOCUMENT = {
    "ja": "PDF、Word、Excel、PowerPoint、PNG、JPEGのファイルで、拡張子と内容が一致するものをアップロードしてください。",
    "en": "Upload a PDF, Word, Excel, PowerPoint, PNG or JPEG file whose content matches its name.",
}
FIX_BELOW = {"ja": "下記の項目を修正してください。", "en": "Please correct the fields marked below."}

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SCRIPT = b"<script>alert(document.cookie)</script>"
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script>'
       b'<rect width="10" height="10"/></svg>')
HTML = b"<!DOCTYPE html><html><body onload=alert(1)>report</body></html>"
LIMIT = 1024 * 1024  # the limits are set to 1 MB below, so that "too large" needs no big upload


def png_bytes(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(out, "PNG")
    return out.getvalue()


def big_pdf() -> bytes:
    """A well-formed PDF just over the limit."""
    return PDF.replace(b"%%EOF", b"% " + b"0" * LIMIT + b"\n%%EOF")


# name, content, content type as the browser claims it, the reason
IMAGE_CASES = {
    "script-renamed-png": (("cover.png", SCRIPT, "image/png"), UNREADABLE),
    "svg-with-script": (("cover.svg", SVG, "image/svg+xml"), UNREADABLE),
    "svg-renamed-png": (("cover.png", SVG, "image/png"), UNREADABLE),
    "pdf-renamed-png": (("cover.png", PDF, "image/png"), UNREADABLE),
    "too-large": (("cover.png", lambda: noisy_png(700), "image/png"), TOO_LARGE),
    "bomb-30000x30000": (("cover.png", lambda: bomb_png(30000), "image/png"), TOO_MANY_PIXELS),
}
DOCUMENT_CASES = {
    "script-renamed-png": (("figure.png", SCRIPT, "image/png"), BAD_DOCUMENT),
    "svg-with-script": (("diagram.svg", SVG, "image/svg+xml"), BAD_DOCUMENT),
    "script-renamed-pdf": (("report.pdf", SCRIPT, "application/pdf"), BAD_DOCUMENT),
    "html-renamed-pdf": (("report.pdf", HTML, "application/pdf"), BAD_DOCUMENT),
    "png-renamed-pdf": (("report.pdf", lambda: png_bytes(), "application/pdf"), BAD_DOCUMENT),
    "too-large": (("report.pdf", lambda: big_pdf(), "application/pdf"), TOO_LARGE),
    "bomb-30000x30000": (("figure.png", lambda: bomb_png(30000), "image/png"), TOO_MANY_PIXELS),
    # above the pixel limit (40 megapixels) but under Pillow's own error threshold, where Pillow only
    # warns (an error under pytest, not in production: the check must not rest on the warning)
    "too-many-pixels-7000x7000": (("figure.png", lambda: bomb_png(7000), "image/png"), TOO_MANY_PIXELS),
}


def upload(case: tuple) -> SimpleUploadedFile:
    name, content, content_type = case
    return SimpleUploadedFile(name, content() if callable(content) else content, content_type=content_type)


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MAX_IMAGE_UPLOAD = LIMIT
    settings.MAX_DOCUMENT_UPLOAD = LIMIT
    a = InstitutionFactory(slug="univ-a", name_ja="甲大学")
    c = InstitutionFactory(slug="univ-c", name_ja="丙大学")
    group = WorkingGroupFactory(slug="campus", coordinators=[c])
    author = staff_of(a, email="staff@alpha.example.ac.jp")
    initiative = make_initiative(institution=a, author=author, slug="alpha-public", title="公開の省エネ改修",
                                 body="公開本文です。", themes=[group])
    starts = timezone.now() + datetime.timedelta(days=10)
    meeting = Meeting.objects.create(kind=Meeting.Kind.GROUP, group=group, title_ja="第1回会合", starts_at=starts,
                                     ends_at=starts + datetime.timedelta(hours=2),
                                     visibility=Meeting.Visibility.MEMBERS)
    return {"a": a, "group": group, "author": author, "coordinator": coordinator_of(group, c), "initiative": initiative,
            "meeting": meeting}


def stored_files(media_root) -> list[str]:
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


def initiative_data(world, **overrides) -> dict:
    data = {
        "institution": world["a"].pk, "language": "ja", "title": "表紙付きの取組", "summary": "概要です。",
        "body": "本文です。", "title_translated": "", "summary_translated": "", "themes": [world["group"].pk],
        "partners": "", "prefecture": "", "started_on": "2024-04-01", "ended_on": "", "outcomes": "",
        "co2_reduction": "", "capacity_kw": "", "cover_alt": "建物の外観", "visibility": "public", "links_text": "",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------------------------------------
# The initiative's cover image
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("case", list(IMAGE_CASES))
def test_cover_refused_on_a_new_initiative_saves_nothing(client, world, tmp_path, case, lang):
    sent, reason = IMAGE_CASES[case]
    client.force_login(world["author"])

    response = client.post(f"/{lang}/initiatives/new/", initiative_data(world, cover_upload=upload(sent)))

    assert response.status_code == 200
    assert FIX_BELOW[lang] in response.content.decode()
    assert field_errors(response, "cover_upload") == [reason[lang]]
    assert Initiative.objects.filter(title="表紙付きの取組").exists() is False
    assert stored_files(tmp_path) == []


@pytest.mark.parametrize("case", list(IMAGE_CASES))
def test_cover_refused_on_an_edit_changes_nothing(client, world, tmp_path, case):
    sent, reason = IMAGE_CASES[case]
    initiative = world["initiative"]
    client.force_login(world["author"])

    response = client.post(f"/ja/initiatives/{initiative.slug}/edit/",
                           initiative_data(world, title="改めた題名", cover_upload=upload(sent)))

    assert response.status_code == 200
    assert field_errors(response, "cover_upload") == [reason["ja"]]
    saved = Initiative.objects.get(pk=initiative.pk)
    assert (saved.title, saved.cover.name, saved.updated_at) == (initiative.title, "", initiative.updated_at)
    assert stored_files(tmp_path) == []


def test_cover_real_image_is_stored_re_encoded(client, world, tmp_path):
    """The control: a real PNG, named and typed as anything, is taken and stored as an image."""
    initiative = world["initiative"]
    client.force_login(world["author"])

    response = client.post(f"/ja/initiatives/{initiative.slug}/edit/", initiative_data(
        world, cover_upload=SimpleUploadedFile("photo.html", png_bytes() + SCRIPT, content_type="text/html")))

    assert (response.status_code, response["Location"]) == (302, f"/ja/initiatives/{initiative.slug}/")
    saved = Initiative.objects.get(pk=initiative.pk)
    assert stored_files(tmp_path) == [saved.cover.name]
    assert saved.cover.name.endswith(".jpg")
    assert SCRIPT not in (tmp_path / saved.cover.name).read_bytes()


# ---------------------------------------------------------------------------------------------
# Documents of initiatives and meetings
# ---------------------------------------------------------------------------------------------

ENDPOINTS = {
    # who, where the form posts, the page it returns to, the rows
    "initiative": ("author", lambda w: f"/initiatives/{w['initiative'].slug}/documents/",
                   lambda w: f"/initiatives/{w['initiative'].slug}/edit/#documents", InitiativeDocument),
    "meeting": ("coordinator", lambda w: f"/meetings/{w['meeting'].pk}/documents/",
                lambda w: f"/meetings/{w['meeting'].pk}/#documents", MeetingDocument),
}


# As in production, where Pillow's DecompressionBombWarning is a warning, not an error (with the
# error, a 7000 × 7000 PNG used to be refused here and taken in production).
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("case", list(DOCUMENT_CASES))
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_document_refused_saves_nothing(client, world, tmp_path, endpoint, case, lang):
    who, path, back, model = ENDPOINTS[endpoint]
    sent, reason = DOCUMENT_CASES[case]
    client.force_login(world[who])

    response = client.post(f"/{lang}{path(world)}", {"title": "怪しい資料", "file": upload(sent)}, follow=True)

    assert response.redirect_chain == [(f"/{lang}{back(world)}", 302)]
    content = response.content.decode()
    assert f'<p class="message message-error">{reason[lang]}</p>' in content
    assert "怪しい資料" not in content
    assert model.objects.exists() is False
    assert stored_files(tmp_path) == []


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_document_type_is_what_the_content_is_not_what_the_browser_says(client, world, tmp_path, endpoint):
    """A real PDF sent as text/html is taken as a PDF, stored and served as one (a download)."""
    who, path, back, model = ENDPOINTS[endpoint]
    client.force_login(world[who])

    client.post(f"/ja{path(world)}", {"title": "報告書", "file": SimpleUploadedFile("report.pdf", PDF, "text/html")})

    document = model.objects.get()
    assert (document.title, document.content_type, stored_files(tmp_path)) == (
        "報告書", "application/pdf", [document.file.name])
    served = client.get(f"/media/{document.file.name}")
    assert (served.status_code, served["Content-Type"]) == (200, "application/pdf")
    assert served["Content-Disposition"].startswith("attachment;")
    assert b"".join(served.streaming_content) == PDF


# ---------------------------------------------------------------------------------------------
# File names and titles are text: an attack in either is shown escaped (the XSS corpus)
# ---------------------------------------------------------------------------------------------

SHOWN_AT = {
    "initiative": lambda w: f"/ja/initiatives/{w['initiative'].slug}/",
    "meeting": lambda w: f"/ja/meetings/{w['meeting'].pk}/",
}


@pytest.mark.parametrize("vector", list(XSS.FORM_VECTORS)[:30])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_a_file_name_or_title_with_an_attack_is_shown_escaped(client, world, tmp_path, endpoint, vector):
    who, path, _back, model = ENDPOINTS[endpoint]
    attack = XSS.FORM_VECTORS[vector].strip()[:80] or "x"
    client.force_login(world[who])
    # a file name cannot hold "/" (it is cut to its last part) nor NUL; the title holds it all
    filename = attack.replace("/", "").replace("\x00", "")[:60] + ".pdf"
    answer = client.post(f"/ja{path(world)}", {"title": attack,
                                               "file": SimpleUploadedFile(filename, PDF, "application/pdf")},
                         follow=True)
    assert XSS.scan(answer.content.decode()) == []

    document = model.objects.first()
    if document is None:
        # A double quote ends the name in the multipart header (browsers send it as %22): the name
        # is cut before ".pdf" and the file refused, with the message, and nothing stored.
        assert '"' in filename and 'message-error' in answer.content.decode()
        assert stored_files(tmp_path) == []
        return
    assert document.title == attack
    page = client.get(SHOWN_AT[endpoint](world)).content.decode()
    assert XSS.scan(page) == []
    assert escape(attack) in page
    served = client.get(f"/media/{document.file.name}")
    assert served.status_code == 200 and served["Content-Disposition"].startswith("attachment;")
    assert "\n" not in served["Content-Disposition"] and "\r" not in served["Content-Disposition"]
