"""The weekly digest: per person and language, only when there is something, once a week."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import digest
from meetings.tasks import weekly_digest
from members.notifications.models import Notification
from members.notifications.services import notify, preference_set
from tests.factories import (
    AffiliationFactory,
    InstitutionFactory,
    MeetingFactory,
    UserFactory,
    WorkingGroupFactory,
    member_of,
    staff_of,
)
from working_groups.models import Initiative
from working_groups.services import refresh_derived

pytestmark = pytest.mark.django_db
MONDAY = datetime.datetime(2030, 12, 16, 8, 0, tzinfo=digest.TOKYO)  # a Monday, 08:00 JST


def initiative(institution, group, title, title_en="", published=MONDAY - datetime.timedelta(days=2)):
    i = Initiative(institution=institution, slug=f"s-{Initiative.objects.count()}", title=title,
                   title_translated=title_en, summary="s", body="b", prefecture="13",
                   started_on=datetime.date(2030, 1, 1), status="published", published_at=published)
    refresh_derived(i)
    i.save()
    i.themes.set([group])
    return i


@pytest.fixture
def week(deliver):
    def run():
        with deliver():
            weekly_digest.apply(kwargs={"moment": MONDAY.isoformat()})
    return run


def test_digest_tells_each_person_about_their_groups_in_their_language(week):
    campus, regional = WorkingGroupFactory(slug="campus"), WorkingGroupFactory(slug="regional")
    ja = member_of(campus, staff_of(InstitutionFactory(), language="ja", email="ja@example.org"))
    en = member_of(campus, staff_of(InstitutionFactory(), language="en", email="en@example.org"))
    other = member_of(regional, staff_of(InstitutionFactory(), email="other@example.org"))
    inst = InstitutionFactory(name_ja="信州大学", name_en="Shinshu University")
    initiative(inst, campus, "図書館のZEB化", "A zero-energy library")
    initiative(inst, campus, "先月の取組", published=MONDAY - datetime.timedelta(days=30))  # before the week
    MeetingFactory(group=campus, title_ja="キャンパスWG会合", title_en="Campus WG meeting",
                   starts_at=MONDAY + datetime.timedelta(days=3), ends_at=MONDAY + datetime.timedelta(days=3, hours=2))
    week()
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {"ja@example.org", "en@example.org"}  # nothing in other's group: no e-mail
    ja_mail, en_mail = by_person["ja@example.org"], by_person["en@example.org"]
    assert ja_mail.subject == "コアリション週刊ダイジェスト（2030-12-16）"
    assert "あなたのワーキンググループの新着取組事例" in ja_mail.body and "図書館のZEB化" in ja_mail.body
    assert "先月の取組" not in ja_mail.body
    assert "キャンパスWG会合" in ja_mail.body and "2030年12月19日（木）" in ja_mail.body
    assert en_mail.subject == "Coalition weekly digest (2030-12-16)"
    assert "A zero-energy library" in en_mail.body and "Campus WG meeting" in en_mail.body
    assert "http://testserver/en/initiatives/" in en_mail.body
    del ja, en, other


def test_digest_run_twice_in_a_week_sends_nothing_new(week):
    group = WorkingGroupFactory()
    member_of(group)
    initiative(InstitutionFactory(), group, "新着")
    week()
    week()
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(kind="weekly_digest").count() == 1


def test_notices_chosen_for_the_digest_are_carried_once(week):
    user = UserFactory(email="held@example.org")
    preference_set(user=user, kind="affiliation_decided", delivery="digest")
    affiliation = AffiliationFactory(user=user, institution=InstitutionFactory(name_ja="長崎大学"))
    notify(kind="affiliation_decided", to=[user], obj=affiliation)
    held = Notification.objects.get(kind="affiliation_decided")
    Notification.objects.filter(pk=held.pk).update(created_at=MONDAY - datetime.timedelta(days=1))
    assert held.status == "held" and mail.outbox == []
    week()
    (message,) = mail.outbox
    assert message.to == ["held@example.org"]
    assert "ダイジェストで受け取ると選んだお知らせ" in message.body
    assert "長崎大学への所属が承認されました" in message.body
    held.refresh_from_db()
    assert held.status == "digested"


def test_person_who_turned_the_digest_off_gets_none(week):
    group = WorkingGroupFactory()
    person = member_of(group)
    preference_set(user=person, kind="weekly_digest", delivery="never")
    initiative(InstitutionFactory(), group, "新着")
    week()
    assert mail.outbox == []


@pytest.mark.postgres
def test_a_batch_takes_the_same_number_of_queries_for_10_or_60_people():
    """(On SQLite, Django splits one INSERT of many rows into several: 999 parameters at most.)"""
    campus = WorkingGroupFactory()
    inst = InstitutionFactory()
    for n in range(5):
        initiative(inst, campus, f"取組{n}")
    MeetingFactory(group=campus, starts_at=MONDAY + datetime.timedelta(days=2),
                   ends_at=MONDAY + datetime.timedelta(days=2, hours=1))
    period = digest.period_for(MONDAY)

    def queries(n):
        ids = [member_of(campus).pk for _ in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            written = digest.build_batch(ids, period)
        assert written == n
        return len(ctx)

    assert queries(10) == queries(60)


def test_period_is_the_iso_week_in_japan_time():
    period = digest.period_for(datetime.datetime(2030, 12, 15, 23, 30, tzinfo=datetime.UTC))  # Mon 08:30 JST
    assert period.key == "2030-W51"
    assert period.end - period.start == datetime.timedelta(days=7)
    assert timezone.localtime(period.end).weekday() == 0


def test_a_batch_takes_the_same_number_of_queries_however_much_happened():
    period = digest.period_for(MONDAY)
    groups = [WorkingGroupFactory() for _ in range(4)]
    people = [member_of(groups[0]) for _ in range(20)]

    def queries():
        Notification.objects.filter(kind="weekly_digest").delete()
        with CaptureQueriesContext(connection) as ctx:
            digest.build_batch([p.pk for p in people], period)
        return len(ctx)

    initiative(InstitutionFactory(), groups[0], "最初の取組")
    preference_set(user=people[-1], kind="affiliation_decided", delivery="digest")
    notify(kind="affiliation_decided", to=[people[-1]], obj=people[-1].affiliations.get())
    Notification.objects.filter(status="held").update(created_at=MONDAY - datetime.timedelta(days=1))
    few = queries()
    Notification.objects.filter(kind="affiliation_decided").update(status="held")
    for n, group in enumerate(groups):
        for person in people[:10]:
            if not person.group_memberships.filter(group=group).exists():
                member_of(group, person, person.affiliations.get().institution)
        for k in range(5):
            initiative(InstitutionFactory(), group, f"取組{n}-{k}")
        MeetingFactory(group=group, starts_at=MONDAY + datetime.timedelta(days=n + 1),
                       ends_at=MONDAY + datetime.timedelta(days=n + 1, hours=1))
    for person in people[:5]:
        preference_set(user=person, kind="affiliation_decided", delivery="digest")
        notify(kind="affiliation_decided", to=[person], obj=person.affiliations.get())
    Notification.objects.filter(status="held").update(created_at=MONDAY - datetime.timedelta(days=1))
    assert queries() == few


def test_a_run_whose_planning_died_is_planned_by_the_sweeper(settings, week):
    from meetings.models import DigestRun

    settings.DIGEST_CATCH_UP_HOURS = 0
    group = WorkingGroupFactory()
    member_of(group)
    initiative(InstitutionFactory(), group, "新着")
    period = digest.period_for(MONDAY)
    old = timezone.now() - datetime.timedelta(seconds=settings.NOTIFY_QUEUED_GRACE + 1)
    run = DigestRun.objects.create(kind=digest.KIND, period=period.key, starts_at=period.start, ends_at=period.end,
                                   created_at=old)  # the worker died between recording and planning
    assert digest.sweep()["ids"] == list(run.chunks.values_list("pk", flat=True))
    assert run.chunks.count() == 1
    week()  # a later start of the same week adds no second run and no second digest
    assert DigestRun.objects.count() == 1
    assert [c.status for c in run.chunks.all()] == ["pending"]  # the sweeper's task builds it, not a new plan


def test_the_sweeper_re_enqueues_only_the_chunks_of_a_stalled_run_and_completes_finished_ones(settings, deliver):
    from meetings.models import DigestChunk, DigestRun

    settings.DIGEST_BATCH_SIZE, settings.DIGEST_CATCH_UP_HOURS = 1, 0
    group = WorkingGroupFactory()
    for _ in range(3):
        member_of(group)
    initiative(InstitutionFactory(), group, "新着")
    run, ids = digest.run_start(period=digest.period_for(MONDAY))
    assert len(ids) == 3
    with deliver():
        digest.chunk_build(chunk_id=ids[0])
    assert digest.sweep() == {"ids": [], "completed": 0}  # progressing: left alone
    DigestChunk.objects.update(enqueued_at=timezone.now() - datetime.timedelta(hours=1),
                               done_at=timezone.now() - datetime.timedelta(hours=1))
    assert sorted(digest.sweep()["ids"]) == ids[1:]  # stalled: its pending chunks again
    assert digest.chunk_build(chunk_id=ids[0]) == 0  # done: a second copy of its task does nothing
    for pk in ids[1:]:
        digest.chunk_build(chunk_id=pk)
    assert digest.sweep()["completed"] == 1
    run.refresh_from_db()
    assert run.status == DigestRun.Status.COMPLETE
    assert Notification.objects.filter(kind=digest.KIND).count() == 3


def test_the_sweeper_starts_the_week_s_digest_when_beat_s_task_was_lost(settings, deliver):
    """Within DIGEST_CATCH_UP_HOURS of Monday 08:00 JST and without a run for the week; never
    before 08:00, never after the window, never twice."""
    from meetings.models import DigestRun

    settings.DIGEST_CATCH_UP_HOURS = 24
    group = WorkingGroupFactory()
    member_of(group)
    initiative(InstitutionFactory(), group, "新着")
    assert digest.sweep(now=MONDAY - datetime.timedelta(minutes=1))["ids"] == []  # Monday 07:59: not yet
    assert digest.sweep(now=MONDAY + datetime.timedelta(hours=25))["ids"] == []  # Tuesday 09:00: too late
    assert not DigestRun.objects.exists()
    with deliver():
        ids = digest.sweep(now=MONDAY + datetime.timedelta(minutes=30))["ids"]
        assert len(ids) == 1
        digest.chunk_build(chunk_id=ids[0])
    run = DigestRun.objects.get()
    assert (run.period, run.ends_at) == ("2030-W51", MONDAY)
    assert len(mail.outbox) == 1
    assert digest.sweep(now=MONDAY + datetime.timedelta(minutes=31))["ids"] == []  # recorded: not again
