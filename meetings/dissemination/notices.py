"""The notification kinds of the newsletter: the confirmation link (double opt-in) and the issues.

Members choose the newsletter on their e-mail settings page (off unless chosen); visitors subscribe
on /newsletter/. Every issue carries the outbox's one-click unsubscribe (RFC 8058) and a List-Id.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from members.i18n import pick
from members.markup import render_markdown
from members.notifications.models import Delivery
from members.notifications.registry import STAFF, Kind, Obsolete, register, target_of
from members.notifications.rendering import absolute

from .models import NewsletterIssue, Subscriber
from .tokens import make_unsubscribe_token


def _confirm(notification):
    subscriber = target_of(notification)
    if subscriber.status == Subscriber.Status.CONFIRMED and subscriber.language == notification.language:
        raise Obsolete("already confirmed")
    with translation.override(notification.language):
        url = absolute(reverse("dissemination:newsletter-confirm", kwargs={"token": notification.context["token"]}))
    return {"confirm_url": url, "days": settings.NEWSLETTER_CONFIRM_HOURS // 24}


def _issue(notification):
    issue = target_of(notification)
    if issue.status != NewsletterIssue.Status.SENT:
        raise Obsolete("the issue was not sent")
    language = notification.language
    context = {
        "issue": issue,
        "issue_subject": pick(issue.subject_ja, issue.subject_en, language),
        "issue_html": render_markdown(pick(issue.body_ja, issue.body_en, language)),
        "issue_text": pick(issue.body_ja, issue.body_en, language),
    }
    if notification.recipient_id is None:  # a subscriber without an account: the newsletter's own page
        with translation.override(language):
            context["newsletter_unsubscribe_url"] = absolute(reverse(
                "dissemination:newsletter-unsubscribe",
                kwargs={"token": make_unsubscribe_token(email=notification.email)}))
    return context


def _translation(notification):
    initiative = target_of(notification)
    if initiative.title_translated:
        raise Obsolete("translated meanwhile")
    with translation.override(notification.language):
        edit_url = absolute(reverse("working_groups:initiative-edit", kwargs={"slug": initiative.slug}))
    wanted_english = notification.context.get("wanted") == "en"
    return {"initiative": initiative, "edit_url": edit_url, "wanted_english": wanted_english}


def list_id() -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<newsletter.{host}>"


FOR_STAFF = frozenset({STAFF})


def register_all():
    register(Kind(key="translation_requested", label=_("Requests for a translation"),
                  description=_("The secretariat asks you for a title and summary of your initiative in the other "
                                "language."),
                  template="dissemination/email/translation_requested", context=_translation, digestible=False,
                  order=95, audience=FOR_STAFF))
    register(Kind(key="newsletter_confirm", label=_("Newsletter confirmation"),
                  template="dissemination/email/newsletter_confirm", context=_confirm, choosable=False,
                  digestible=False, transactional=True, order=200))
    register(Kind(key="newsletter", label=_("Coalition newsletter"),
                  description=_("News, statements, new initiatives and public events, about once a month."),
                  default=Delivery.NEVER, template="dissemination/email/newsletter", context=_issue,
                  digestible=False, order=90,
                  extra={"headers": {"List-Id": f"{_list_name()} {list_id()}"}}))


def _list_name() -> str:
    return '"University Coalition for Carbon Neutrality newsletter"'
