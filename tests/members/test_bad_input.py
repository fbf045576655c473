"""Bad input in the members app: a clear, translated error next to the field, and nothing saved.

The membership application, the institution profile (with its logo and e-mail domains) and the
CSV import of the member list. Every refusal is checked for the message the person reads (Japanese,
and English for some), for the rows that must not appear (MembershipApplication, Institution,
EmailDomain) and for the e-mails that must not leave (posts run inside ``deliver()``, so an e-mail
queued by mistake would reach ``mail.outbox``).
"""

import html
import io
import re
import struct
import zlib
from functools import cache

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from members.audit.models import AuditEntry
from members.models import Affiliation, EmailDomain, Institution, MembershipApplication
from members.notifications.models import Notification
from members.services.imports import institutions_import
from tests.factories import (
    EmailDomainFactory,
    InstitutionFactory,
    WorkingGroupFactory,
    secretariat_user,
    staff_of,
)

pytestmark = pytest.mark.django_db

REQUIRED = {"ja": "このフィールドは必須です。", "en": "This field is required."}
FIX_BELOW = {"ja": "下記の項目を修正してください。", "en": "Please correct the fields marked below."}
INVALID_IMAGE = {
    "ja": "画像をアップロードしてください。アップロードしたファイルは画像でないか、または壊れています。",
    "en": "Upload a valid image. The file you uploaded was either not an image or a corrupted image.",
}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def field_errors(response, name: str) -> list[str]:
    """The error messages shown next to the field ``name``: its errorlist sits in the field's own
    block, and a single input points to it with aria-describedby."""
    page = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="id_{name}_error">(.*?)</ul>', page, re.S)
    if match is None:
        return []
    block_end = page.find('<div class="field', match.end())
    block = page[match.end():block_end if block_end != -1 else len(page)]
    assert f'name="{name}"' in block, f"{name}: the error is not next to the field"
    single = re.search(rf'<(?:input|select|textarea)[^>]*\bid="id_{name}"[^>]*>', block)
    if single is not None:
        assert f"id_{name}_error" in single.group(0), f"{name}: the field does not point to its error"
    return [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


def row_counts() -> dict:
    return {
        "applications": MembershipApplication.objects.count(),
        "institutions": Institution.objects.count(),
        "domains": EmailDomain.objects.count(),
        "affiliations": Affiliation.objects.count(),
        "audit": AuditEntry.objects.count(),
        "outbox": Notification.objects.count(),
    }


def png_bytes(size=(64, 40), mode="RGBA", color=(0, 128, 0, 200)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, "PNG")
    return out.getvalue()


def noisy_png(side: int) -> bytes:
    """A real PNG that does not compress (random pixels): about 3 × side² bytes."""
    import random

    rnd = random.Random(7)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), rnd.randbytes(side * side * 3)).save(out, "PNG", compress_level=1)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@cache
def bomb_png(side: int = 20000) -> bytes:
    """A well-formed 1-bit PNG of side × side pixels (400 megapixels at 20000): some 50 kB on the
    wire that would decode to hundreds of MB. Compressed row by row, never held whole in memory."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def test_bomb_png_is_what_it_claims():
    """The fixture itself: Pillow reads it as a real 20000 × 20000 PNG (the header, not the pixels)."""
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        with Image.open(io.BytesIO(bomb_png())) as image:
            assert (image.format, image.size) == ("PNG", (20000, 20000))
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    assert len(bomb_png()) < 200_000


# ---------------------------------------------------------------------------------------------
# The membership application
# ---------------------------------------------------------------------------------------------

VALID_APPLICATION = {
    "name_ja": "信州テスト大学",
    "name_en": "Shinshu Test University",
    "name_kana": "しんしゅうてすとだいがく",
    "kind": "national",
    "category": "participating",
    "prefecture": "20",
    "website": "https://www.shinshu-test.ac.jp",
    "email_domain": "shinshu-test.ac.jp",
    "target_year": "2050",
    "applicant_name": "山田 太郎",
    "applicant_title": "環境推進室長",
    "applicant_email": "yamada@shinshu-test.ac.jp",
    "representative_name": "鈴木 一郎",
    "representative_title": "学長",
    "message": "",
    "consent": "on",
}


def apply(client, deliver, lang="ja", **changes):
    data = {**VALID_APPLICATION, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    with deliver():
        return client.post(f"/{lang}/members/apply/", data)


def assert_refused(response, before, lang="ja"):
    """The form again, saying what to fix; no row, no e-mail."""
    assert response.status_code == 200
    assert FIX_BELOW[lang] in response.content.decode()
    assert row_counts() == before
    assert mail.outbox == []


def test_application_valid_is_accepted(client, deliver):
    """The control for every refusal below: the same data, unchanged, is taken."""
    before = row_counts()
    response = apply(client, deliver)
    assert (response.status_code, response["Location"]) == (302, "/ja/members/apply/sent/")
    assert row_counts()["applications"] == before["applications"] + 1
    assert MembershipApplication.objects.get().name_ja == "信州テスト大学"
    assert [m.to for m in mail.outbox] == [["yamada@shinshu-test.ac.jp"]]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_application_empty_lists_every_required_field(client, deliver, lang):
    before = row_counts()
    with deliver():
        response = client.post(f"/{lang}/members/apply/", {})
    assert_refused(response, before, lang)
    required = ["name_ja", "name_en", "name_kana", "kind", "category", "prefecture", "website", "applicant_name",
                "applicant_title", "applicant_email", "representative_name", "representative_title"]
    assert set(response.context["form"].errors) == {*required, "consent"}
    for name in required:
        assert field_errors(response, name) == [REQUIRED[lang]], name
    assert field_errors(response, "consent") == [
        {"ja": "申込を送信するには同意が必要です。", "en": "Please confirm to send the application."}[lang]
    ]


@pytest.mark.parametrize("name", ["name_ja", "applicant_email", "website", "representative_title"])
def test_application_one_required_field_blank_is_refused(client, deliver, name):
    before = row_counts()
    response = apply(client, deliver, **{name: "   " if name != "applicant_email" else ""})
    assert_refused(response, before)
    assert field_errors(response, name) == [REQUIRED["ja"]]


BAD_FIELDS = [
    # (field, value, Japanese message, English message)
    ("prefecture", "99", "正しく選択してください。 99 は候補にありません。",
     "Select a valid choice. 99 is not one of the available choices."),
    ("prefecture", "00", "正しく選択してください。 00 は候補にありません。",
     "Select a valid choice. 00 is not one of the available choices."),
    ("website", "not a website", "URLを正しく入力してください。", "Enter a valid URL."),
    ("website", "javascript:alert(1)", "URLを正しく入力してください。", "Enter a valid URL."),
    ("name_kana", "Shinshu Tesuto Daigaku", "よみがなはひらがなかカタカナで入力してください。",
     "Write the reading in kana."),
    ("name_kana", "信州テスト大学", "よみがなはひらがなかカタカナで入力してください。", "Write the reading in kana."),
    ("consent", None, "申込を送信するには同意が必要です。", "Please confirm to send the application."),
    ("email_domain", "gmail.com",
     "gmail.com は多くの組織が共有するドメインです。貴機関独自のドメインを入力してください。",
     "gmail.com is shared by many organisations; give your institution's own domain."),
    ("email_domain", "AC.JP",
     "ac.jp は多くの組織が共有するドメインです。貴機関独自のドメインを入力してください。",
     "ac.jp is shared by many organisations; give your institution's own domain."),
    ("email_domain", "not a domain", "example.ac.jp のようなドメインを入力してください。",
     "Enter a domain such as example.ac.jp."),
    ("applicant_email", "yamada-at-shinshu", "有効なメールアドレスを入力してください。",
     "Enter a valid email address."),
    ("target_year", "2020", "この値は 2021 以上でなければなりません。",
     "Ensure this value is greater than or equal to 2021."),
    ("target_year", "soon", "整数を入力してください。", "Enter a whole number."),
    ("intended_groups", "no-such-group", "正しく選択してください。 no-such-group は候補にありません。",
     "Select a valid choice. no-such-group is not one of the available choices."),
]


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize(("name", "value", "message_ja", "message_en"), BAD_FIELDS,
                         ids=[f"{b[0]}={b[1]}" for b in BAD_FIELDS])
def test_application_bad_field_is_explained_next_to_it(client, deliver, lang, name, value, message_ja, message_en):
    WorkingGroupFactory(slug="energy")  # a group the applicant could name
    before = row_counts()
    response = apply(client, deliver, lang=lang, **{name: value})
    assert_refused(response, before, lang)
    assert set(response.context["form"].errors) == {name}
    assert field_errors(response, name) == [message_ja if lang == "ja" else message_en]


@pytest.fixture
def member():
    """An existing member whose names have letters that come in two widths and cases."""
    return InstitutionFactory(name_ja="ABCテック大学", name_en="ABC Tech University",
                              name_kana="えーびーしーてっくだいがく", slug="abc-tech")


@pytest.mark.parametrize(
    "changes",
    [
        {"name_ja": "ABCテック大学"},  # the same
        {"name_ja": "ＡＢＣテック大学"},  # full-width letters
        {"name_ja": "ABCﾃｯｸ大学"},  # half-width katakana
        {"name_ja": "abcテック大学"},  # lower case
        {"name_ja": " ABCテック大学　"},  # surrounding spaces, one of them full-width
        {"name_en": "abc tech university"},  # another Japanese name, the same English one
        {"name_en": "ＡＢＣ　Ｔｅｃｈ　Ｕｎｉｖｅｒｓｉｔｙ"},
    ],
    ids=["same", "full-width", "half-width-kana", "lower-case", "spaces", "english", "english-full-width"],
)
def test_application_for_existing_member_is_refused(client, deliver, member, changes):
    before = row_counts()
    response = apply(client, deliver, **changes)
    assert_refused(response, before)
    assert field_errors(response, "name_ja") == [
        "ABCテック大学はすでにコアリションの会員です。同機関の事務担当者に、教職員としての登録を依頼してください。"
    ]


def test_application_for_existing_member_is_refused_in_english(client, deliver, member):
    before = row_counts()
    response = apply(client, deliver, lang="en", name_ja="ＡＢＣテック大学")
    assert_refused(response, before, "en")
    assert field_errors(response, "name_ja") == [
        "ABC Tech University is already a member of the coalition. Its contact can add you as staff."
    ]


def test_application_for_suspended_member_is_refused(client, deliver, member):
    """A suspended member is still a member: it comes back through the secretariat, not a new application."""
    member.status = Institution.Status.SUSPENDED
    member.save()
    before = row_counts()
    response = apply(client, deliver, name_ja="ABCテック大学")
    assert_refused(response, before)
    assert field_errors(response, "name_ja") == [
        "ABCテック大学はすでにコアリションの会員です。同機関の事務担当者に、教職員としての登録を依頼してください。"
    ]


def test_application_domain_of_another_member_is_refused(client, deliver, member):
    EmailDomainFactory(institution=member, domain="abc-tech.example.ac.jp")
    before = row_counts()
    response = apply(client, deliver, email_domain="abc-tech.example.ac.jp")
    assert_refused(response, before)
    assert field_errors(response, "email_domain") == [
        "abc-tech.example.ac.jp はすでにABCテック大学に登録されています。"
    ]


@pytest.fixture
def pending_application(client, deliver):
    response = apply(client, deliver, name_ja="ミライ工科大学", name_en="Mirai Institute of Technology",
                     name_kana="みらいこうかだいがく")
    assert response.status_code == 302
    mail.outbox.clear()
    return MembershipApplication.objects.get(name_ja="ミライ工科大学")


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("name_ja", ["ミライ工科大学", "ﾐﾗｲ工科大学", "みらい工科大学"])
def test_application_duplicate_of_pending_is_refused(client, deliver, pending_application, lang, name_ja):
    before = row_counts()
    response = apply(client.__class__(), deliver, lang=lang, name_ja=name_ja, name_en="Mirai Tech",
                     applicant_email="other@mirai.example.ac.jp")
    assert_refused(response, before, lang)
    expected = {"ja": f"{name_ja}の入会申込はすでに事務局で審査中です。",
                "en": f"An application for {name_ja} is already being reviewed by the secretariat."}[lang]
    assert field_errors(response, "name_ja") == [expected]
    assert MembershipApplication.objects.get().pk == pending_application.pk


def test_application_after_rejected_one_is_taken(client, deliver, pending_application):
    """Only an open application blocks another: after a rejection the institution may apply again."""
    pending_application.status = MembershipApplication.Status.REJECTED
    pending_application.save()
    response = apply(client, deliver, name_ja="ミライ工科大学", name_en="Mirai Institute of Technology",
                     name_kana="みらいこうかだいがく")
    assert response.status_code == 302
    assert MembershipApplication.objects.filter(name_ja="ミライ工科大学").count() == 2


def test_application_honeypot_saves_and_sends_nothing(client, deliver):
    before = row_counts()
    response = apply(client, deliver, website_url="http://spam.example")
    assert (response.status_code, response["Location"]) == (302, "/ja/members/apply/sent/")
    assert row_counts() == before
    assert mail.outbox == []


# ---------------------------------------------------------------------------------------------
# The institution profile: logo and e-mail domains
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def institution():
    inst = InstitutionFactory(slug="univ-a", name_ja="甲大学", name_en="Alpha University", name_kana="こうだいがく",
                              profile_ja="元の紹介文", website="https://alpha.example.ac.jp")
    EmailDomainFactory(institution=inst, domain="alpha.example.ac.jp")
    return inst


@pytest.fixture
def other_institution():
    other = InstitutionFactory(slug="univ-b", name_ja="乙大学", name_en="Beta University", name_kana="おつだいがく")
    EmailDomainFactory(institution=other, domain="beta.example.ac.jp")
    return other


@pytest.fixture
def contact_client(client, institution):
    client.force_login(staff_of(institution, role=Affiliation.Role.CONTACT, email="contact@alpha.example.ac.jp"))
    return client


def edit(client, deliver, institution, lang="ja", logo=None, **changes):
    data = {"name_ja": institution.name_ja, "name_en": institution.name_en, "name_kana": institution.name_kana,
            "website": institution.website, "profile_ja": "新しい紹介文", "profile_en": "", "target_year": "",
            "email_domains": "alpha.example.ac.jp", **changes}
    if logo is not None:
        data["logo"] = logo
    with deliver():
        return client.post(f"/{lang}/members/{institution.slug}/edit/", data)


def assert_profile_untouched(response, institution, before, media, lang="ja"):
    assert response.status_code == 200
    assert FIX_BELOW[lang] in response.content.decode()
    saved = Institution.objects.get(pk=institution.pk)
    assert (saved.profile_ja, saved.logo.name, saved.updated_at) == ("元の紹介文", "", institution.updated_at)
    assert list(EmailDomain.objects.filter(institution=institution).values_list("domain", flat=True)) == [
        "alpha.example.ac.jp"
    ]
    assert row_counts() == before
    assert [p for p in media.rglob("*") if p.is_file()] == []
    assert mail.outbox == []


def test_profile_valid_edit_is_saved(contact_client, deliver, institution, media):
    """The control: the same post without a bad part is saved."""
    response = edit(contact_client, deliver, institution, email_domains="alpha.example.ac.jp\nlab.alpha.example.ac.jp")
    assert (response.status_code, response["Location"]) == (302, "/ja/members/univ-a/")
    assert Institution.objects.get(pk=institution.pk).profile_ja == "新しい紹介文"
    assert sorted(institution.email_domains.values_list("domain", flat=True)) == [
        "alpha.example.ac.jp", "lab.alpha.example.ac.jp"
    ]


FAKE_LOGOS = [
    ("logo.png", b"This is a text file, not a picture.\n", "image/png"),
    ("logo.png", b"<script>alert(document.cookie)</script>", "image/png"),
    ("logo.png", b"#!/bin/sh\nrm -rf /\n", "image/png"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                 b'<script>alert(1)</script><rect width="10" height="10"/></svg>', "image/svg+xml"),
    ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/png"),
    ("logo.png", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", "image/png"),
]


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize(("filename", "content", "content_type"), FAKE_LOGOS,
                         ids=["text", "script", "shell", "svg-script", "svg-as-png", "pdf-as-png"])
def test_profile_logo_not_an_image_is_refused(contact_client, deliver, institution, media, lang, filename, content,
                                              content_type):
    before = row_counts()
    response = edit(contact_client, deliver, institution, lang=lang,
                    logo=SimpleUploadedFile(filename, content, content_type=content_type))
    assert_profile_untouched(response, institution, before, media, lang)
    assert field_errors(response, "logo") == [INVALID_IMAGE[lang]]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_profile_logo_too_large_is_refused(contact_client, deliver, institution, media, settings, lang):
    settings.MAX_IMAGE_UPLOAD = 1024 * 1024
    data = noisy_png(700)
    assert len(data) > settings.MAX_IMAGE_UPLOAD
    before = row_counts()
    response = edit(contact_client, deliver, institution, lang=lang,
                    logo=SimpleUploadedFile("logo.png", data, content_type="image/png"))
    assert_profile_untouched(response, institution, before, media, lang)
    assert field_errors(response, "logo") == [
        {"ja": "ファイルが大きすぎます（1MBまで）。", "en": "The file is too large (at most 1 MB)."}[lang]
    ]


def test_profile_logo_decompression_bomb_is_refused(contact_client, deliver, institution, media):
    before = row_counts()
    response = edit(contact_client, deliver, institution,
                    logo=SimpleUploadedFile("logo.png", bomb_png(), content_type="image/png"))
    assert_profile_untouched(response, institution, before, media)
    # Django's ImageField opens it first, and Pillow refuses it before decoding anything
    assert field_errors(response, "logo") == [INVALID_IMAGE["ja"]]


# Django's ImageField lets Pillow warn about a big image (warnings are errors only under pytest);
# the form's own check (members.uploads.clean_image) then refuses it with its reason.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(("lang", "message"), [("ja", "画像の画素数が多すぎます。"),
                                               ("en", "The image has too many pixels.")])
def test_profile_logo_too_many_pixels_is_refused_with_its_reason(contact_client, deliver, institution, media, lang,
                                                                  message):
    before = row_counts()
    response = edit(contact_client, deliver, institution, lang=lang,
                    logo=SimpleUploadedFile("logo.png", bomb_png(7000), content_type="image/png"))
    assert_profile_untouched(response, institution, before, media, lang)
    assert field_errors(response, "logo") == [message]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_profile_domain_of_another_institution_is_refused(contact_client, deliver, institution, other_institution,
                                                          media, lang):
    before = row_counts()
    response = edit(contact_client, deliver, institution, lang=lang,
                    email_domains="alpha.example.ac.jp\nBeta.Example.ac.jp")
    assert_profile_untouched(response, institution, before, media, lang)
    assert field_errors(response, "email_domains") == [
        {"ja": "beta.example.ac.jp はすでに乙大学に登録されています。",
         "en": "beta.example.ac.jp is already registered to Beta University."}[lang]
    ]
    assert EmailDomain.objects.get(domain="beta.example.ac.jp").institution == other_institution


@pytest.mark.parametrize(
    ("domains", "message"),
    [
        ("gmail.com", "gmail.com は多くの組織が共有するドメインです。貴機関独自のドメインを入力してください。"),
        ("alpha.example.ac.jp\nnot_a_domain!", "example.ac.jp のようなドメインを入力してください。"),
    ],
    ids=["public", "malformed"],
)
def test_profile_bad_domain_is_refused(contact_client, deliver, institution, media, domains, message):
    before = row_counts()
    response = edit(contact_client, deliver, institution, email_domains=domains)
    assert_profile_untouched(response, institution, before, media)
    assert field_errors(response, "email_domains") == [message]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("website", "javascript:alert(1)", "URLを正しく入力してください。"),
        ("name_kana", "Alpha", "よみがなはひらがなかカタカナで入力してください。"),
        ("name_ja", "", "このフィールドは必須です。"),
        ("target_year", "2101", "この値は 2100 以下でなければなりません。"),
    ],
    ids=["website-javascript", "kana-latin", "name-blank", "target-year"],
)
def test_profile_bad_field_is_refused(contact_client, deliver, institution, media, name, value, message):
    before = row_counts()
    response = edit(contact_client, deliver, institution, **{name: value})
    assert_profile_untouched(response, institution, before, media)
    assert field_errors(response, name) == [message]


def test_profile_bad_logo_with_good_fields_saves_none_of_them(contact_client, deliver, institution, media):
    """Nothing half-saved: a new domain and a new text arrive with a bad logo, and none of it is kept."""
    before = row_counts()
    response = edit(contact_client, deliver, institution, email_domains="alpha.example.ac.jp\nnew.alpha.example.ac.jp",
                    logo=SimpleUploadedFile("logo.png", b"GIF89a not really", content_type="image/png"))
    assert_profile_untouched(response, institution, before, media)
    assert EmailDomain.objects.filter(domain="new.alpha.example.ac.jp").exists() is False


def test_profile_good_logo_with_bad_domain_stores_no_file(contact_client, deliver, institution, other_institution,
                                                         media):
    """The logo is only written when the whole form is valid."""
    before = row_counts()
    response = edit(contact_client, deliver, institution, email_domains="beta.example.ac.jp",
                    logo=SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png"))
    assert_profile_untouched(response, institution, before, media)
    assert field_errors(response, "logo") == []
    assert field_errors(response, "email_domains") == ["beta.example.ac.jp はすでに乙大学に登録されています。"]


def test_profile_name_of_another_member_is_refused(contact_client, deliver, institution, other_institution, media):
    before = row_counts()
    response = edit(contact_client, deliver, institution, name_ja="乙大学")
    assert_profile_untouched(response, institution, before, media)
    assert field_errors(response, "name_ja") == ["同じ名称の会員機関がすでにあります。"]


def test_profile_valid_logo_is_stored_re_encoded(contact_client, deliver, institution, media):
    from PIL.PngImagePlugin import PngInfo

    payload = b"<script>alert('kept?')</script>"
    metadata = PngInfo()
    metadata.add_text("Comment", "GPS 36.2048N 138.2529E")
    out = io.BytesIO()
    Image.new("RGBA", (1024, 600), (0, 128, 0, 200)).save(out, "PNG", pnginfo=metadata)
    upload = out.getvalue() + payload  # bytes after IEND: a PNG/script polyglot
    response = edit(contact_client, deliver, institution,
                    logo=SimpleUploadedFile("../../evil name.png", upload, content_type="image/png"))
    assert (response.status_code, response["Location"]) == (302, "/ja/members/univ-a/")
    saved = Institution.objects.get(pk=institution.pk)
    assert saved.logo.name.startswith("logos/univ-a-logo")
    assert saved.logo.name.endswith(".png")
    stored = (media / saved.logo.name).read_bytes()
    assert payload not in stored
    assert b"GPS" not in stored
    assert stored.endswith(b"IEND\xaeB`\x82")  # nothing after the PNG's last chunk
    with Image.open(io.BytesIO(stored)) as image:
        image.verify()
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (512, 300), "RGBA")
        assert "Comment" not in image.info
    assert [p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()] == [saved.logo.name]


def test_profile_opaque_logo_is_stored_as_jpeg(contact_client, deliver, institution, media):
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "navy").save(out, "PNG")
    response = edit(contact_client, deliver, institution,
                    logo=SimpleUploadedFile("logo.png", out.getvalue() + b"trailing junk", content_type="image/png"))
    assert response.status_code == 302
    saved = Institution.objects.get(pk=institution.pk)
    assert saved.logo.name.endswith(".jpg")
    stored = (media / saved.logo.name).read_bytes()
    assert stored.endswith(b"\xff\xd9")  # nothing after the JPEG's end marker
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == ("JPEG", (300, 200))


# ---------------------------------------------------------------------------------------------
# CSV import of the member list
# ---------------------------------------------------------------------------------------------

HEADER = "slug,name_ja,name_en,name_kana,kind,category,prefecture,website,joined_on,target_year,email_domains\n"
GOOD_ROWS = (
    "kita-univ,北大学,Kita University,きただいがく,national,participating,1,https://kita.example.ac.jp,"
    "2021-07-29,2050,kita.example.ac.jp mail.kita.example.ac.jp\n"
    "minami-kosen,南工業高等専門学校,Minami College of Technology,みなみこうぎょうこうとうせんもんがっこう,kosen,"
    "participating,47,https://minami.example.ac.jp,2022-04-01,,minami.example.ac.jp\n"
)


def csv_bytes(text: str, encoding="utf-8") -> bytes:
    return text.encode(encoding)


@pytest.fixture
def secretariat():
    return secretariat_user(email="desk@coalition.example.org")


@pytest.fixture
def owner():
    """An institution that already owns a domain the bad file tries to take."""
    inst = InstitutionFactory(slug="owner-univ", name_ja="持主大学", name_en="Owner University",
                              name_kana="もちぬしだいがく")
    EmailDomainFactory(institution=inst, domain="owned.example.ac.jp")
    return inst


def snapshot():
    return {
        **row_counts(),
        "rows": sorted(Institution.objects.values_list("slug", "name_ja", "prefecture", "joined_on", "updated_at")),
        "domain_rows": sorted(EmailDomain.objects.values_list("domain", "institution__slug")),
    }


@pytest.fixture
def english():
    """Service messages in English (outside a request the active language is Japanese)."""
    with translation.override("en"):
        yield


def test_import_valid_file_creates_institutions(secretariat):
    report = institutions_import(data=csv_bytes(HEADER + GOOD_ROWS), by=secretariat)
    assert (report.created, report.updated, report.unchanged, report.errors) == (2, 0, 0, [])
    kita = Institution.objects.get(slug="kita-univ")
    assert (kita.name_ja, kita.prefecture, str(kita.joined_on), kita.target_year, kita.status) == (
        "北大学", "01", "2021-07-29", 2050, Institution.Status.ACTIVE)
    assert sorted(kita.email_domains.values_list("domain", flat=True)) == ["kita.example.ac.jp",
                                                                           "mail.kita.example.ac.jp"]
    assert Institution.objects.get(slug="minami-kosen").target_year is None


def test_import_same_file_twice_changes_nothing(secretariat):
    institutions_import(data=csv_bytes(HEADER + GOOD_ROWS), by=secretariat)
    before = snapshot()
    report = institutions_import(data=csv_bytes(HEADER + GOOD_ROWS), by=secretariat)
    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 2, [])
    assert snapshot() == before


def test_import_changed_row_is_updated_and_only_it(secretariat):
    institutions_import(data=csv_bytes(HEADER + GOOD_ROWS), by=secretariat)
    minami_before = Institution.objects.get(slug="minami-kosen").updated_at
    report = institutions_import(data=csv_bytes(HEADER + GOOD_ROWS.replace("北大学", "北海大学")), by=secretariat)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert Institution.objects.get(slug="kita-univ").name_ja == "北海大学"
    assert Institution.objects.get(slug="minami-kosen").updated_at == minami_before


BAD_FILE = (
    HEADER
    + GOOD_ROWS  # lines 2 and 3: fine
    + "nishi-univ,西大学,Nishi University,にしだいがく,private,participating,99,,2021-07-29,,\n"  # 4
    + "higashi-univ,東大学,Higashi University,ひがしだいがく,private,participating,13,,2021/07/29,,\n"  # 5
    + "kita-univ,北第二大学,Kita Second University,きただいにだいがく,private,cooperating,1,,,,\n"  # 6
    + "chuo-univ,中央大学,Chuo University,ちゅうおうだいがく,private,participating,13,,,,owned.example.ac.jp\n"  # 7
)


def test_import_file_with_bad_rows_imports_nothing_and_names_each_row(secretariat, owner, english):
    before = snapshot()
    report = institutions_import(data=csv_bytes(BAD_FILE), by=secretariat)
    assert report.ok is False
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert [line for line, _ in report.errors] == [4, 5, 6, 7]
    errors = dict(report.errors)
    assert errors[4] == "prefecture must be a code from 01 to 47; prefecture: Value '99' is not a valid choice."
    assert errors[5] == "joined_on must be a date like 2021-07-29"
    assert errors[6] == "the slug kita-univ appears twice in the file"
    assert errors[7] == "the domain owned.example.ac.jp belongs to Owner University"
    assert snapshot() == before


def test_import_same_domain_on_two_rows_imports_nothing(secretariat, english):
    before = snapshot()
    report = institutions_import(data=csv_bytes(HEADER + GOOD_ROWS.replace(
        "minami.example.ac.jp\n", "kita.example.ac.jp\n")), by=secretariat)
    assert report.ok is False
    assert [line for line, _ in report.errors] == [3]
    assert snapshot() == before


@pytest.mark.parametrize("domain", ["gmail.com", "ac.jp"])
def test_import_public_domain_imports_nothing(secretariat, english, domain):
    before = snapshot()
    report = institutions_import(data=csv_bytes(HEADER + GOOD_ROWS.replace(
        "minami.example.ac.jp\n", f"{domain}\n")), by=secretariat)
    assert report.ok is False
    assert [line for line, _ in report.errors] == [3]
    assert snapshot() == before


def test_import_missing_columns_imports_nothing(secretariat, english):
    before = snapshot()
    report = institutions_import(data=csv_bytes("slug,name_ja,name_en\nx,エックス大学,X University\n"),
                                 by=secretariat)
    assert report.errors == [(1, "Missing columns: name_kana, kind, category, prefecture")]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("encoding", "name_ja"),
    [("shift_jis", "北大学"), ("cp932", "髙北大学"), ("utf-8", "髙北大学"), ("utf-8-sig", "髙北大学")],
)
def test_import_encodings_are_read(secretariat, encoding, name_ja):
    """Shift_JIS as Excel writes it (cp932, with its extra kanji such as 髙), and UTF-8 with or without a BOM."""
    report = institutions_import(data=csv_bytes(HEADER + GOOD_ROWS.replace("北大学", name_ja), encoding),
                                 by=secretariat)
    assert (report.created, report.errors) == (2, [])
    assert Institution.objects.get(slug="kita-univ").name_ja == name_ja
    assert Institution.objects.get(slug="minami-kosen").name_ja == "南工業高等専門学校"


def upload_csv(client, data: bytes, lang="ja", name="members.csv"):
    return client.post(f"/{lang}/secretariat/members/import/",
                       {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def test_import_view_valid_then_again(client, secretariat):
    client.force_login(secretariat)
    first = upload_csv(client, csv_bytes(HEADER + GOOD_ROWS, "cp932"))
    assert (first.status_code, first["Location"]) == (302, "/ja/secretariat/members/")
    assert "取り込みました: 新規 2件、更新 0件、変更なし 0件。" in client.get(first["Location"]).content.decode()
    before = snapshot()
    second = upload_csv(client, csv_bytes(HEADER + GOOD_ROWS, "cp932"), lang="en")
    assert (second.status_code, second["Location"]) == (302, "/en/secretariat/members/")
    assert "Imported: 0 new, 0 updated, 2 unchanged." in client.get(second["Location"]).content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("lang", "heading", "lines"),
    [
        ("ja", "何も取り込んでいません。次の行を修正して再度お試しください:", [
            "4行目: prefecture は01から47までのコードにしてください; prefecture: '99' は有効な選択肢ではありません。",
            "5行目: joined_on は 2021-07-29 の形式の日付にしてください",
            "6行目: slug kita-univ がファイル内で重複しています",
            "7行目: ドメイン owned.example.ac.jp は持主大学のものです",
        ]),
        ("en", "Nothing was imported. Correct these rows and try again:", [
            "Row 4: prefecture must be a code from 01 to 47; prefecture: Value '99' is not a valid choice.",
            "Row 5: joined_on must be a date like 2021-07-29",
            "Row 6: the slug kita-univ appears twice in the file",
            "Row 7: the domain owned.example.ac.jp belongs to Owner University",
        ]),
    ],
)
def test_import_view_bad_rows_are_listed(client, secretariat, owner, deliver, lang, heading, lines):
    client.force_login(secretariat)
    before = snapshot()
    with deliver():
        response = upload_csv(client, csv_bytes(BAD_FILE), lang=lang)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert heading in page
    assert re.findall(r"<li>((?:Row \d+|\d+行目): .*?)</li>", page, re.S) == lines
    assert snapshot() == before
    assert mail.outbox == []


def broken_utf8(text: str) -> bytes:
    """``text`` in UTF-8 with the last byte of the first Japanese character on line 3 cut off (a file
    cut or edited by a tool that does not know UTF-8): read as Shift_JIS, it decodes to mojibake."""
    data = text.encode()
    third = data.index(b"\n", data.index(b"\n") + 1) + 1
    first = next(i for i in range(third, len(data)) if data[i] >= 0x80)
    return data[:first + 2] + data[first + 3:]


def nul_before_a_comma(text: str) -> bytes:
    """``text`` in UTF-8 with a zero byte at an even offset before a comma on line 3: read in pairs
    (UTF-16, big-endian) the two bytes are a comma (the fuzz found it)."""
    data = text.encode()
    third = data.index(b"\n", data.index(b"\n") + 1) + 1
    at = next(i for i in range(third, len(data)) if data[i:i + 1] == b"," and i % 2 == 0)
    data = data[:at] + b"\x00" + data[at:]
    return data + b"\n" * (len(data) % 2)  # an even length: it decodes as UTF-16


@pytest.mark.parametrize(
    ("data", "lang", "message"),
    [
        # EUC-JP: its first row happens to decode as Shift_JIS (mojibake), its second cannot
        ((HEADER + GOOD_ROWS).encode("euc-jp"), "ja",
         "3行目がUTF-8でもShift_JISでもありません。「CSV UTF-8」形式で保存し直して、"
         "もう一度アップロードしてください。"),
        ((HEADER + GOOD_ROWS).encode("euc-jp"), "en",
         "Line 3 is neither UTF-8 nor Shift_JIS text: save the file as CSV UTF-8 and upload it again."),
        # Excel's "Unicode text"
        ((HEADER + GOOD_ROWS).encode("utf-16"), "ja",
         "ファイルがUTF-16のテキスト（Excelの「Unicode テキスト」）です。「CSV UTF-8」または「CSV」形式で保存し直して、"
         "もう一度アップロードしてください。"),
        ((HEADER + GOOD_ROWS).encode("utf-16"), "en",
         "The file is UTF-16 text (what Excel saves as Unicode text): save it as CSV UTF-8 or CSV and upload it "
         "again."),
        # the same without its BOM, mostly Japanese (too few zero bytes to look like UTF-16): was "a NUL
        # character on line 1"
        ((HEADER + GOOD_ROWS + "あ" * 2000 + "\n").encode("utf-16-le"), "en",
         "The file is UTF-16 text (what Excel saves as Unicode text): save it as CSV UTF-8 or CSV and upload it "
         "again."),
        # the same with its lines ended by a carriage return alone (the fuzz: its first line had no
        # "\n", and it was "a NUL character on line 1")
        ((HEADER + GOOD_ROWS + "あ" * 2000 + "\n").replace("\n", "\r").encode("utf-16-le"), "ja",
         "ファイルがUTF-16のテキスト（Excelの「Unicode テキスト」）です。「CSV UTF-8」または「CSV」形式で保存し直して、"
         "もう一度アップロードしてください。"),
        # UTF-8 with a NUL that pairs with a comma: a NUL on its line, not UTF-16
        (nul_before_a_comma(HEADER + GOOD_ROWS), "en",
         "Line 3 contains a NUL character, so the file is not a CSV text file."),
        # UTF-8 with one broken character: refused naming its line, not imported as Shift_JIS mojibake
        (broken_utf8(HEADER + GOOD_ROWS), "ja",
         "3行目がUTF-8のテキストになっていません（壊れた文字があります）。「CSV UTF-8」形式で保存し直してください。"),
        (broken_utf8(HEADER + GOOD_ROWS), "en",
         "Line 3 is not UTF-8 text (a broken character): save the file as CSV UTF-8 again."),
    ],
    ids=["euc-jp-ja", "euc-jp-en", "utf-16-ja", "utf-16-en", "utf-16-le-japanese-en", "utf-16-le-carriage-returns-ja",
         "nul-pairing-with-a-comma-en", "broken-utf-8-ja", "broken-utf-8-en"],
)
def test_import_view_file_in_unknown_encoding_is_refused(client, secretariat, data, lang, message):
    client.force_login(secretariat)
    before = snapshot()
    response = upload_csv(client, data, lang=lang)
    assert response.status_code == 200
    assert field_errors(response, "file") == [message]
    assert html.unescape(response.content.decode()).count(message) == 1
    assert snapshot() == before


def test_import_view_reads_shift_jis_as_excel_saves_it(client, secretariat):
    client.force_login(secretariat)
    response = upload_csv(client, (HEADER + GOOD_ROWS).encode("cp932"), lang="en")
    assert response.status_code == 302
    assert Institution.objects.get(slug="minami-kosen").name_ja == "南工業高等専門学校"


# ---------------------------------------------------------------------------------------------
# The secretariat's decisions need a reason
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def submitted(client, deliver):
    response = apply(client, deliver)
    assert response.status_code == 302
    mail.outbox.clear()
    return MembershipApplication.objects.get()


@pytest.mark.parametrize(("lang", "message"), [("ja", "理由を入力してください。申込者に送られます。"),
                                               ("en", "Give the reason; the applicant will read it.")])
@pytest.mark.parametrize("decision", ["reject", "return"])
def test_application_decision_without_reason_is_refused(client, deliver, secretariat, submitted, decision, lang,
                                                        message):
    client.force_login(secretariat)
    before = row_counts()
    with deliver():
        response = client.post(f"/{lang}/secretariat/applications/{submitted.pk}/",
                               {"decision": decision, "reason": "  "})
    assert response.status_code == 200
    assert field_errors(response, "reason") == [message]
    assert MembershipApplication.objects.get(pk=submitted.pk).status == MembershipApplication.Status.SUBMITTED
    assert row_counts() == before
    assert mail.outbox == []


def test_status_change_without_reason_is_refused(client, deliver, secretariat, institution):
    client.force_login(secretariat)
    before = row_counts()
    with deliver():
        response = client.post(f"/ja/secretariat/members/{institution.slug}/status/",
                               {"status": "withdrawn", "reason": ""})
    assert response.status_code == 200
    assert field_errors(response, "reason") == [REQUIRED["ja"]]
    assert Institution.objects.get(pk=institution.pk).status == Institution.Status.ACTIVE
    assert row_counts() == before


# ---------------------------------------------------------------------------------------------
# Found by the fuzz test (tests/test_fuzz.py): each was a server error or a refusal nobody could see
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/ja/members/", "/ja/initiatives/", "/ja/meetings/"])
@pytest.mark.parametrize("page", ["²", "¹", "١"])
def test_list_page_number_in_other_digits_is_the_first_page(client, path, page):
    """"²".isdigit() is true and int("²") raises: a page number is ASCII digits, or page 1."""
    response = client.get(path, {"page": page})
    assert (response.status_code, response.context["page_obj"].number) == (200, 1)


@pytest.mark.parametrize("path", ["/ja/members/", "/ja/initiatives/", "/ja/meetings/"])
@pytest.mark.parametrize("page", ["9" * 5000, "9" * 19])
def test_list_page_number_too_long_is_past_the_last_page(client, path, page):
    """int() refuses more than 4300 digits; a page past the last one is a 404."""
    response = client.get(path, {"page": page})
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


@pytest.mark.parametrize(("lang", "message"), [("ja", "NUL文字（制御文字）は使用できません。"),
                                               ("en", "Null characters are not allowed.")])
def test_application_field_with_nul_says_so(client, deliver, lang, message):
    """Django's own Japanese for this error says "type some characters"; the portal's says what is wrong."""
    before = row_counts()
    response = apply(client, deliver, lang=lang, name_en="Shinshu\x00Test University")
    assert_refused(response, before, lang)
    assert field_errors(response, "name_en") == [message]


def test_application_honeypot_with_nul_is_spam_not_an_invisible_error(client, deliver):
    """The hidden field refused NUL with an error nobody could see: the form came back saying
    "correct the fields marked below" with none marked. Whatever it holds is spam."""
    before = row_counts()
    response = apply(client, deliver, website_url="\x00")
    assert (response.status_code, response["Location"]) == (302, "/ja/members/apply/sent/")
    assert row_counts() == before
    assert mail.outbox == []


def test_signup_honeypot_with_nul_is_spam_not_an_invisible_error(client, deliver):
    from members.models import User
    from tests.factories import PASSWORD

    with deliver():
        response = client.post("/ja/accounts/signup/", {
            "email": "bot@example.org", "password1": PASSWORD, "password2": PASSWORD, "name": "bot",
            "language": "ja", "website_url": "\x00"})
    assert (response.status_code, response["Location"]) == (302, "/ja/accounts/confirm-email/")
    assert User.objects.filter(email="bot@example.org").exists() is False
    assert mail.outbox == []


def test_application_name_longer_once_folded_is_taken_and_found_again(client, deliver):
    """NFKC makes ㍿ four letters: a 62-letter name folds to 242, more than the column of the key
    that finds a second application for the same institution (on PostgreSQL a server error)."""
    name = "㍿" * 60 + "大学"
    response = apply(client, deliver, name_ja=name)
    assert (response.status_code, response["Location"]) == (302, "/ja/members/apply/sent/")
    assert len(MembershipApplication.objects.get().name_key) == 200
    mail.outbox.clear()
    before = row_counts()
    again = apply(client.__class__(), deliver, name_ja=name, name_en="Another Name",
                  applicant_email="other@shinshu-test.ac.jp")
    assert_refused(again, before)
    assert field_errors(again, "name_ja") == [f"{name}の入会申込はすでに事務局で審査中です。"]


@pytest.mark.parametrize(
    ("lang", "message"),
    [("ja", "1行目をCSVとして読み取れません。項目が長すぎるか、引用符が閉じられていません。"),
     ("en", "Line 1 cannot be read as CSV: a field is too long or a quotation mark is not closed.")],
)
def test_import_view_field_longer_than_csv_allows_is_refused(client, secretariat, lang, message):
    """Python's csv module refuses a field over 128 KiB (csv.Error): the file is refused, next to
    the file field."""
    client.force_login(secretariat)
    before = snapshot()
    response = upload_csv(client, b'"' + b"x" * 140_000 + b'"\n', lang=lang)
    assert response.status_code == 200
    assert field_errors(response, "file") == [message]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("lang", "message"),
    [("ja", "2行目にNUL文字があります。CSVのテキストファイルではありません。"),
     ("en", "Line 2 contains a NUL character, so the file is not a CSV text file.")],
)
def test_import_view_file_with_nul_is_refused(client, secretariat, lang, message):
    """A NUL in a cell reached the database: stored on SQLite, a server error on PostgreSQL."""
    client.force_login(secretariat)
    before = snapshot()
    response = upload_csv(client, csv_bytes(HEADER + GOOD_ROWS.replace("北大学", "北\x00大学")), lang=lang)
    assert response.status_code == 200
    assert field_errors(response, "file") == [message]
    assert snapshot() == before


@pytest.mark.parametrize("target", ["24:00", "a\x00b", "members:account", "account"])
def test_affiliation_action_with_next_that_is_not_a_path_goes_to_its_own_page(client, deliver, institution, target):
    """redirect() reads a ``next`` without a slash or a dot as the name of a URL, and failed."""
    client.force_login(staff_of(institution, role=Affiliation.Role.CONTACT, email="contact@alpha.example.ac.jp"))
    staff = staff_of(institution, email="staff@alpha.example.ac.jp")
    with deliver():
        response = client.post(f"/ja/account/affiliations/{staff.affiliations.get().pk}/role/",
                               {"role": "contact", "next": target})
    assert (response.status_code, response["Location"]) == (302, "/ja/members/univ-a/people/")


@pytest.mark.parametrize(("reason", "message"), [
    ("理由\x00", "NUL文字（制御文字）は使用できません。"),  # ours: Django's says "type some characters"
    ("あ" * 2001, "この値は 2000 文字以下でなければなりません( 2001 文字になっています)。"),
])
def test_affiliation_end_with_bad_reason_is_refused(client, deliver, institution, reason, message):
    """The reason went to the database as posted: NUL was a server error on PostgreSQL."""
    client.force_login(staff_of(institution, role=Affiliation.Role.CONTACT, email="contact@alpha.example.ac.jp"))
    affiliation = staff_of(institution, email="staff@alpha.example.ac.jp").affiliations.get()
    before = row_counts()
    with deliver():
        response = client.post(f"/ja/account/affiliations/{affiliation.pk}/end/", {"reason": reason}, follow=True)
    assert response.redirect_chain == [("/ja/members/univ-a/people/", 302)]
    assert message in html.unescape(response.content.decode())
    assert Affiliation.objects.get(pk=affiliation.pk).status == Affiliation.Status.APPROVED
    assert row_counts() == before
    assert mail.outbox == []
