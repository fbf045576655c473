"""The secretariat's page of digest runs: each week's build, its state and counts, in both languages."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import digest
from meetings.models import DigestChunk, DigestRun
from members.notifications.models import Notification
from members.notifications.services import dedup_key
from tests.factories import UserFactory, secretariat_user

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2030, 12, 16, 8, 0, tzinfo=digest.TOKYO)


def run_of(moment, status=DigestRun.Status.COMPLETE, chunks=(), **fields):
    period = digest.period_for(moment)
    run = DigestRun.objects.create(kind=digest.KIND, period=period.key, starts_at=period.start,
                                   ends_at=period.end, status=status, chunks_total=len(chunks), **fields)
    for i, (state, written) in enumerate(chunks):
        DigestChunk.objects.create(run=run, first_user_id=i * 10 + 1, last_user_id=i * 10 + 10, status=state,
                                   written=written, done_at=timezone.now() if state == "done" else None)
    return run


def digests_of(run, **by_status):
    for status, n in by_status.items():
        for _ in range(n):
            person = UserFactory()
            Notification.objects.create(kind=digest.KIND, recipient=person, email=person.email, status=status,
                                        dedup_key=dedup_key(digest.KIND, None, None, f"u{person.pk}", run.period))


def test_the_secretariat_sees_each_run_with_its_state_and_counts(client):
    done = run_of(MONDAY, chunks=[("done", 3), ("done", 2)], completed_at=timezone.now())
    digests_of(done, sent=2, failed=2, queued=1)
    building = run_of(MONDAY + datetime.timedelta(days=7), status=DigestRun.Status.BUILDING,
                      chunks=[("done", 4), ("pending", 0), ("pending", 0)])
    digests_of(building, queued=3, sending=1)
    client.force_login(secretariat_user())
    page = client.get("/en/secretariat/digests/")
    runs = {r.period: r for r in page.context["runs"]}
    assert [r.period for r in page.context["runs"]] == ["2030-W52", "2030-W51"]  # newest first
    counts = {p: (r.status, r.chunks_done, r.chunks_total, r.written, r.waiting, r.sent, r.failed)
              for p, r in runs.items()}
    assert counts == {"2030-W51": ("complete", 2, 2, 5, 1, 2, 2), "2030-W52": ("building", 1, 3, 4, 4, 0, 0)}
    html = page.content.decode()
    assert "Digest runs" in html and "Weekly digest" in html and "Building" in html and "Complete" in html
    # the failed digests lead to the outbox, where each can be sent again
    assert 'href="/en/secretariat/outbox/?status=failed&amp;kind=weekly_digest">2</a>' in html
    ja = client.get("/ja/secretariat/digests/").content.decode()
    assert "ダイジェストの作成状況" in ja and "作成中" in ja and "完了" in ja
    assert "Digest runs" not in ja


def test_a_run_without_progress_says_the_sweeper_resumes_it(client, settings):
    run_of(MONDAY, status=DigestRun.Status.BUILDING, chunks=[("done", 1), ("pending", 0)])
    DigestChunk.objects.filter(status="done").update(done_at=timezone.now() - datetime.timedelta(hours=1))
    client.force_login(secretariat_user())
    assert "no progress lately: the sweeper resumes it" in client.get("/en/secretariat/digests/").content.decode()


def test_an_empty_list_says_so_in_both_languages(client):
    client.force_login(secretariat_user())
    assert "No digest has been built yet." in client.get("/en/secretariat/digests/").content.decode()
    assert "ダイジェストはまだ作成されていません。" in client.get("/ja/secretariat/digests/").content.decode()


def test_the_page_is_for_the_secretariat_only(client):
    run_of(MONDAY)
    assert client.get("/en/secretariat/digests/")["Location"].startswith("/en/accounts/login/")
    client.force_login(UserFactory())
    assert client.get("/en/secretariat/digests/").status_code == 404
    client.force_login(secretariat_user(two_factor=False))
    assert client.get("/en/secretariat/digests/")["Location"] == "/en/accounts/2fa/totp/activate/"


def test_the_page_takes_as_many_queries_for_many_runs_as_for_one(client, django_assert_num_queries):
    client.force_login(secretariat_user())
    run = run_of(MONDAY, chunks=[("done", 1)])
    digests_of(run, failed=1, queued=1)
    client.get("/ja/secretariat/digests/")  # warm-up: session, caches
    with CaptureQueriesContext(connection) as one:
        client.get("/ja/secretariat/digests/")
    for week in range(1, 25):
        more = run_of(MONDAY + datetime.timedelta(days=7 * week), chunks=[("done", 2), ("pending", 0)])
        digests_of(more, failed=1, sending=1)
    with django_assert_num_queries(len(one)):
        page = client.get("/ja/secretariat/digests/")
    assert len(page.context["runs"]) == 20 and all(r.failed == 1 for r in page.context["runs"])
