"""Views of the general meeting's decisions: the sessions, a session's agenda of motions, a motion
with its vote and resolution, and the secretariat's and the representatives' actions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from meetings.models import Meeting
from members.access import form_errors_to_form, refuse
from members.fields import row_id
from members.markup import render_markdown
from members.models import Institution, User
from members.pagination import page_of
from members.rules import is_secretariat
from members.views import documents
from working_groups.models import WorkingGroup
from working_groups.rules import coordinated_group_ids

from . import selectors, services
from .forms import (
    CoordinationAnswerForm,
    DocumentForm,
    MessageForm,
    MotionForm,
    MotionProposalForm,
    OpenVotingForm,
    ProxyForm,
    ReasonForm,
    VoteForm,
)
from .models import Message, Motion, MotionDocument, Proxy, Vote

SECTION = "general_meeting"


class SessionListView(View):
    """/general-meeting/: the sessions of the general meeting, newest first, with their motions;
    ``?page=N`` (a session a year or two for decades is one page; the large scale's 1,000 were 170 ms
    of rendering on one page)."""

    template_name = "governance/session_list.html"
    paginate_by = 20

    def get(self, request):
        page, paginator = page_of(request, selectors.sessions_visible_to(request.user), self.paginate_by)
        return render(request, self.template_name, {
            "sessions": list(page.object_list), "page_obj": page, "paginator": paginator, "section": SECTION})


class SessionMixin:
    permission = "meetings.view_meeting"

    def dispatch(self, request, *args, **kwargs):
        self.session = get_object_or_404(Meeting.objects.select_related("group"), pk=kwargs["session"],
                                         kind=Meeting.Kind.GENERAL)
        if not request.user.has_perm(self.permission, self.session):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)


class SessionDetailView(SessionMixin, View):
    """/general-meeting/<session>/: the session's agenda of motions and its resolutions; the
    representative's proxy for it."""

    template_name = "governance/session_detail.html"

    def get(self, request, session):
        return render(request, self.template_name, self.context(request))

    def context(self, request, proxy_form=None):
        user = request.user
        motions = list(selectors.motions_of(self.session, user))
        represented = selectors.representative_institutions(user) if user.has_perm(
            "governance.designate_proxy", self.session) else []
        proxies = {p.institution_id: p for p in Proxy.objects.filter(
            session=self.session, institution__in=represented).select_related("holder")}
        proxy_forms = []
        for institution in represented:
            form = proxy_form if proxy_form is not None and proxy_form.data.get("institution") == str(
                institution.pk) else ProxyForm(
                institutions=[institution], candidates=selectors.proxy_candidates(institution, self.session),
                initial={"institution": institution.pk}, auto_id=f"id_%s_{institution.pk}")
            proxy_forms.append((institution, proxies.get(institution.pk), form))
        return {
            "session": self.session, "motions": motions,
            "resolutions": [m for m in motions if m.status == Motion.Status.ADOPTED and hasattr(m, "resolution")],
            "can_draft": user.has_perm("governance.draft_motion", self.session),
            "can_propose": user.has_perm("governance.propose_motion", self.session),
            "proxy_forms": proxy_forms, "held": list(Proxy.objects.filter(session=self.session, holder=user)
                                                     .select_related("institution")) if user.is_authenticated else [],
            "section": SECTION,
        }


class ProxyView(SessionMixin, View):
    """POST: the representative names (or, with ``revoke``, takes back) the institution's proxy."""

    permission = "governance.designate_proxy"

    def post(self, request, session):
        represented = selectors.representative_institutions(request.user)
        institution = next((i for i in represented if str(i.pk) == request.POST.get("institution")), None)
        if institution is None:
            return refuse(request)
        if "revoke" in request.POST:
            services.proxy_revoke(session=self.session, institution=institution, by=request.user)
            messages.success(request, _("The proxy is revoked."))
            return redirect("governance:session-detail", session=self.session.pk)
        form = ProxyForm(request.POST, institutions=[institution], auto_id=f"id_%s_{institution.pk}",
                         candidates=selectors.proxy_candidates(institution, self.session))
        if form.is_valid():
            holder = User.objects.get(pk=form.cleaned_data["holder"])
            try:
                services.proxy_designate(session=self.session, institution=institution, holder=holder,
                                         by=request.user)
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("%(name)s may now vote for your institution at this session.")
                                 % {"name": holder.get_full_name() or holder.email})
                return redirect("governance:session-detail", session=self.session.pk)
        view = SessionDetailView()
        view.session = self.session
        return render(request, SessionDetailView.template_name, view.context(request, proxy_form=form), status=400)


class MotionCreateView(SessionMixin, View):
    """/general-meeting/<session>/motions/new/: the secretariat drafts a motion."""

    permission = "governance.draft_motion"
    template_name = "governance/motion_form.html"

    def get(self, request, session):
        return render(request, self.template_name, {"form": MotionForm(), "session": self.session, "section": SECTION})

    def post(self, request, session):
        form = MotionForm(request.POST)
        if form.is_valid():
            try:
                motion = services.motion_create(by=request.user, session=self.session, data=form.cleaned_data)
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("The motion is drafted. Only the secretariat sees it until it is put "
                                            "on the agenda."))
                return redirect(motion.get_absolute_url())
        return render(request, self.template_name, {"form": form, "session": self.session, "section": SECTION},
                      status=400)


class MotionProposeView(SessionMixin, View):
    """/general-meeting/<session>/motions/propose/: a member institution's contact or representative
    proposes a motion (a working group to create, a statement...)."""

    permission = "governance.propose_motion"
    template_name = "governance/motion_form.html"

    def render_form(self, request, form, status=200):
        return render(request, self.template_name, {"form": form, "session": self.session, "proposal": True,
                                                    "section": SECTION}, status=status)

    def get(self, request, session):
        return self.render_form(request, MotionProposalForm(
            institutions=selectors.proposing_institutions(request.user)))

    def post(self, request, session):
        institutions = selectors.proposing_institutions(request.user)
        form = MotionProposalForm(request.POST, institutions=institutions)
        if form.is_valid():
            institution = next(i for i in institutions if i.pk == form.cleaned_data["institution"])
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("institution", "coordinators")}
            try:
                motion = services.motion_propose(by=request.user, session=self.session, institution=institution,
                                                 data=data, coordinators=form.cleaned_data["coordinators"])
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("Your proposal is sent to the secretariat, who puts it on the agenda "
                                            "or returns it with a reason."))
                return redirect(motion.get_absolute_url())
        return self.render_form(request, form, status=400)


class MotionMixin:
    permission = "governance.view_motion"

    def dispatch(self, request, *args, **kwargs):
        self.motion = get_object_or_404(Motion.objects.select_related("session", "proposer_institution", "group"),
                                        pk=kwargs["pk"])
        if not request.user.has_perm(self.permission, self.motion):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)


class MotionDetailView(MotionMixin, View):
    """/motions/<id>/: the text, the rule, the tally (public), the resolution, how each
    institution voted (members), one's own institutions' recorded votes and the vote form."""

    template_name = "governance/motion_detail.html"

    def get(self, request, pk):
        return render(request, self.template_name, self.context(request))

    def context(self, request, **forms):
        motion, user = self.motion, request.user
        can_manage = user.has_perm("governance.manage_motion", motion)
        mine = selectors.institutions_voting_by(user, motion.session) if user.is_authenticated else []
        recorded = {v.institution_id: v for v in Vote.objects.filter(motion=motion, institution__in=mine)}
        ballots = []
        for institution in mine:
            vote = recorded.get(institution.pk)
            form = forms.get("vote_form") if forms.get("vote_institution") == institution.pk else None
            ballots.append({
                "institution": institution, "vote": vote, "code": services.receipt_code(vote) if vote else "",
                "form": form or VoteForm(institutions=[institution], auto_id=f"id_%s_{institution.pk}", initial={
                    "institution": institution.pk, "choice": vote.choice if vote else None}),
            })
        counts = None
        if motion.is_decided:
            counts = {"for": motion.votes_for, "against": motion.votes_against, "abstain": motion.votes_abstain}
        elif motion.status == Motion.Status.VOTING and can_manage:
            counts = selectors.tally(motion)  # the running count, for the chair only
        see_votes = user.has_perm("governance.see_votes", motion) and motion.status != Motion.Status.DRAFT
        resolution = getattr(motion, "resolution", None) if motion.status == Motion.Status.ADOPTED else None
        statement = resolution.news_item if resolution and resolution.news_item_id else None
        coordinators = list(motion.proposed_coordinators.select_related("institution", "motion"))
        answer_form = forms.get("answer_form")
        return {
            "motion": motion, "session": motion.session, "counts": counts,
            "coordinators": coordinators,
            "coordination_answers": [
                (p, answer_form if answer_form is not None and answer_form.data.get("proposed") == str(p.pk)
                 else CoordinationAnswerForm(initial={"proposed": p.pk}, auto_id=f"id_%s_{p.pk}"))
                for p in coordinators if user.has_perm("governance.answer_coordination", p)],
            "resolution": resolution,
            # the statement's news item: a link for whoever may read it (the draft: its editors)
            "statement": statement if statement and user.has_perm("dissemination.view_news", statement) else None,
            "documents": list(motion.documents.filter(version_of__isnull=True).select_related("uploaded_by")
                              .prefetch_related(documents.earlier_versions(MotionDocument))),
            "can_change_documents": user.has_perm("governance.change_motion_documents", motion),
            "ballots": ballots, "voting_open": motion.voting_is_open,
            "votes": list(selectors.votes_by_institution(motion)) if see_votes and (
                motion.is_decided or can_manage) else None,
            "can_manage": can_manage,
            "open_form": forms.get("open_form") or OpenVotingForm(),
            "withdraw_form": forms.get("withdraw_form") or ReasonForm(),
            "return_form": forms.get("return_form") or ReasonForm(auto_id="id_return_%s"),
            "document_form": forms.get("document_form") or DocumentForm(),
            "section": SECTION,
        }


class MotionDocumentMixin(MotionMixin):
    """The document of the URL (the current version, of this motion) for the secretariat while the
    motion is not decided (meetings.governance.rules)."""

    permission = "governance.change_motion_documents"
    model, owner_field, section = MotionDocument, "motion", SECTION


class MotionDocumentVersionView(MotionDocumentMixin, documents.DocumentVersionBaseView):
    add_version = staticmethod(services.motion_document_version_add)


class MotionDocumentRemoveView(MotionDocumentMixin, documents.DocumentRemoveBaseView):
    remove = staticmethod(services.motion_document_remove)


class MotionCoordinationView(MotionMixin, View):
    """POST /motions/<id>/coordination/: an institution named to coordinate the proposed group
    confirms ("confirm") or declines with a reason ("decline")."""

    def post(self, request, pk):
        form = CoordinationAnswerForm(request.POST)
        proposed = None
        if form.is_valid():
            proposed = self.motion.proposed_coordinators.filter(pk=form.cleaned_data["proposed"]).first()
        if proposed is None or not request.user.has_perm("governance.answer_coordination", proposed):
            return refuse(request)
        confirm = "confirm" in request.POST
        try:
            services.motion_coordination_answer(proposed=proposed, by=request.user, confirm=confirm,
                                                reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form_errors_to_form(form, exc)
            view = MotionDetailView()
            view.motion = self.motion
            return render(request, MotionDetailView.template_name, view.context(request, answer_form=form),
                          status=400)
        if confirm:
            messages.success(request, _("%(name)s will coordinate the group if the general meeting creates it.")
                             % {"name": proposed.institution.name})
        else:
            messages.success(request, _("You declined; the proposer is told your reason."))
        return redirect(self.motion.get_absolute_url())


class MotionEditView(MotionMixin, View):
    permission = "governance.manage_motion"
    template_name = "governance/motion_form.html"

    def get(self, request, pk):
        return render(request, self.template_name, {"form": MotionForm(instance=self.motion), "motion": self.motion,
                                                    "session": self.motion.session, "section": SECTION})

    def post(self, request, pk):
        form = MotionForm(request.POST, instance=Motion.objects.get(pk=self.motion.pk))
        if form.is_valid():
            try:
                services.motion_update(motion=self.motion, by=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            else:
                messages.success(request, _("The motion is saved."))
                return redirect(self.motion.get_absolute_url())
        return render(request, self.template_name, {"form": form, "motion": self.motion,
                                                    "session": self.motion.session, "section": SECTION}, status=400)


class MotionStepView(MotionMixin, View):
    """POST: the secretariat puts a motion on the agenda, opens or closes its vote, withdraws it,
    or adds a document."""

    permission = "governance.manage_motion"
    step = ""

    def post(self, request, pk):
        motion, by = self.motion, request.user
        form = None
        try:
            if self.step == "agenda":
                services.motion_put_on_agenda(motion=motion, by=by)
                done = _("The motion is on the agenda.")
            elif self.step == "open":
                form = OpenVotingForm(request.POST)
                if not form.is_valid():
                    return self.again(request, open_form=form)
                services.motion_open_voting(motion=motion, by=by, closes_at=form.cleaned_data["closes_at"])
                done = _("Voting is open; the voting institutions were told.")
            elif self.step == "close":
                decision = services.motion_close_voting(motion=motion, by=by)
                done = (_("The vote is closed: the motion is adopted (resolution %(number)s).")
                        % {"number": decision.resolution.number} if decision.resolution
                        else _("The vote is closed: the motion is rejected."))
            elif self.step == "open-group":
                group = services.motion_group_open(motion=motion, by=by)
                done = _("The working group %(name)s is open.") % {"name": group.name}
            elif self.step == "return":
                form = ReasonForm(request.POST, auto_id="id_return_%s")
                if not form.is_valid():
                    return self.again(request, return_form=form)
                services.motion_return(motion=motion, by=by, reason=form.cleaned_data["reason"])
                done = _("The proposal is returned to its proposer.")
            elif self.step == "withdraw":
                form = ReasonForm(request.POST)
                if not form.is_valid():
                    return self.again(request, withdraw_form=form)
                services.motion_withdraw(motion=motion, by=by, reason=form.cleaned_data["reason"])
                done = _("The motion is withdrawn.")
            else:  # document
                form = DocumentForm(request.POST, request.FILES)
                if not form.is_valid():
                    return self.again(request, document_form=form)
                services.motion_document_add(motion=motion, by=by, upload=form.cleaned_data["file"],
                                             title=form.cleaned_data["title"])
                done = _("The document is added.")
        except ValidationError as exc:
            if form is not None:
                form_errors_to_form(form, exc)
                name = {"open": "open_form", "withdraw": "withdraw_form", "return": "return_form"}.get(
                    self.step, "document_form")
                return self.again(request, **{name: form})
            messages.error(request, " ".join(exc.messages))
            return redirect(motion.get_absolute_url())
        messages.success(request, done)
        return redirect(motion.get_absolute_url())

    def again(self, request, **forms):
        view = MotionDetailView()
        view.motion = Motion.objects.select_related("session", "proposer_institution", "group").get(pk=self.motion.pk)
        return render(request, MotionDetailView.template_name, view.context(request, **forms), status=400)


class VoteView(MotionMixin, View):
    """POST: vote (or change the vote) for one of the institutions one may vote for."""

    permission = "governance.vote"

    def post(self, request, pk):
        motion = self.motion
        mine = selectors.institutions_voting_by(request.user, motion.session)
        if request.POST.get("institution") not in {str(i.pk) for i in mine}:
            return refuse(request)  # an institution one does not vote for: as if it were not there
        form = VoteForm(request.POST, institutions=mine, auto_id=f"id_%s_{request.POST['institution']}")
        if not form.is_valid():
            view = MotionDetailView()
            view.motion = motion
            institution = request.POST.get("institution", "")
            return render(request, MotionDetailView.template_name, view.context(
                request, vote_form=form, vote_institution=row_id(institution)),
                status=400)
        institution = Institution.objects.get(pk=form.cleaned_data["institution"])
        try:
            cast = services.vote_cast(motion=motion, institution=institution, by=request.user,
                                      choice=form.cleaned_data["choice"])
        except PermissionDenied:
            return refuse(request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(motion.get_absolute_url())
        if cast.changed:
            messages.success(request, _("The vote of %(institution)s is recorded: %(choice)s. A receipt is on its "
                                        "way.") % {"institution": institution.name,
                                                   "choice": cast.vote.get_choice_display()})
        else:
            messages.info(request, _("%(institution)s had already voted so; nothing changed.")
                          % {"institution": institution.name})
        return redirect(motion.get_absolute_url())


# ---------------------------------------------------------------------------------------------
# Messages of the secretariat and of a group's coordinators
# ---------------------------------------------------------------------------------------------


def _message_form(user, *args, **kwargs) -> MessageForm:
    secretariat = is_secretariat(user)
    groups = WorkingGroup.objects.themes().active() if secretariat else WorkingGroup.objects.filter(
        pk__in=coordinated_group_ids(user))
    return MessageForm(*args, groups=list(groups), secretariat=secretariat, **kwargs)


def _message_data(form) -> dict:
    return {name: form.cleaned_data.get(name) for name in services.MESSAGE_FIELDS}


class MessageListView(View):
    """/messages/: the messages one may write and send (drafts and sent ones)."""

    def get(self, request):
        if not request.user.has_perm("governance.write_messages"):
            return refuse(request)
        return render(request, "governance/message_list.html", {
            "messages_list": list(selectors.messages_for(request.user)[:100]),
        })


class MessageCreateView(View):
    template_name = "governance/message_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("governance.write_messages"):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        group = WorkingGroup.objects.filter(slug=request.GET.get("group", "")).first()
        form = _message_form(request.user, initial={"group": group.pk if group else None})
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = _message_form(request.user, request.POST)
        if form.is_valid():
            try:
                message = services.message_save(by=request.user, data=_message_data(form))
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            except PermissionDenied:
                form.add_error("group", _("You may not write to these people."))
            else:
                return redirect(message.get_absolute_url())
        return render(request, self.template_name, {"form": form}, status=400)


class MessageMixin:
    def dispatch(self, request, *args, **kwargs):
        self.message = get_object_or_404(Message.objects.select_related("group", "created_by", "sent_by"),
                                         pk=kwargs["pk"])
        if not request.user.has_perm("governance.manage_message", self.message):
            return refuse(request)
        return super().dispatch(request, *args, **kwargs)


class MessageDetailView(MessageMixin, View):
    """/messages/<id>/: the preview in both languages, the number of recipients, and the send button."""

    def get(self, request, pk):
        message = self.message
        return render(request, "governance/message_detail.html", {
            "message": message,
            "recipient_count": message.recipients if message.is_sent else selectors.message_recipients(
                message).count(),
            "html_ja": render_markdown(message.body_ja), "html_en": render_markdown(message.body_en),
        })


class MessageEditView(MessageMixin, View):
    template_name = "governance/message_form.html"

    def get(self, request, pk):
        if self.message.is_sent:
            return redirect(self.message.get_absolute_url())
        return render(request, self.template_name, {"form": _message_form(request.user, instance=self.message),
                                                    "message": self.message})

    def post(self, request, pk):
        form = _message_form(request.user, request.POST, instance=Message.objects.get(pk=self.message.pk))
        if form.is_valid():
            try:
                services.message_save(by=request.user, data=_message_data(form), message=self.message)
            except ValidationError as exc:
                form_errors_to_form(form, exc)
            except PermissionDenied:
                form.add_error("group", _("You may not write to these people."))
            else:
                return redirect(self.message.get_absolute_url())
        return render(request, self.template_name, {"form": form, "message": self.message}, status=400)


class MessageSendView(MessageMixin, View):
    def post(self, request, pk):
        try:
            count = services.message_send(message=self.message, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, ngettext("The message is on its way to %(n)s person.",
                                               "The message is on its way to %(n)s people.", count) % {"n": count})
        return redirect(self.message.get_absolute_url())
