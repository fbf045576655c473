"""Forms of the general meeting's decisions. Times are entered in Japan time."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from meetings.forms import DATETIME, YEARS, DocumentForm, ReasonForm  # noqa: F401 - the same forms serve motions
from members.models import Institution
from members.widgets import MarkdownTextarea, PickerSelect, PickerSelectMultiple
from working_groups.models import WorkingGroup

from .models import Message, Motion, Vote

INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class MotionForm(forms.ModelForm):
    class Meta:
        model = Motion
        fields = ["kind", "title_ja", "title_en", "text_ja", "text_en", "proposer", "proposer_institution",
                  "group_slug", "group_name_ja", "group_name_en", "group"]
        widgets = {
            "text_ja": forms.Textarea(attrs={"rows": 6}),
            "text_en": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "group_slug": _("For a motion to create a working group: its address name (letters, digits, hyphens)."),
            "group": _("For a motion to abolish a working group: the group."),
            "proposer_institution": _("When a member institution proposes the motion."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposer_institution"].queryset = Institution.objects.active().order_by("name_kana")
        self.fields["group"].queryset = WorkingGroup.objects.themes().active().order_by("order", "slug")

    def clean(self):
        data = super().clean()
        if data.get("proposer") == Motion.Proposer.MEMBER and not data.get("proposer_institution"):
            self.add_error("proposer_institution", _("Name the institution that proposes the motion."))
        return data


class MotionProposalForm(forms.ModelForm):
    """A member institution's proposal: what the motion says; who proposes it is the institution."""

    institution = forms.TypedChoiceField(label=_("Proposing institution"), coerce=int)
    coordinators = forms.ModelMultipleChoiceField(
        label=_("Coordinating institutions of the proposed group"), required=False,
        queryset=Institution.objects.none(),
        widget=PickerSelectMultiple("members:pick-institutions", attrs={"size": 8}),
        help_text=_("For a motion to create a working group: each named institution confirms before the "
                    "secretariat puts the proposal on the agenda."))

    class Meta:
        model = Motion
        fields = ["kind", "title_ja", "title_en", "text_ja", "text_en", "group_slug", "group_name_ja",
                  "group_name_en", "group"]
        widgets = MotionForm.Meta.widgets
        help_texts = MotionForm.Meta.help_texts

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]
        if len(institutions) == 1:
            self.fields["institution"].initial = institutions[0].pk
        self.fields["group"].queryset = WorkingGroup.objects.themes().active().order_by("order", "slug")
        self.fields["coordinators"].queryset = Institution.objects.active().order_by("name_kana")

    def clean(self):
        data = super().clean()
        if data.get("kind") == Motion.Kind.GROUP_CREATE and not data.get("coordinators") \
                and "coordinators" not in self.errors:
            self.add_error("coordinators", _("Name at least one coordinating institution of the group."))
        return data


class CoordinationAnswerForm(forms.Form):
    """An institution named to coordinate a proposed group confirms, or declines with a reason."""

    proposed = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason (to decline)"), required=False, max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Required to decline; the proposer reads it."))


class OpenVotingForm(forms.Form):
    closes_at = forms.DateTimeField(
        label=_("Written votes until"), required=False, widget=DATETIME, input_formats=INPUT_FORMATS,
        help_text=_("Japan time (JST). Empty: voting stays open until the secretariat closes it at the meeting."),
    )

    def clean_closes_at(self):
        value = self.cleaned_data.get("closes_at")
        if value and not YEARS[0] <= value.year <= YEARS[1]:
            raise forms.ValidationError(_("Give a date between the years %(first)s and %(last)s.")
                                        % {"first": YEARS[0], "last": YEARS[1]})
        return value


class VoteForm(forms.Form):
    institution = forms.TypedChoiceField(label=_("Institution"), coerce=int, widget=forms.HiddenInput)
    choice = forms.ChoiceField(label=pgettext_lazy("ballot", "Vote"), choices=Vote.Choice.choices,
                               widget=forms.RadioSelect)

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]


class ProxyForm(forms.Form):
    institution = forms.TypedChoiceField(label=_("Institution"), coerce=int, widget=forms.HiddenInput)
    # the candidates are few and include the chair (whom the people endpoint does not list to a
    # representative): searched among the select's own options, no endpoint
    holder = forms.TypedChoiceField(label=pgettext_lazy("vote", "Proxy"), coerce=int, widget=PickerSelect())

    def __init__(self, *args, institutions=(), candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]
        self.fields["holder"].choices = [("", "---------")] + [
            (u.pk, f"{u.get_full_name() or u.email}") for u in candidates]


class MessageForm(forms.ModelForm):
    """A message in both languages; the recipients' choices are those the writer may write to."""

    class Meta:
        model = Message
        fields = ["audience", "group", "subject_ja", "body_ja", "subject_en", "body_en"]
        widgets = {
            "audience": forms.RadioSelect,
            "body_ja": MarkdownTextarea(attrs={"rows": 10, "lang": "ja"}),
            "body_en": MarkdownTextarea(attrs={"rows": 10, "lang": "en"}),
            "subject_ja": forms.TextInput(attrs={"lang": "ja"}),
            "subject_en": forms.TextInput(attrs={"lang": "en"}),
        }
        help_texts = {
            "body_ja": _("Markdown: headings, lists, links."),
            "body_en": _("Optional: people who read English receive the Japanese text without it."),
        }

    def __init__(self, *args, groups=(), secretariat=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = WorkingGroup.objects.filter(pk__in=[g.pk for g in groups]).order_by("order")
        self.fields["group"].required = False
        if not secretariat:
            self.fields["audience"].choices = [c for c in Message.Audience.choices if c[0] == Message.Audience.GROUP]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("audience") == Message.Audience.GROUP and not cleaned.get("group") \
                and "group" not in self.errors:
            self.add_error("group", _("Choose the working group."))
        return cleaned
