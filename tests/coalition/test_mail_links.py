"""Every link of every notification e-mail kind answers on the live server for the person the
message goes to: 200 with their session (or, for someone without an account, signed out), or the
sign-in page for a link that asks them to sign in. Both languages; the text and the HTML part carry
the same links. (Links pointed at a default address the demo did not serve; a link the recipient
cannot open is a dead link too.)

The data is the demo portal (``seed_demo``); each kind's message is written for the object and the
person it is meant for, and rendered the way the outbox renders it when it sends.
"""

import re
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from meetings.dissemination.models import NewsletterIssue, Subscriber
from meetings.dissemination.tokens import make_confirm_token
from meetings.governance.models import Message, Motion, ProposedCoordinator, Vote
from meetings.models import Meeting, Registration, VisitorRegistration
from members.models import Affiliation, Institution, MembershipApplication, User
from members.notifications import registry
from members.notifications.models import Notification
from members.notifications.rendering import render
from working_groups.cooperation.models import Interest, Need
from working_groups.models import Initiative, Membership, Participation
from working_groups.progress.models import Question, YearlyReport, current_fiscal_year

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://[^\s<>\"']+")
SECRETARIAT = "secretariat@coalition.example"


def contact_of(institution):
    return Affiliation.objects.filter(institution=institution, role__in=["contact", "representative"],
                                      status="approved").order_by("role").first().user


def with_contact():
    return Affiliation.objects.filter(role__in=["contact", "representative"], status="approved").values(
        "institution")


def secretariat():
    return User.objects.get(email=SECRETARIAT)


def need_in(status):
    need = Need.objects.order_by("pk").first()
    Need.objects.filter(pk=need.pk).update(status=status)
    need.refresh_from_db()
    return need


def motion_in(status):
    motion = Motion.objects.filter(proposer_institution__isnull=False).order_by("pk").first() or \
        Motion.objects.order_by("pk").first()
    Motion.objects.filter(pk=motion.pk).update(status=status)
    motion.refresh_from_db()
    return motion


def sent_issue():
    return NewsletterIssue.objects.create(subject_ja="ニュースレター第1号", subject_en="Newsletter No. 1",
                                          body_ja="本文です。", body_en="The body.", status=NewsletterIssue.Status.SENT,
                                          sent_at=timezone.now())


def registration(status):
    row = Registration.objects.filter(meeting__starts_at__gt=timezone.now()).order_by("pk").first()
    Registration.objects.filter(pk=row.pk).update(status=status)
    row.refresh_from_db()
    return row


def untranslated():
    initiative = Initiative.objects.filter(author__isnull=False, status="published").order_by("pk").first()
    Initiative.objects.filter(pk=initiative.pk).update(title_translated="")
    initiative.refresh_from_db()
    return initiative


def upcoming_meeting():
    return Registration.objects.filter(meeting__starts_at__gt=timezone.now(), status="confirmed").order_by(
        "pk").first()


def coordinator_membership():
    return Membership.objects.filter(status="active", coordinator=True).order_by("pk").first()


def pending_membership():
    return Membership.objects.filter(status="active", coordinator=False).order_by("pk").first()


def visitor(status):
    """A visitor's registration for an upcoming meeting, opened to the public for it."""
    meeting = upcoming_meeting().meeting
    Meeting.objects.filter(pk=meeting.pk).update(open_to_public=True, visibility="public")
    row, _ = VisitorRegistration.objects.update_or_create(
        meeting=meeting, email="visitor@example.org",
        defaults={"name": "見学 花子", "affiliation": "市民", "language": "ja", "status": status})
    return row


def late_institution():
    """An institution with a contact whose report for the last fiscal year is not in yet."""
    institution = Institution.objects.filter(pk__in=with_contact()).order_by("pk").first()
    YearlyReport.objects.filter(institution=institution, fiscal_year=current_fiscal_year() - 1).delete()
    return institution


def group_message():
    """A message the secretariat sent to a working group, and one of its members."""
    membership = pending_membership()
    message = Message.objects.create(audience=Message.Audience.GROUP, group=membership.group,
                                     subject_ja="次回会合のお知らせ", subject_en="Next meeting",
                                     body_ja="資料は[ポータル](/ja/meetings/)にあります。", body_en="See the portal.",
                                     status=Message.Status.SENT, created_by=secretariat(), sent_by=secretariat(),
                                     sent_at=timezone.now())
    return message, membership.user


# kind: a function returning (object, recipient, context); the recipient is a user or an address.
CASES = {
    "weekly_digest": lambda: (None, User.objects.get(email="tanaka@u-tokyo.example"), {}),
    "application_received": lambda: (app := MembershipApplication.objects.order_by("pk").first(), app_email(app),
                                     {}),
    "application_submitted": lambda: (MembershipApplication.objects.order_by("pk").first(), secretariat(), {}),
    "application_decided": lambda: (app := MembershipApplication.objects.order_by("pk").first(), app_email(app), {}),
    "affiliation_requested": lambda: (aff := Affiliation.objects.filter(role="staff").order_by("pk").first(),
                                      contact_of(aff.institution), {}),
    "affiliation_decided": lambda: (aff := Affiliation.objects.filter(role="staff").order_by("pk").first(),
                                    aff.user, {}),
    "group_join_requested": lambda: (m := pending_membership(),
                                     Membership.objects.filter(group=m.group, coordinator=True).first().user, {}),
    "group_join_decided": lambda: (m := pending_membership(), m.user, {}),
    "group_coordinator_named": lambda: (m := coordinator_membership(), m.user, {"named": True}),
    "group_member_removed": lambda: (m := pending_membership(), m.user, {}),
    "group_participation_requested": lambda: (
        p := Participation.objects.filter(group__coordinators__isnull=False).order_by("pk").first(),
        Membership.objects.filter(group=p.group, coordinator=True).first().user, {}),
    "group_participation_decided": lambda: (p := Participation.objects.filter(institution__in=with_contact())
                                            .order_by("pk").first(),
                                            contact_of(p.institution), {}),
    "initiative_published": lambda: (i := Initiative.objects.filter(status="published", themes__isnull=False)
                                     .order_by("pk").first(),
                                     Membership.objects.filter(group__in=i.themes.all(), status="active")
                                     .first().user, {}),
    "initiative_unpublished": lambda: (i := Initiative.objects.filter(author__isnull=False).order_by("pk").first(),
                                       i.author, {}),
    "question_asked": lambda: (q := Question.objects.order_by("pk").first(), q.initiative.author, {}),
    "question_answered": lambda: (q := Question.objects.order_by("pk").first(), q.asked_by, {}),
    "report_reviewed": lambda: (r := YearlyReport.objects.filter(institution__in=with_contact())
                                .order_by("pk").first(), contact_of(r.institution), {}),
    "meeting_announced": lambda: (r := upcoming_meeting()) and (r.meeting, r.user, {}),
    "meeting_changed": lambda: (r := upcoming_meeting()) and (r.meeting, r.user, {}),
    "meeting_cancelled": lambda: (r := upcoming_meeting()) and (r.meeting, r.user, {}),
    "meeting_reminder_week": lambda: (r := upcoming_meeting()) and (
        r.meeting, r.user, {"starts_at": r.meeting.starts_at.isoformat()}),
    "meeting_reminder_day": lambda: (r := upcoming_meeting()) and (
        r.meeting, r.user, {"starts_at": r.meeting.starts_at.isoformat()}),
    "registration_confirmed": lambda: (r := registration("confirmed"), r.user, {}),
    "registration_waiting": lambda: (r := registration("waiting"), r.user, {}),
    "registration_moved_up": lambda: (r := registration("confirmed"), r.user, {}),
    "need_confirm": lambda: (n := need_in(Need.Status.UNCONFIRMED), n.contact_email, {}),
    "need_submitted": lambda: (need_in(Need.Status.SUBMITTED), secretariat(), {}),
    "need_decided": lambda: (n := need_in(Need.Status.PUBLISHED), n.contact_email, {}),
    "need_returned": lambda: (n := need_in(Need.Status.RETURNED), n.contact_email, {}),
    "need_published": lambda: (need_in(Need.Status.PUBLISHED), User.objects.get(email="kobayashi@shinshu.example"),
                               {}),
    "need_interest": lambda: (Interest.objects.order_by("pk").first(), secretariat(), {}),
    "need_introduction": lambda: (i := Interest.objects.order_by("pk").first(), i.user, {}),
    "motion_voting_opened": lambda: (motion_in(Motion.Status.VOTING),
                                     User.objects.get(email="nakamura@shinshu.example"), {}),
    "vote_receipt": lambda: (v := Vote.objects.filter(institution__in=with_contact()).order_by("pk").first(),
                             u := contact_of(v.institution),
                             {"choice": v.choice, "code": "ABCD-1234", "cast_by": u.get_full_name()}),
    "motion_decided": lambda: (Motion.objects.filter(status=Motion.Status.ADOPTED).order_by("pk").first(),
                               User.objects.get(email="nakamura@shinshu.example"), {}),
    "motion_proposed": lambda: (motion_in(Motion.Status.AGENDA), secretariat(), {}),
    "motion_returned": lambda: (m := motion_in(Motion.Status.RETURNED), contact_of(m.proposer_institution), {}),
    "group_coordination_asked": lambda: (p := ProposedCoordinator.objects.filter(status="pending").order_by("pk")
                                         .first(), contact_of(p.institution), {}),
    "group_coordination_answered": lambda: (p := ProposedCoordinator.objects.filter(status="confirmed")
                                            .order_by("pk").first(), p.motion.created_by, {}),
    "report_due": lambda: (i := late_institution(), contact_of(i), {
        "fiscal_year": current_fiscal_year() - 1, "due_on": f"{current_fiscal_year()}-06-30", "days": 7}),
    "secretariat_message": lambda: (*group_message(), {}),
    "visitor_confirm": lambda: (v := visitor(VisitorRegistration.Status.UNCONFIRMED), v.email, {}),
    "visitor_confirmed": lambda: (v := visitor(VisitorRegistration.Status.CONFIRMED), v.email, {}),
    "visitor_waiting": lambda: (v := visitor(VisitorRegistration.Status.WAITING), v.email, {}),
    "visitor_moved_up": lambda: (v := visitor(VisitorRegistration.Status.CONFIRMED), v.email, {}),
    "visitor_turned_away": lambda: (v := visitor(VisitorRegistration.Status.CANCELLED), v.email, {}),
    "newsletter": lambda: (sent_issue(), "reader@example.org", {}),
    "translation_requested": lambda: (i := untranslated(), i.author, {"wanted": "en"}),
    "newsletter_confirm": lambda: (
        Subscriber.objects.get_or_create(email="reader@example.org", defaults={"language": "ja"})[0],
        "reader@example.org",
        {"token": make_confirm_token(email="reader@example.org", language="ja")}),
}
# The account kind holds allauth's mail, rendered before it is stored: tests/members/test_account_mail.py
# follows its links.
NOT_HERE = {"account"}


def app_email(application):
    return application.applicant_email


def test_every_kind_has_a_case():
    assert {kind.key for kind in registry.all_kinds()} - NOT_HERE == set(CASES)


def session_for(recipient):
    """An HTTP session of the recipient (signed in when they have an account)."""
    http = requests.Session()
    if isinstance(recipient, User):
        client = Client()
        client.force_login(recipient)
        http.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    return http


def normal(link: str) -> str:
    """The site's bare address as written in a footer (no path) is its root."""
    return link + "/" if not urlsplit(link).path else link


def answers_of(kind, language, base) -> dict:
    """{link: what it answered} for the message of ``kind`` in ``language``, problems only."""
    obj, recipient, context = CASES[kind]()
    is_user = isinstance(recipient, User)
    row = Notification(kind=kind, recipient=recipient if is_user else None,
                       email=recipient.email if is_user else recipient, language=language,
                       context=context, dedup_key=f"links:{kind}:{language}", created_at=timezone.now())
    if obj is not None:
        row.target = obj
    row.save()
    message = render(row)
    [(html, _)] = message.alternatives
    text_links = {normal(link) for link in LINK.findall(message.body)}
    html_links = {normal(link.replace("&amp;", "&")) for link in LINK.findall(html)}
    problems = {}
    if not text_links:
        problems["(text)"] = "no link"
    for link in text_links - html_links - {base + "/"}:
        problems[link] = "in the text part only"
    # the one link that leaves the site: a meeting's online link, shown to its participants
    meeting = getattr(obj, "meeting", obj)
    outside = {getattr(meeting, "online_url", None)}
    http = session_for(recipient)
    for link in sorted(text_links | html_links):
        if link in outside:
            continue
        if not link.startswith(base + "/"):
            problems[link] = "not on the site's address"
            continue
        response = http.get(link, allow_redirects=False, timeout=30)
        location = response.headers.get("Location", "")
        sign_in = response.status_code == 302 and "/accounts/login/" in location
        # the bare address sends everyone to their language's home page
        home = urlsplit(link).path == "/" and response.status_code == 302 and location in ("/ja/", "/en/")
        if response.status_code != 200 and not (sign_in and not is_user) and not home:
            problems[urlsplit(link).path] = response.status_code
    return problems


def test_every_link_of_every_mail_kind_answers_for_its_recipient(live_server, settings):
    settings.SITE_URL = live_server.url
    call_command("seed_demo", verbosity=0)

    problems = {}
    for kind in sorted(CASES):
        for language in ("ja", "en"):
            try:
                found = answers_of(kind, language, live_server.url)
            except Exception as exc:  # noqa: BLE001 -- every kind's outcome in one report
                found = {"(error)": repr(exc)}
            if found:
                problems[f"{kind} [{language}]"] = found

    assert problems == {}, "\n".join(f"{kind}: {found}" for kind, found in problems.items())
