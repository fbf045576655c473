"""The portal on several machines: uploaded files in an S3-compatible bucket, served only after the
permission check (by the web process, or by nginx once the portal said yes), and web nodes that keep
nothing of their own, so that whatever one node did the other one sees.

The bucket is a real S3-compatible server on a local port (moto in server mode), not a mocked
client; nginx runs with the portal's own locations (deploy/nginx/coalition-locations.conf); the two
web nodes are gunicorn processes with deploy/gunicorn.conf.py on the test database and Redis.
"""

import datetime
import http.client
import io
import os
import re
import threading
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.files.base import ContentFile
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from django.utils import timezone
from PIL import Image

from bench.processes import NGINX, Nginx, S3Server, WebNode
from coalition.settings import media_storage
from coalition.warmup import PATHS
from meetings.models import Meeting, MeetingDocument
from members.models import Institution
from tests.factories import PASSWORD, InstitutionFactory, WorkingGroupFactory, staff_of
from tests.services import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SANDBOX = "default-src 'none'; sandbox"
TOO_MANY_FAILURES = "ログイン失敗が連続しています。時間が経ってからやり直してください。"


def pdf(label: str) -> bytes:
    return (f"%PDF-1.4\n% {label}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n"
            "%%EOF\n").encode()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 110, 70)).save(out, "PNG")
    return out.getvalue()


class Browser:
    """One person's cookies over plain HTTP to any node, redirects not followed (each answer is
    asserted)."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, base: str, method: str, path: str, body: bytes | None = None, content_type: str = ""):
        split = urlsplit(base)
        connection = http.client.HTTPConnection(split.hostname, split.port, timeout=30)
        # One site name whichever node answers, as behind the proxy (nginx passes the visitor's Host):
        # allauth keys its per-account limits by it.
        headers = {"Host": split.hostname}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
        try:
            connection.request(method, quote(path, safe="/?=&%"), body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content

    def get(self, base, path):
        return self.request(base, "GET", path)

    def post_form(self, base, form_path, fields, files=None, action=None):
        """GET the form on ``base`` (its CSRF token), then POST it to the same node."""
        status, headers, page = self.get(base, form_path)
        assert status == 200, (form_path, status, headers.get("location"))
        token = TOKEN.search(page.decode()).group(1)
        fields = {**fields, "csrfmiddlewaretoken": token}
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in fields.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                             .encode())
            for name, (filename, content, content_type) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                             f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                             + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            return self.request(base, "POST", action or form_path, body, f"multipart/form-data; boundary={boundary}")
        return self.request(base, "POST", action or form_path, urlencode(fields).encode(),
                            "application/x-www-form-urlencoded")


@pytest.fixture
def s3_server(tmp_path):
    server = S3Server(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def bucket_storage(settings, s3_server, monkeypatch, tmp_path):
    """This test process keeps its uploaded files in the S3 server's bucket (MEDIA_ROOT is left empty
    to show that nothing lands on disk)."""
    for key, value in s3_server.portal_env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    settings.MEDIA_ROOT = tmp_path / "media-not-used"
    settings.STORAGES = {**settings.STORAGES, "default": media_storage(s3_server.portal_env()["MEDIA_STORAGE_URL"], 60)}
    return s3_server


def members_meeting_with_document(storage_label: str):
    institution = InstitutionFactory(slug=f"univ-{uuid.uuid4().hex[:6]}")
    group = WorkingGroupFactory()
    member = staff_of(institution)
    starts = timezone.now() + datetime.timedelta(days=10)
    meeting = Meeting.objects.create(kind=Meeting.Kind.GROUP, group=group, title_ja="会員限定の会合", starts_at=starts,
                                     ends_at=starts + datetime.timedelta(hours=2),
                                     visibility=Meeting.Visibility.MEMBERS)
    content = pdf(f"members only, {storage_label}")
    document = MeetingDocument(meeting=meeting, title="議事次第", content_type="application/pdf", size=len(content))
    document.file.save("議事次第 第1回.pdf", ContentFile(content), save=True)
    return member, document, content


# ---------------------------------------------------------------------------------------------
# Files in the bucket, through the portal
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_members_only_file_in_the_bucket_is_streamed_to_a_member_and_refused_to_a_visitor(client, bucket_storage):
    member, document, content = members_meeting_with_document("bucket")
    assert bucket_storage.object_names() == [document.file.name]  # in the bucket ...
    assert document.file.url == "/media/" + quote(document.file.name)  # ... linked from pages as our own
    assert not Path(django_settings.MEDIA_ROOT).exists()  # ... and nothing on this machine's disk

    visitor = client.get(f"/media/{document.file.name}")
    assert visitor.status_code == 302 and visitor["Location"].startswith("/ja/accounts/login/")

    client.force_login(member)
    response = client.get(f"/media/{document.file.name}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["Cache-Control"] == "private, max-age=3600"
    assert "Location" not in response  # never an address of the bucket

    assert client.get("/media/meetings/no-such-file.pdf").status_code == 404


@pytest.mark.django_db
def test_a_second_upload_of_the_same_name_keeps_both_files_in_the_bucket(bucket_storage):
    _member, first, first_content = members_meeting_with_document("first")
    _member, second, second_content = members_meeting_with_document("second")
    assert first.file.name != second.file.name
    assert sorted(bucket_storage.object_names()) == sorted([first.file.name, second.file.name])
    assert first.file.open("rb").read() == first_content and second.file.open("rb").read() == second_content


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def portal(transactional_db):
    """The portal in a thread of this process (so this test's settings apply), on a local port.
    Not pytest-django's live_server: that one serves /media/ itself, around the portal's view."""
    handler = WSGIHandler()

    def portal_app(environ, start_response):
        try:
            return list(handler(environ, start_response))
        finally:
            connections.close_all()  # this thread's connection, which would outlive the test database

    server = make_server("127.0.0.1", 0, portal_app, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("storage", ["disk", "bucket"])
def test_nginx_streams_a_file_the_portal_authorised_and_only_that(portal, settings, tmp_path, storage, request):
    """/media/ through nginx (deploy/nginx/coalition-locations.conf): the portal checks the person and
    answers X-Accel-Redirect; nginx sends the file from disk or from the bucket (through a URL signed
    for seconds that only nginx sees). The internal locations cannot be asked for directly."""
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing (apt-get install -y nginx)")
    settings.MEDIA_ACCEL_REDIRECT = "/_protected/"
    media_root = tmp_path / "media"
    if storage == "bucket":
        request.getfixturevalue("bucket_storage")
    else:
        settings.MEDIA_ROOT = media_root
    member, document, content = members_meeting_with_document(storage)
    client = request.getfixturevalue("client")
    client.force_login(member)
    nginx = Nginx(tmp_path, [portal], static_root=tmp_path / "static", media_root=media_root).start()
    try:
        browser = Browser()
        browser.cookies[django_settings.SESSION_COOKIE_NAME] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        status, headers, body = browser.get(nginx.base, f"/media/{document.file.name}")
        assert (status, body) == (200, content)
        assert headers["content-type"] == "application/pdf"
        assert headers["content-disposition"].startswith("attachment;")
        assert headers["content-security-policy"] == SANDBOX
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "private, max-age=3600"
        assert not any(h.startswith(("x-accel", "x-media", "x-amz")) for h in headers)

        status, _, body = Browser().get(nginx.base, f"/media/{document.file.name}")  # a visitor
        assert status == 302 and content not in body
        for path in (f"/_protected/disk/{document.file.name}", f"/_protected/bucket/{document.file.name}"):
            status, _, body = browser.get(nginx.base, path)
            assert status == 404 and content not in body
    finally:
        nginx.stop()


# ---------------------------------------------------------------------------------------------
# Two web nodes, one state
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def two_nodes(transactional_db, settings, s3_server, tmp_path):
    """Two gunicorn nodes on two ports, each with a media directory of its own (which must stay
    empty), the same PostgreSQL, Redis (this test's cache namespace) and bucket."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_URL=database_url(), REDIS_URL=settings.REDIS_URL, PAGE_CACHE_SECONDS="60",
        CACHE_KEY_PREFIX=settings.CACHES["default"]["KEY_PREFIX"], SITE_URL="http://127.0.0.1", PYTHONUNBUFFERED="1",
        GUNICORN_LOG_LEVEL="info", **s3_server.portal_env(),
    )
    nodes = []
    try:
        for name in ("node-a", "node-b"):
            media_root = tmp_path / name / "media"
            media_root.mkdir(parents=True)
            nodes.append(WebNode(name, {**env, "MEDIA_ROOT": str(media_root)}, tmp_path, workers=1).start())
        yield nodes
    finally:
        for node in nodes:
            node.stop()
    for node in nodes:
        assert list((tmp_path / node.name / "media").rglob("*")) == [], f"{node.name} kept a file on its disk"


def test_what_one_web_node_did_the_other_sees(two_nodes, s3_server):
    # each master answered the warming pages before forking its worker (coalition/warmup.py)
    for node in two_nodes:
        assert "warmed before forking: " + ", ".join(["200 OK"] * len(PATHS)) in node.tail(100_000), node.tail()
    a, b = (node.base for node in two_nodes)
    institution = InstitutionFactory(slug="univ-nodes", name_ja="二台大学", profile_ja="最初の紹介文です。")
    contact = staff_of(institution, role="contact", email="contact@nodes.example.ac.jp")
    victim = staff_of(institution, email="victim@nodes.example.ac.jp")
    for user in (contact, victim):  # a hash the nodes can check (the tests' own hasher is not production's)
        user.password = PBKDF2PasswordHasher().encode(PASSWORD, "scaleoutsalt", iterations=1000)
        user.save(update_fields=["password"])
    profile = f"/ja/members/{institution.slug}/"

    # A visitor's page is cached on B: the second request is served from the page cache.
    visitor = Browser()
    status, headers, first = visitor.get(b, profile)
    assert status == 200 and "最初の紹介文です。" in first.decode()
    status, headers, _ = visitor.get(b, profile)
    assert headers["x-page-cache"] == "hit"

    # Session: signed in through A, B knows who it is.
    person = Browser()
    status, headers, _ = person.post_form(a, "/ja/accounts/login/", {"login": contact.email, "password": PASSWORD})
    assert status == 302, "signing in through node A failed"
    status, _, page = person.get(b, "/ja/account/")
    assert status == 200 and contact.email in page.decode()

    # An upload and an edit through A: B's cached page changes at once and B serves the new logo,
    # which is in the bucket (both nodes' own media directories stay empty: see the fixture).
    logo = png()
    status, headers, _ = person.post_form(a, f"/ja/members/{institution.slug}/edit/", {
        "name_ja": institution.name_ja, "name_en": institution.name_en, "name_kana": institution.name_kana,
        "website": "", "profile_ja": "二台目からも見える紹介文です。", "profile_en": "", "target_year": "",
    }, files={"logo": ("logo.png", logo, "image/png")})
    assert status == 302, "the profile edit through node A failed"
    institution.refresh_from_db()
    assert institution.logo.name and institution.logo.name in s3_server.object_names()
    status, headers, page = visitor.get(b, profile)
    assert headers["x-page-cache"] == "miss"
    assert "二台目からも見える紹介文です。" in page.decode() and f"/media/{institution.logo.name}" in page.decode()
    status, headers, stored = visitor.get(b, f"/media/{institution.logo.name}")
    assert status == 200 and headers["content-type"] == "image/jpeg"  # re-encoded on upload
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (40, 30)
    assert stored == visitor.get(a, f"/media/{institution.logo.name}")[2]

    # A rate limit counted on A holds on B: after five failed sign-ins through A, B refuses even the
    # right password for that account.
    attacker = Browser()
    for _ in range(5):
        status, _, page = attacker.post_form(a, "/ja/accounts/login/", {"login": "victim@nodes.example.ac.jp",
                                                                        "password": "wrong password"})
        assert status == 200 and TOO_MANY_FAILURES not in page.decode(), (status, _)
    status, _, page = attacker.post_form(b, "/ja/accounts/login/", {"login": "victim@nodes.example.ac.jp",
                                                                    "password": PASSWORD})
    assert status == 200 and TOO_MANY_FAILURES in page.decode()
    assert Institution.objects.get(pk=institution.pk).profile_ja == "二台目からも見える紹介文です。"
