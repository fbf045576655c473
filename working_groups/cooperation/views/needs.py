"""One need: its page with suggested matches; the public form and its e-mail confirmation; the
reviewers' decisions, staff's interest and the introduction of the parties."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from members.access import form_errors_to_form, rate_limited, refuse
from members.audit.models import AuditEntry
from members.cache import cached_fragment
from members.i18n import current_language
from members.rules import current_affiliations, is_secretariat
from working_groups.rules import coordinated_group_ids, sees_members_only

from .. import selectors, services
from ..forms import InterestForm, NeedForm, ReasonForm
from ..models import Interest, Need
from ..rules import introduced_institution_ids
from ..tokens import read_confirm_token, read_edit_token


def _load(pk) -> Need:
    return get_object_or_404(Need.objects.select_related("partner", "initiative"), pk=pk)


# What the suggested matches are read from: expertise (cooperation), initiatives, institutions and
# their groups. A write to any of them bumps its namespace, and the cached section is computed again.
SUGGESTION_NAMESPACES = ("cooperation", "initiatives", "members", "groups")


def suggestions_html(need: Need, themes, user) -> str:
    """The need page's "Suggested matches" section, cached per need, audience (members-only
    entries or not) and language until what it is read from changes (members/cache.py). The same
    section is shown to every visitor and to every member: computing it is the page's heavy part
    (three ranked queries), so it is done once, not on each view of the page. The suggestions
    themselves are kept per need and audience, apart from their HTML: the page in the other
    language (a reader switching, a search engine following the hreflang alternates) only renders
    them again, it does not rank them again."""
    members = sees_members_only(user)
    parts = (need.pk, need.title, need.prefecture, tuple(g.pk for g in themes), members)

    def ranked():
        return selectors.suggestions_for(need, user)

    def compute():
        suggestions = cached_fragment("need-suggestion-rows", SUGGESTION_NAMESPACES, parts, ranked)
        return render_to_string("cooperation/includes/_need_suggestions.html", {"suggestions": suggestions})

    return mark_safe(cached_fragment("need-suggestions", SUGGESTION_NAMESPACES, (*parts, current_language()),
                                     compute))


class NeedDetailView(View):
    """/needs/<id>/: anyone for a listed need; reviewers for one waiting or declined."""

    def get(self, request, pk, interest_form=None, reason_form=None):
        need = _load(pk)
        user = request.user
        if not user.has_perm("cooperation.view_need", need):
            return refuse(request)
        can_review = user.has_perm("cooperation.review_need", need)
        themes = list(need.themes.all())
        context = {
            "need": need,
            "themes": themes,
            "suggestions": suggestions_html(need, themes, user) if need.is_listed else None,
            "can_review": can_review,
            "can_publish": user.has_perm("cooperation.publish_need", need),
            "can_close": user.has_perm("cooperation.close_need", need),
            "can_interest": user.has_perm("cooperation.express_interest", need),
            "can_start_initiative": user.has_perm("cooperation.start_initiative", need),
            "reason_form": reason_form or ReasonForm(),
        }
        if context["can_interest"]:
            institutions = [a.institution for a in current_affiliations(user)]
            taken = set(need.interests.values_list("institution_id", flat=True))
            free = [i for i in institutions if i.pk not in taken]
            context["interest_form"] = interest_form or (InterestForm(institutions=free) if free else None)
            context["interest_taken"] = not free
        if can_review:
            context["interests"] = list(need.interests.select_related("institution", "user", "introduced_by"))
            context["history"] = list(AuditEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Need), object_id=need.pk).order_by("created_at"))
        return render(request, "cooperation/need_detail.html", context)


class NeedCreateView(FormView):
    """/needs/new/: anyone, no account. Saved only once the e-mail address is confirmed by its link."""

    template_name = "cooperation/need_form.html"
    form_class = NeedForm

    def form_valid(self, form):
        if form.is_spam:
            # Tell a bot nothing: the usual page, nothing saved or sent.
            return redirect("cooperation:need-sent")
        email = form.cleaned_data["contact_email"].strip().lower()
        if rate_limited(self.request, "need", limit=5, period=3600) or rate_limited(
                self.request, f"need-email:{email}", limit=3, period=3600):
            form.add_error(None, _("Too many requests from your address or network in the last hour. "
                                   "Please try later."))
            return self.form_invalid(form)
        data = {name: form.cleaned_data[name] for name in services.NEED_FIELDS if name in form.cleaned_data}
        try:
            services.need_submit(data=data, themes=form.cleaned_data["themes"], language=current_language())
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        self.request.session["need_email"] = email
        return redirect("cooperation:need-sent")


class NeedSentView(TemplateView):
    template_name = "cooperation/need_sent.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["email"] = self.request.session.get("need_email", "")
        return ctx


class NeedConfirmView(View):
    """/needs/confirm/<token>/: the link of the confirmation e-mail. GET shows a button (mail
    scanners follow links); POST confirms. Expired, tampered or reused links say so, change nothing."""

    def _need(self, request, token):
        need, problem = read_confirm_token(token)
        if need is None:
            return None, render(request, "cooperation/need_link_invalid.html", {"problem": problem}, status=400)
        return need, None

    def get(self, request, token):
        need, refusal = self._need(request, token)
        if refusal:
            return refusal
        return render(request, "cooperation/need_confirm.html", {"need": need,
                                                                 "done": need.status != Need.Status.UNCONFIRMED})

    def post(self, request, token):
        need, refusal = self._need(request, token)
        if refusal:
            return refusal
        if need.status != Need.Status.UNCONFIRMED:
            return render(request, "cooperation/need_confirm.html", {"need": need, "done": True})
        services.need_confirm(need=need)
        return render(request, "cooperation/need_confirm.html", {"need": need, "confirmed": True})


class NeedEditView(FormView):
    """/needs/edit/<token>/: the submitter answers a reviewer's question by correcting the need
    through the signed link of the e-mail; it then waits for review again."""

    template_name = "cooperation/need_form.html"
    form_class = NeedForm

    def dispatch(self, request, *args, **kwargs):
        self.need, problem = read_edit_token(kwargs["token"])
        if self.need is None:
            return render(request, "cooperation/need_link_invalid.html", {"problem": problem}, status=400)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.need
        return kwargs

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["contact_email"].disabled = True  # the address the link was sent to stays
        return form

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["returned"] = self.need
        return ctx

    def form_valid(self, form):
        if form.is_spam:
            return redirect("cooperation:need-sent")
        data = {name: form.cleaned_data[name] for name in services.NEED_FIELDS if name in form.cleaned_data}
        try:
            services.need_resubmit(need=self.need, data=data, themes=form.cleaned_data["themes"])
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Thank you: your answer is sent to the secretariat."))
        return redirect("cooperation:need-list")


class NeedDecisionView(View):
    """POST /needs/<id>/<action>/: publish, decline (with a reason), matched, close."""

    action = ""
    PERMISSIONS = {"publish": "cooperation.publish_need", "decline": "cooperation.decline_need",
                   "return": "cooperation.return_need",
                   "matched": "cooperation.close_need", "close": "cooperation.close_need"}

    def post(self, request, pk):
        need = _load(pk)
        if not request.user.has_perm(self.PERMISSIONS[self.action], need):
            return refuse(request)
        form = ReasonForm(request.POST)
        if self.action in ("decline", "return", "close") and not form.is_valid():
            return NeedDetailView().get(request, pk, reason_form=form)  # e.g. a reason over the limit
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            if self.action == "publish":
                services.need_publish(need=need, by=request.user)
                messages.success(request, _("The need is published on the board."))
            elif self.action == "decline":
                services.need_decline(need=need, by=request.user, reason=reason)
                messages.success(request, _("The need is declined; the submitter receives the reason."))
            elif self.action == "return":
                services.need_return(need=need, by=request.user, question=reason)
                messages.success(request, _("The question is sent to the submitter."))
            elif self.action == "matched":
                services.need_mark_matched(need=need, by=request.user)
                messages.success(request, _("The need is marked as matched."))
            else:
                services.need_close(need=need, by=request.user, reason=reason)
                messages.success(request, _("The need is closed."))
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return NeedDetailView().get(request, pk, reason_form=form)
        return redirect(need.get_absolute_url())


class InterestView(View):
    """POST /needs/<id>/interest/: staff offer their institution's help."""

    def post(self, request, pk):
        need = _load(pk)
        if not request.user.has_perm("cooperation.express_interest", need):
            return refuse(request)
        institutions = [a.institution for a in current_affiliations(request.user)]
        form = InterestForm(request.POST, institutions=institutions)
        if form.is_valid():
            try:
                services.interest_express(need=need, user=request.user, institution=form.cleaned_data["institution"],
                                          message=form.cleaned_data["message"])
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("Thank you. The secretariat will put you in touch."))
                return redirect(need.get_absolute_url())
        return NeedDetailView().get(request, pk, interest_form=form)


class IntroduceView(View):
    """POST /needs/interests/<id>/introduce/: the reviewer introduces the two parties by e-mail."""

    def post(self, request, pk):
        interest = get_object_or_404(Interest.objects.select_related("need", "institution", "user"), pk=pk)
        if not request.user.has_perm("cooperation.introduce", interest.need):
            return refuse(request)
        try:
            services.need_introduce(interest=interest, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Both parties receive an e-mail introducing them."))
        return redirect(interest.need.get_absolute_url())


class InitiativeFromNeedView(View):
    """POST /needs/<id>/initiative/: staff of an institution introduced for a matched need start a
    draft initiative from it (partner, themes, prefecture filled in), then complete it."""

    def post(self, request, pk):
        need = _load(pk)
        if not request.user.has_perm("cooperation.start_initiative", need):
            return refuse(request)
        institution_id = min(introduced_institution_ids(request.user, need))
        institution = next(a.institution for a in current_affiliations(request.user)
                           if a.institution_id == institution_id)
        try:
            initiative = services.initiative_from_need(need=need, by=request.user, institution=institution)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(need.get_absolute_url())
        messages.success(request, _("A draft initiative was created from the need. Complete it and publish it."))
        return redirect("working_groups:initiative-edit", slug=initiative.slug)


class ReviewQueueView(View):
    """/needs/review/: needs waiting for the reviewer (all for the secretariat, their themes' for a
    coordinator)."""

    def get(self, request):
        user = request.user
        if not user.has_perm("cooperation.review_queue"):
            return refuse(request)
        needs = list(selectors.review_queue_for(user, coordinated_group_ids(user), is_secretariat(user)))
        return render(request, "cooperation/need_review.html", {"needs": needs})
