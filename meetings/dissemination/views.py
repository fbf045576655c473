"""Views of the dissemination app: news and statements (list, page, Atom, writing), the about
page, and the newsletter."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.http import require_safe

from members.access import SecretariatRequiredMixin, form_errors_to_form, rate_limited, refuse
from members.feeds import SiteFeed
from members.i18n import current_language
from members.markup import render_markdown
from members.models import Institution
from members.pagination import page_of
from members.rules import is_secretariat
from members.selectors import active_members_by_category
from working_groups.models import Initiative, WorkingGroup
from working_groups.rules import coordinated_group_ids

from . import selectors, services, tokens
from .filters import NewsFilter
from .forms import IssueForm, NewsItemForm, SubscribeForm
from .models import NewsItem, NewsletterIssue, Subscriber


class NewsListView(View):
    """/news/: q, kind, wg, year, lang=en; newest first; ?page=N."""

    template_name = "dissemination/news_list.html"
    paginate_by = 20

    def get(self, request):
        filterset = NewsFilter(request.GET, queryset=selectors.news_listed_for(request.user))
        qs = selectors.news_rows(filterset.qs.order_by("-published_at", "-id"))
        page, paginator = page_of(request, qs, self.paginate_by)
        return render(request, self.template_name, {
            "filter": filterset, "page_obj": page, "paginator": paginator, "items": list(page.object_list),
            "is_filtered": any(request.GET.get(k) for k in filterset.filters),
            "can_create": request.user.has_perm("dissemination.create_news"),
            "can_manage_newsletter": request.user.has_perm("dissemination.manage_newsletter"),
            "feed_query": request.GET.get("wg", "") if filterset.is_valid() else "",
        })


class NewsItemMixin:
    """Loads the item of the URL and checks ``permission`` on it (refuse() when denied)."""

    permission = "dissemination.view_news"

    def dispatch(self, request, *args, **kwargs):
        self.item = get_object_or_404(
            NewsItem.objects.select_related("group", "adopted_by", "meeting"), slug=kwargs["slug"])
        if not request.user.has_perm(self.permission, self.item):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)


class NewsDetailView(NewsItemMixin, View):
    template_name = "dissemination/news_detail.html"

    def get(self, request, slug):
        item = self.item
        return render(request, self.template_name, {
            "item": item, "object": item,
            "can_edit": request.user.has_perm("dissemination.edit_news", item),
            "meeting_visible": item.meeting is not None and request.user.has_perm("meetings.view_meeting",
                                                                                    item.meeting),
        })


def _groups_for(user):
    """The groups ``user`` may write for (None: any, for the secretariat)."""
    if is_secretariat(user):
        return None
    return list(WorkingGroup.objects.filter(pk__in=coordinated_group_ids(user)).order_by("order", "slug"))


def _news_data(form) -> dict:
    return {name: form.cleaned_data.get(name) for name in services.NEWS_FIELDS if name in form.cleaned_data}


class NewsCreateView(LoginRequiredMixin, View):
    """/news/new/: the secretariat, or a coordinator for their group, writes a draft."""

    template_name = "dissemination/news_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("dissemination.create_news"):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        form = NewsItemForm(groups=_groups_for(request.user))
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = NewsItemForm(request.POST, groups=_groups_for(request.user))
        if form.is_valid():
            try:
                item = services.news_create(by=request.user, data=_news_data(form))
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("The draft is saved. Publish it when it is ready."))
                return redirect(item.get_absolute_url())
        return render(request, self.template_name, {"form": form}, status=400)


class NewsEditView(NewsItemMixin, View):
    template_name = "dissemination/news_form.html"
    permission = "dissemination.edit_news"

    def get(self, request, slug):
        form = NewsItemForm(instance=self.item, groups=_groups_for(request.user))
        return render(request, self.template_name, {"form": form, "item": self.item})

    def post(self, request, slug):
        # the form works on a copy: a refused edit leaves the item as it was for the page
        form = NewsItemForm(request.POST, instance=NewsItem.objects.get(pk=self.item.pk),
                            groups=_groups_for(request.user))
        if form.is_valid():
            try:
                item = services.news_update(item=self.item, by=request.user, data=_news_data(form))
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("The changes are saved."))
                return redirect(item.get_absolute_url())
        return render(request, self.template_name, {"form": form, "item": self.item}, status=400)


class NewsStatusView(NewsItemMixin, View):
    """POST: publish, or take back to draft."""

    permission = "dissemination.edit_news"
    action = "publish"

    def post(self, request, slug):
        service = services.news_publish if self.action == "publish" else services.news_unpublish
        try:
            item = service(item=self.item, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(self.item.get_absolute_url())
        if self.action == "publish":
            messages.success(request, _("Published."))
        else:
            messages.success(request, _("Taken back to draft."))
        return redirect(item.get_absolute_url())


class NewsFeed(SiteFeed):
    """/news/feed/ (and ?wg=<slug>): published items, newest first, as Atom (RFC 4287)."""

    list_url_name, feed_url_name = "dissemination:news-list", "dissemination:news-feed"
    feed_name, item_name = "news-feed", "news"

    def groups(self):
        return WorkingGroup.objects.all()

    def title(self, group):
        name, news = _("University Coalition for Carbon Neutrality"), _("News and statements")
        return f"{name}: {group.name if group else news}"

    def subtitle(self, group):
        return _("News, announcements and statements of the coalition.")

    def items(self, group):
        qs = NewsItem.objects.published().order_by("-published_at", "-id")
        if group is not None:
            qs = qs.filter(Q(group=group) | Q(adopted_by=group))
        return qs[:50]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Atom's summary is marked type="html": plain text must be escaped, or a reader runs it.
        return escape(item.summary)

    def item_categories(self, item):
        return [item.get_kind_display()]


@require_safe
def about(request):
    """/about/: what the coalition is, from its founding text; member counts kept until a member
    changes."""
    counts = active_members_by_category()
    groups = list(WorkingGroup.objects.active().prefetch_related("coordinators"))
    return render(request, "dissemination/about.html", {
        "member_count": sum(counts.values()),
        "participating_count": counts.get(Institution.Category.PARTICIPATING, 0),
        "cooperating_count": counts.get(Institution.Category.COOPERATING, 0),
        "general_meeting": next((g for g in groups if g.is_general_meeting), None),
        "groups": [g for g in groups if not g.is_general_meeting],
        "latest_statement": selectors.latest_statement(),
        "contact_email": settings.SECRETARIAT_EMAIL,
    })


# ---------------------------------------------------------------------------------------------
# The newsletter: subscribing (double opt-in), confirming, unsubscribing
# ---------------------------------------------------------------------------------------------


class NewsletterView(View):
    """/newsletter/: anyone subscribes with an address and a language; a confirmation link follows."""

    template_name = "dissemination/newsletter.html"
    limit, period = 5, 3600  # subscriptions per address per hour

    def context(self, form):
        return {"form": form, "days": settings.NEWSLETTER_UNCONFIRMED_DAYS}

    def get(self, request):
        form = SubscribeForm(initial={"language": current_language()})
        return render(request, self.template_name, self.context(form))

    def post(self, request):
        form = SubscribeForm(request.POST)
        if rate_limited(request, "newsletter-subscribe", limit=self.limit, period=self.period):
            form.is_valid()
            form.add_error(None, _("Too many subscriptions from your address. Please try again in an hour."))
            return render(request, self.template_name, self.context(form), status=429)
        if not form.is_valid():
            return render(request, self.template_name, self.context(form), status=400)
        if not form.is_spam:
            services.subscriber_subscribe(email=form.cleaned_data["email"], language=form.cleaned_data["language"])
        return redirect("dissemination:newsletter-sent")


@require_safe
def newsletter_sent(request):
    return render(request, "dissemination/newsletter_sent.html")


class NewsletterConfirmView(View):
    """The confirmation link: a page with one button (mail scanners that open links do not
    subscribe anyone), and the confirmation on POST."""

    template_name = "dissemination/newsletter_confirm.html"

    def get(self, request, token):
        valid = tokens.read_confirm_token(token) is not None
        return render(request, self.template_name, {"valid": valid}, status=200 if valid else 400)

    def post(self, request, token):
        subscriber = services.subscriber_confirm(token=token)
        if subscriber is None:
            return render(request, self.template_name, {"valid": False}, status=400)
        messages.success(request, _("Your subscription is confirmed. Thank you."))
        return redirect("dissemination:newsletter")


class NewsletterUnsubscribeView(View):
    template_name = "dissemination/newsletter_unsubscribe.html"

    def get(self, request, token):
        payload = tokens.read_unsubscribe_token(token)
        return render(request, self.template_name, {"valid": payload is not None,
                                                    "email": payload["e"] if payload else ""},
                      status=200 if payload else 400)

    def post(self, request, token):
        if tokens.read_unsubscribe_token(token) is None:
            return render(request, self.template_name, {"valid": False}, status=400)
        services.subscriber_unsubscribe(token=token)
        messages.success(request, _("You will receive no further newsletter."))
        return redirect("dissemination:newsletter")


# ---------------------------------------------------------------------------------------------
# The newsletter: the secretariat's issues
# ---------------------------------------------------------------------------------------------


class IssueListView(SecretariatRequiredMixin, View):
    def get(self, request):
        counts = dict(Subscriber.objects.values_list("status").annotate(n=Count("id")).order_by())
        return render(request, "dissemination/issue_list.html", {
            "issues": list(NewsletterIssue.objects.all()[:50]),
            "confirmed": counts.get(Subscriber.Status.CONFIRMED, 0),
            "pending": counts.get(Subscriber.Status.PENDING, 0),
            "translation_status": selectors.translation_status(),
            "lacking_english": selectors.lacking_english(),
        })


class IssueFormView(SecretariatRequiredMixin, View):
    """/newsletter/issues/new/ (``?draft=1``: assembled from the last month) and …/<pk>/edit/."""

    template_name = "dissemination/issue_form.html"

    def issue(self, pk):
        if pk is None:
            return None
        issue = get_object_or_404(NewsletterIssue, pk=pk)
        if issue.status == NewsletterIssue.Status.SENT:
            raise Http404
        return issue

    def get(self, request, pk=None):
        issue = self.issue(pk)
        initial = {}
        if issue is None and request.GET.get("draft") == "1":
            initial = services.issue_draft_text(since=timezone.now() - datetime.timedelta(days=31))
        form = IssueForm(instance=issue, initial=initial)
        return render(request, self.template_name, {"form": form, "issue": issue})

    def post(self, request, pk=None):
        issue = self.issue(pk)
        form = IssueForm(request.POST, instance=NewsletterIssue.objects.get(pk=issue.pk) if issue else None)
        if form.is_valid():
            try:
                issue = services.issue_save(issue=issue, by=request.user,
                                            data={k: form.cleaned_data[k] for k in services.ISSUE_FIELDS})
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("The issue is saved. Check the preview, then send it."))
                return redirect(issue.get_absolute_url())
        return render(request, self.template_name, {"form": form, "issue": issue}, status=400)


class IssueDetailView(SecretariatRequiredMixin, View):
    """The preview of an issue in both languages, and the button that sends it."""

    def get(self, request, pk):
        issue = get_object_or_404(NewsletterIssue, pk=pk)
        return render(request, "dissemination/issue_detail.html", {
            "issue": issue,
            "previews": [("ja", issue.subject_ja, render_markdown(issue.body_ja)),
                         ("en", issue.subject_en or issue.subject_ja, render_markdown(issue.body_en or issue.body_ja))],
            "confirmed": Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED).count(),
        })


class IssueSendView(SecretariatRequiredMixin, View):
    def post(self, request, pk):
        issue = get_object_or_404(NewsletterIssue, pk=pk)
        try:
            n = services.issue_send(issue=issue, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, ngettext("The issue is on its way to %(n)s recipient.",
                                               "The issue is on its way to %(n)s recipients.", n) % {"n": n})
        return redirect(issue.get_absolute_url())


class TranslationRequestView(SecretariatRequiredMixin, View):
    """POST: the secretariat asks an initiative's author for a translation."""

    def post(self, request, slug):
        initiative = get_object_or_404(Initiative.objects.select_related("author"), slug=slug)
        try:
            sent = services.translation_request(initiative=initiative, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if sent:
                messages.success(request, _("The author is asked for a translation."))
            else:
                messages.info(request, _("The author was already asked today."))
        return redirect(initiative.get_absolute_url())
