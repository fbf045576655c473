"""Reporting deadlines and reminders: each fiscal year's yearly report is due on a date (by default
30 June after the year ends; the secretariat can move it); the institution's contacts are reminded
30 days and 7 days before and on the day, each once, in their own language, delivered to a real SMTP
server, and never once the report is submitted; the secretariat sees who is late."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from members.models import Affiliation, Institution
from members.notifications.models import Notification
from tests.factories import InstitutionFactory, secretariat_user, staff_of
from working_groups.progress import services
from working_groups.progress.models import (
    Commitment,
    ReportingYear,
    ReportReminder,
    YearlyReport,
    current_fiscal_year,
    default_due_date,
)

pytestmark = pytest.mark.django_db

LAST = current_fiscal_year() - 1
DUE = default_due_date(LAST)
DAY = datetime.timedelta(days=1)


def committed(slug, **kwargs):
    # members since the coalition's founding (the factory draws a date, maybe after the year's end)
    kwargs.setdefault("joined_on", datetime.date(2021, 7, 29))
    institution = InstitutionFactory(slug=slug, **kwargs)
    Commitment.objects.create(institution=institution, target_year=2050, baseline_year=2013, baseline_emissions=5000)
    return institution


def report(institution, status):
    return YearlyReport.objects.create(
        institution=institution, fiscal_year=LAST, scope1=100, scope2=200, energy_gj=5000, renewable_share=10,
        floor_area=10000, headcount=900, status=status)


@pytest.fixture
def world():
    a = committed("univ-a", name_ja="甲大学", name_en="Alpha University")
    b = committed("univ-b", name_ja="乙大学", name_en="Beta University")
    return {
        "a": a, "b": b,
        "contact_ja": staff_of(a, role=Affiliation.Role.CONTACT, email="tanaka@a.example.ac.jp", language="ja"),
        "representative_en": staff_of(a, role=Affiliation.Role.REPRESENTATIVE, email="rep@a.example.ac.jp",
                                      language="en"),
        "staff": staff_of(a, email="staff@a.example.ac.jp"),
        "contact_b": staff_of(b, role=Affiliation.Role.CONTACT, email="contact@b.example.ac.jp", language="en"),
        "secretariat": secretariat_user(email="desk@coalition.example.org"),
    }


def run(deliver, today):
    with deliver():
        return services.report_reminders_due(today=today)


def received(sink):
    # Django folds a long Japanese subject onto the next line; the parsed header keeps the fold's space
    return sorted((m["To"], str(m["Subject"]).strip()) for m in sink.messages)


def test_default_deadline_is_30_june_after_the_fiscal_year(settings):
    assert default_due_date(2025) == datetime.date(2026, 6, 30)
    settings.PROGRESS_REPORT_DUE = "07-31"
    assert default_due_date(2025) == datetime.date(2026, 7, 31)


def test_reminder_stage_windows():
    due = datetime.date(2026, 6, 30)
    stages = {left: services.reminder_stage(due, due - left * DAY) for left in (31, 30, 8, 7, 1, 0, -1)}
    assert stages == {31: None, 30: 30, 8: 30, 7: 7, 1: 7, 0: 0, -1: None}


def test_contacts_are_reminded_30_7_and_0_days_before_once_each(world, deliver, smtp):
    b_report = report(world["b"], YearlyReport.Status.SUBMITTED)
    for day in [DUE - 31 * DAY, DUE - 30 * DAY, DUE - 30 * DAY, DUE - 20 * DAY]:
        run(deliver, day)
    # the contact and the representative of A; not plain staff, not B (submitted)
    assert received(smtp) == sorted([
        ("rep@a.example.ac.jp", f"Yearly report for FY{LAST}: due in 30 days "
                                f"({DUE:%B} {DUE.day}, {DUE.year})"),
        ("tanaka@a.example.ac.jp", f"{LAST}年度の年次報告：提出期限まであと30日"
                                   f"（{DUE.year}年{DUE.month}月{DUE.day}日）"),
    ])
    japanese = next(m for m in smtp.messages if m["To"] == "tanaka@a.example.ac.jp")
    body = japanese.get_body(("plain",)).get_content()
    assert "甲大学" in body and f"{DUE.year}年{DUE.month}月{DUE.day}日" in body
    assert "http://testserver/ja/members/univ-a/progress/reports/new/" in body
    assert japanese["Reply-To"] == "secretariat@coalition.example.org"

    for day in [DUE - 7 * DAY, DUE - 3 * DAY, DUE, DUE, DUE + DAY]:
        run(deliver, day)
    subjects = [str(m["Subject"]).strip() for m in smtp.messages if m["To"] == "rep@a.example.ac.jp"]
    assert subjects == [
        f"Yearly report for FY{LAST}: due in 30 days ({DUE:%B} {DUE.day}, {DUE.year})",
        f"Yearly report for FY{LAST}: due in 7 days ({DUE:%B} {DUE.day}, {DUE.year})",
        f"Yearly report for FY{LAST}: due today",
    ]
    assert len(smtp.messages) == 6
    assert sorted(ReportReminder.objects.values_list("institution__slug", "days")) == [
        ("univ-a", 0), ("univ-a", 7), ("univ-a", 30)]
    assert b_report.status == "submitted"


def test_no_reminder_once_the_report_is_submitted(world, deliver, smtp):
    draft = report(world["a"], YearlyReport.Status.DRAFT)
    run(deliver, DUE - 30 * DAY)
    assert len(smtp.messages) == 3  # A's two (a draft is not submitted) and B's contact
    assert "Draft" in next(m for m in smtp.messages if m["To"] == "rep@a.example.ac.jp").get_body(
        ("plain",)).get_content()
    draft.status = YearlyReport.Status.SUBMITTED
    draft.save()
    run(deliver, DUE - 7 * DAY)
    assert [m["To"] for m in smtp.messages[3:]] == ["contact@b.example.ac.jp"]


def test_a_returned_report_is_still_reminded(world, deliver, smtp):
    report(world["a"], YearlyReport.Status.RETURNED)
    report(world["b"], YearlyReport.Status.PUBLISHED)
    run(deliver, DUE)
    assert sorted(m["To"] for m in smtp.messages) == ["rep@a.example.ac.jp", "tanaka@a.example.ac.jp"]


def test_reminder_queued_but_report_submitted_before_delivery_is_not_sent(world, django_capture_on_commit_callbacks,
                                                                          smtp):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.report_reminders_due(today=DUE - 7 * DAY)
    report(world["a"], YearlyReport.Status.SUBMITTED)
    for callback in callbacks:
        callback()
    assert [m["To"] for m in smtp.messages] == ["contact@b.example.ac.jp"]
    skipped = Notification.objects.filter(kind="report_due", status=Notification.Status.SKIPPED)
    assert sorted(skipped.values_list("email", flat=True)) == ["rep@a.example.ac.jp", "tanaka@a.example.ac.jp"]


def test_a_worker_down_for_weeks_sends_only_the_current_reminder(world, deliver):
    run(deliver, DUE - 2 * DAY)
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("contact@b.example.ac.jp", f"Yearly report for FY{LAST}: due in 2 days ({DUE:%B} {DUE.day}, {DUE.year})"),
        ("rep@a.example.ac.jp", f"Yearly report for FY{LAST}: due in 2 days ({DUE:%B} {DUE.day}, {DUE.year})"),
        ("tanaka@a.example.ac.jp",
         f"{LAST}年度の年次報告：提出期限まであと2日（{DUE.year}年{DUE.month}月{DUE.day}日）")]
    assert set(ReportReminder.objects.values_list("days", flat=True)) == {7}


def test_inactive_or_uncommitted_institutions_are_not_reminded(world, deliver):
    Institution.objects.filter(pk=world["b"].pk).update(status=Institution.Status.SUSPENDED)
    other = InstitutionFactory(slug="univ-c")
    staff_of(other, role=Affiliation.Role.CONTACT, email="c@c.example.ac.jp")
    run(deliver, DUE)
    assert sorted(m.to[0] for m in mail.outbox) == ["rep@a.example.ac.jp", "tanaka@a.example.ac.jp"]


def test_only_members_by_the_years_end_owe_its_report(client, world, deliver):
    """A member that joined after the fiscal year ended (with a commitment) owes no report for it:
    no reminder, not on the late list; one that joined on its last day does. Without a commitment,
    membership alone asks for no report (docs/progress.md, Who reports)."""
    Institution.objects.filter(pk=world["b"].pk).update(status=Institution.Status.SUSPENDED)
    newcomer = committed("univ-new", name_en="Newcomer University", joined_on=datetime.date(LAST + 1, 4, 1))
    staff_of(newcomer, role=Affiliation.Role.CONTACT, email="contact@new.example.ac.jp")
    last_day = committed("univ-last", name_en="Last Day University", joined_on=datetime.date(LAST + 1, 3, 31))
    staff_of(last_day, role=Affiliation.Role.CONTACT, email="contact@last.example.ac.jp")
    uncommitted = InstitutionFactory(slug="univ-free", name_en="Uncommitted University")
    staff_of(uncommitted, role=Affiliation.Role.CONTACT, email="contact@free.example.ac.jp")
    run(deliver, DUE)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "contact@last.example.ac.jp", "rep@a.example.ac.jp", "tanaka@a.example.ac.jp"]
    client.force_login(world["secretariat"])
    page = client.get("/en/secretariat/progress/").content.decode()
    assert "Last Day University" in page and "Alpha University" in page
    assert "Newcomer University" not in page and "Uncommitted University" not in page


def test_the_contacts_can_turn_the_reminders_off(world, deliver):
    from members.notifications.services import preference_set

    preference_set(user=world["contact_ja"], kind="report_due", delivery="never")
    run(deliver, DUE)
    assert sorted(m.to[0] for m in mail.outbox) == ["contact@b.example.ac.jp", "rep@a.example.ac.jp"]


def test_secretariat_moves_the_deadline_and_the_reminders_follow(client, world, deliver):
    client.force_login(world["secretariat"])
    new_due = DUE + 14 * DAY
    response = client.post("/en/secretariat/progress/", {"fiscal_year": LAST, "due_on": new_due.isoformat()})
    assert response.status_code == 302
    assert ReportingYear.objects.get(fiscal_year=LAST).due_on == new_due
    page = client.get("/en/secretariat/progress/").content.decode()
    assert f"The reports for FY{LAST} are due on {new_due:%B} {new_due.day}, {new_due.year}." in page

    run(deliver, DUE)  # the old date: nothing is due on the day; the 30-day reminder says 14 days
    assert sorted(m.subject for m in mail.outbox if m.to == ["rep@a.example.ac.jp"]) == [
        f"Yearly report for FY{LAST}: due in 14 days ({new_due:%B} {new_due.day}, {new_due.year})"]
    mail.outbox.clear()
    run(deliver, new_due)
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("contact@b.example.ac.jp", f"Yearly report for FY{LAST}: due today"),
        ("rep@a.example.ac.jp", f"Yearly report for FY{LAST}: due today"),
        ("tanaka@a.example.ac.jp", f"{LAST}年度の年次報告：本日が提出期限です")]


def test_a_deadline_before_the_year_ends_is_refused(client, world):
    client.force_login(world["secretariat"])
    response = client.post("/ja/secretariat/progress/", {"fiscal_year": LAST, "due_on": f"{LAST + 1}-03-31"})
    assert response.status_code == 400
    assert f"{LAST}年度は{LAST + 1}年3月31日に終わります" in response.content.decode()
    response = client.post("/ja/secretariat/progress/", {"fiscal_year": LAST, "due_on": "not a date"})
    assert response.status_code == 400
    assert ReportingYear.objects.count() == 0


def test_only_the_secretariat_sets_the_deadline(client, world):
    for user in [world["contact_ja"], world["staff"]]:
        client.force_login(user)
        response = client.post("/en/secretariat/progress/", {"fiscal_year": LAST, "due_on": DUE.isoformat()})
        assert response.status_code == 404
    client.logout()
    response = client.post("/en/secretariat/progress/", {"fiscal_year": LAST, "due_on": DUE.isoformat()})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert ReportingYear.objects.count() == 0


def test_secretariat_sees_who_is_late_and_the_reminders_sent(client, world, deliver):
    report(world["b"], YearlyReport.Status.SUBMITTED)
    ReportingYear.objects.create(fiscal_year=LAST, due_on=DUE)
    run(deliver, DUE - 30 * DAY)
    run(deliver, DUE - 7 * DAY)
    client.force_login(world["secretariat"])
    # before the deadline: not yet submitted
    services.reporting_year_set(fiscal_year=LAST, due_on=timezone.localdate() + 10 * DAY, by=world["secretariat"])
    page = client.get("/en/secretariat/progress/").content.decode()
    assert f"Not yet submitted for FY{LAST}" in page and "Late for" not in page
    # after it: late, with the reminders A was sent; B submitted and is not listed
    services.reporting_year_set(fiscal_year=LAST, due_on=datetime.date(LAST + 1, 4, 1), by=world["secretariat"])
    if timezone.localdate() > datetime.date(LAST + 1, 4, 1):
        page = client.get("/en/secretariat/progress/").content.decode()
        assert f"Late for FY{LAST}: the reports were due on April 1, {LAST + 1}" in page
        assert '<tr class="late"><th scope="row"><a href="/en/members/univ-a/progress/">Alpha University</a></th>' \
               "<td>30 days before, 7 days before</td></tr>" in page
        assert "Beta University" not in page.split('id="late-title"')[1].split("</section>")[0]


def test_the_task_is_scheduled_and_runs_the_service(world, deliver, settings):
    from coalition.celery import app
    from working_groups.progress.tasks import send_report_reminders

    assert app.conf.beat_schedule["report-reminders"]["task"] == send_report_reminders.name
    ReportingYear.objects.create(fiscal_year=LAST, due_on=timezone.localdate())
    with deliver():
        assert send_report_reminders.delay().get() == 2  # A and B, on the day
    assert len(mail.outbox) == 3


def test_review_list_queries_do_not_grow_with_late_institutions(client, world, deliver):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world["secretariat"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/en/secretariat/progress/").status_code == 200
        return len(ctx)

    few = count()
    for n in range(10):
        late = committed(f"late-{n}")
        staff_of(late, role=Affiliation.Role.CONTACT)
        report(late, YearlyReport.Status.RETURNED if n % 2 else YearlyReport.Status.SUBMITTED)
    run(deliver, DUE)
    assert count() == few
    page = client.get("/en/secretariat/progress/").content.decode()
    assert page.count("<td>on the day</td>") == 7  # A, B and the five returned
