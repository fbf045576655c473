"""The two tiers on the site: the group list and pages, joining, coordinating, the secretariat's
group management, and an institution's choice of groups."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from members import extensions
from members.access import SecretariatRequiredMixin, form_errors_to_form, refuse, safe_next, secretariat_gate
from members.cache import cached_fragment
from members.forms import EndForm
from members.i18n import current_language
from members.models import Institution
from members.rules import contact_institution_ids, current_affiliations
from members.selectors import active_member_count

from .. import selectors, services
from ..forms import DecisionForm, GroupForm, InstitutionGroupsForm, JoinForm, ReasonForm
from ..models import Membership, Participation, WorkingGroup


class WorkingGroupListView(TemplateView):
    """/working-groups/: the general meeting (upper tier), then the theme groups."""

    template_name = "working_groups/workinggroup_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        groups = list(WorkingGroup.objects.filter(status=WorkingGroup.Status.ACTIVE).prefetch_related("coordinators"))
        counts = selectors.group_counts(groups)
        rows = [{"group": g, **counts[g.pk]} for g in groups]
        ctx["general"] = next((r for r in rows if r["group"].is_general_meeting), None)
        if ctx["general"]:
            ctx["general"]["institutions"] = active_member_count()
        ctx["themes"] = [r for r in rows if not r["group"].is_general_meeting]
        ctx["closed"] = list(WorkingGroup.objects.filter(status=WorkingGroup.Status.CLOSED))
        ctx["can_administer"] = self.request.user.has_perm("working_groups.administer_groups")
        # What upper apps add to each group's entry (the next meeting): one context for all rows.
        ctx["row_sections"] = extensions.render_sections("group_row", self.request, groups=groups)
        return ctx


class WorkingGroupDetailView(View):
    template_name = "working_groups/workinggroup_detail.html"
    shown = 60  # institutions listed on the page; the directory's ?wg= filter lists them all

    def get(self, request, slug):
        group = get_object_or_404(WorkingGroup.objects.prefetch_related("coordinators"), slug=slug)
        user = request.user
        ctx = {
            "group": group,
            "object": group,
            "see_names": user.has_perm("working_groups.see_member_names"),
            "can_manage": user.has_perm("working_groups.manage_group", group),
            "can_administer": user.has_perm("working_groups.administer_groups"),
            "initiatives": selectors.latest_initiatives(user, group=group),
            "sections": extensions.render_sections("group_detail", request, group=group),
        }
        if ctx["see_names"]:
            ctx.update(self.members(group, names=True))
        else:  # the same for every reader who sees no names: rendered once until the members change
            ctx["members_html"] = mark_safe(cached_fragment(  # noqa: S308 - our own template's output
                "group-members", ("groups", "members"), (group.pk, self.shown, current_language()),
                lambda: render_to_string(self.members_template(group), self.members(group, names=False))))
        if not group.is_general_meeting:
            ctx["my_membership"] = selectors.my_memberships(user).get(group.pk)
            if user.has_perm("working_groups.join_group", group) and ctx["my_membership"] is None:
                ctx["join_form"] = JoinForm(institutions=[a.institution for a in current_affiliations(user)])
            if ctx["can_manage"]:
                pending = selectors.pending_for_group(group)
                ctx["pending_count"] = len([m for m in pending["memberships"] if m.user_id != user.pk]) + len(
                    [p for p in pending["participations"] if p.requested_by_id != user.pk])
            ctx["can_name_coordinators"] = user.has_perm("working_groups.name_coordinators", group)
            if ctx["see_names"]:
                ctx["named_coordinators"] = selectors.group_coordinators(group)
        return render(request, self.template_name, ctx)

    @staticmethod
    def members_template(group) -> str:
        if group.is_general_meeting:
            return "working_groups/_general_meeting_members.html"
        return "working_groups/_group_participants.html"

    def members(self, group, *, names: bool) -> dict:
        """The page's list of institutions (the general meeting: every member; a theme group: its
        participants) and their count; with ``names``, the people of each."""
        if group.is_general_meeting:
            return {"group": group, "see_names": names,
                    "members": selectors.general_meeting_members(limit=self.shown, names=names),
                    "member_count": active_member_count()}
        # counted once until a participation or a member changes (the same cache as the groups'
        # page): a large group's count read its 15,000 participations, the page's slowest query
        return {"group": group, "see_names": names,
                "participants": selectors.group_participant_names(group, limit=self.shown, names=names),
                "participant_count": selectors.group_counts([group])[group.pk]["institutions"]}


class GroupObjectMixin(LoginRequiredMixin):
    permission = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.group = get_object_or_404(WorkingGroup, slug=kwargs["slug"])
        if self.permission and not request.user.has_perm(self.permission, self.group):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)


class JoinView(GroupObjectMixin, View):
    permission = "working_groups.join_group"

    def post(self, request, slug):
        form = JoinForm(request.POST, institutions=[a.institution for a in current_affiliations(request.user)])
        try:
            if not form.is_valid():
                raise ValidationError(_("Choose one of your institutions."))
            membership = services.membership_request(user=request.user, group=self.group, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if membership.status == Membership.Status.ACTIVE:
                messages.success(request, _("You are now a member of %(group)s.") % {"group": self.group.name})
            else:
                messages.success(request, _("Your request was sent to the coordinators of %(group)s.")
                                 % {"group": self.group.name})
        return redirect(self.group.get_absolute_url())


class MembershipEndView(LoginRequiredMixin, View):
    """The person leaves (or withdraws the request); a coordinator removes someone, after a page that
    asks for confirmation and the reason the person will read."""

    template_name = "working_groups/membership_confirm_end.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.membership = get_object_or_404(Membership.objects.select_related("group", "user", "institution"),
                                            pk=kwargs["pk"])
        self.own = self.membership.user_id == request.user.pk
        if not self.own and not request.user.has_perm("working_groups.manage_group", self.membership.group):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)

    def back(self, request) -> str:
        group = self.membership.group
        if self.own:
            return safe_next(request, group.get_absolute_url())
        return safe_next(request, "working_groups:group-manage", slug=group.slug)

    def get(self, request, pk):
        return render(request, self.template_name, {"membership": self.membership, "own": self.own,
                                                    "group": self.membership.group, "next": self.back(request)})

    def post(self, request, pk):
        membership = self.membership
        form = EndForm(request.POST)
        try:
            if not form.is_valid():
                raise form.refusal()
            services.membership_end(membership=membership, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            if not self.own:  # back to the confirmation, which asks for the reason again
                return redirect(f"{request.path}?{urlencode({'next': self.back(request)})}")
        else:
            messages.success(request, _("You left the group.") if self.own else _("The member was removed."))
        return redirect(self.back(request))


class CoordinatorsView(GroupObjectMixin, TemplateView):
    """The group's named coordinators: a contact of a coordinating institution names them among its
    members of the group; the secretariat among all those registered for a coordinating institution."""

    template_name = "working_groups/group_coordinators.html"
    permission = "working_groups.name_coordinators"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        mine = None if user.has_perm("working_groups.administer_groups") else contact_institution_ids(user)
        ctx["group"] = self.group
        ctx["coordinators"] = selectors.group_coordinators(self.group)
        named = {m.pk for m in ctx["coordinators"]}
        ctx["candidates"] = [m for m in selectors.coordinator_candidates(self.group, mine) if m.pk not in named]
        ctx["may_unname"] = {m.pk for m in ctx["coordinators"] if mine is None or m.institution_id in mine}
        return ctx


class CoordinatorNameView(LoginRequiredMixin, View):
    """POST: name the holder of a membership coordinator (coordinator=1) or no longer (coordinator=0)."""

    def post(self, request, pk):
        membership = get_object_or_404(Membership.objects.select_related("group").prefetch_related(
            "group__coordinators"), pk=pk)
        if not (request.user.has_perm("working_groups.name_coordinators", membership.group)
                and request.user.has_perm("working_groups.name_coordinator", membership)):
            return refuse(request)
        naming = request.POST.get("coordinator") == "1"
        try:
            services.coordinator_name(membership=membership, by=request.user, coordinator=naming)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            name = membership.user.get_full_name()
            messages.success(request, (_("%(name)s is now a coordinator of the group.") if naming
                                       else _("%(name)s is no longer a coordinator of the group."))
                             % {"name": name})
        return redirect("working_groups:group-coordinators", slug=membership.group.slug)


class DecideView(LoginRequiredMixin, View):
    """A coordinator (or the secretariat) decides a person's or an institution's request."""

    model = Membership

    def post(self, request, pk):
        obj = get_object_or_404(self.model.objects.select_related("group"), pk=pk)
        if not request.user.has_perm("working_groups.decide_membership", obj):
            return refuse(request)
        form = DecisionForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(_("Choose approve or refuse."))
            approve = form.cleaned_data["decision"] == "approve"
            decide = services.membership_decide if self.model is Membership else services.participation_decide
            key = "membership" if self.model is Membership else "participation"
            decide(**{key: obj}, by=request.user, approve=approve, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            if form.is_valid() and not approve and not form.cleaned_data["reason"].strip():
                # the one error of a person's input: back at the request's own reason field, marked
                # and focused (GroupManageView ``missing_reason``), the banner saying the same
                field = f"reason-{'m' if self.model is Membership else 'p'}{obj.pk}"
                url = reverse("working_groups:group-manage", kwargs={"slug": obj.group.slug})
                return redirect(f"{url}?missing_reason={field}#{field}")
        else:
            messages.success(request, _("Approved.") if approve else _("Refused."))
        return redirect(safe_next(request, "working_groups:group-manage", slug=obj.group.slug))


class GroupManageView(GroupObjectMixin, TemplateView):
    """The coordinators' page: requests to decide, members to remove."""

    template_name = "working_groups/group_manage.html"
    permission = "working_groups.manage_group"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["group"] = self.group
        ctx.update(selectors.pending_for_group(self.group))
        ctx["participants"] = selectors.group_participants(self.group)
        ctx["can_name_coordinators"] = self.request.user.has_perm("working_groups.name_coordinators", self.group)
        # a refusal sent without its reason (DecideView): that request's reason field is marked
        ctx["missing_reason"] = self.request.GET.get("missing_reason", "")
        return ctx


class InstitutionGroupsView(LoginRequiredMixin, FormView):
    """An institution's contact chooses the groups the institution takes part in."""

    template_name = "working_groups/institution_groups.html"
    form_class = InstitutionGroupsForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.institution = get_object_or_404(Institution.objects.active(), slug=kwargs["slug"])
        if not request.user.has_perm("working_groups.choose_groups", self.institution):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)

    def current(self):
        return {
            p.group_id: p
            for p in Participation.objects.filter(institution=self.institution,
                                                  status__in=[Participation.Status.PENDING,
                                                              Participation.Status.ACTIVE])
        }

    def get_initial(self):
        return {"groups": list(self.current())}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["institution"] = self.institution
        current = self.current()
        registered = set(
            Membership.objects.active().filter(institution=self.institution).values_list("group_id", flat=True)
        )
        ctx["rows"] = [
            {"group": g, "participation": current.get(g.pk), "registered": g.pk in registered}
            for g in WorkingGroup.objects.themes().active().order_by("order")
        ]
        return ctx

    def form_valid(self, form):
        result = services.institution_groups_choose(institution=self.institution, by=self.request.user,
                                                    groups=form.cleaned_data["groups"])
        messages.success(self.request, _("Saved: %(requested)s requested, %(ended)s left.")
                         % {"requested": len(result["requested"]), "ended": len(result["ended"])})
        return redirect("working_groups:institution-groups", slug=self.institution.slug)


class GroupFormView(SecretariatRequiredMixin, FormView):
    """The secretariat creates or edits a group."""

    template_name = "working_groups/group_form.html"
    form_class = GroupForm

    def dispatch(self, request, *args, **kwargs):
        refusal = secretariat_gate(request)
        if refusal is not None:
            return refusal
        self.group = get_object_or_404(WorkingGroup, slug=kwargs["slug"]) if "slug" in kwargs else None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.group or WorkingGroup(tier=WorkingGroup.Tier.THEME)
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["group"] = self.group
        return ctx

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in services.GROUP_FIELDS if name in form.cleaned_data}
        try:
            group = services.group_save(by=self.request.user, group=self.group, data=data,
                                        coordinators=form.cleaned_data["coordinators"])
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The group is saved."))
        return redirect(group.get_absolute_url())


class GroupCloseView(SecretariatRequiredMixin, FormView):
    template_name = "working_groups/group_close.html"
    form_class = ReasonForm

    def dispatch(self, request, *args, **kwargs):
        refusal = secretariat_gate(request)
        if refusal is not None:
            return refusal
        self.group = get_object_or_404(WorkingGroup, slug=kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["group"] = self.group
        return ctx

    def form_valid(self, form):
        try:
            services.group_close(group=self.group, by=self.request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The group is closed."))
        return redirect("working_groups:group-list")
