"""Forms of the meetings app. Dates and times are entered and shown in Japan time."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from members.forms import HoneypotMixin
from members.widgets import MarkdownTextarea
from working_groups.forms import DocumentForm, DocumentRemoveForm, ReasonForm  # noqa: F401 - the same forms serve meetings
from working_groups.models import WorkingGroup

from .models import MAX_LENGTH, AgendaItem, Meeting, Registration

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
# The years a meeting's dates may fall in. Beyond them a date is a typing error, and at the ends of
# the calendar (0001-01-01 in Japan time is still year 0 in UTC) it cannot even be stored.
YEARS = (2000, 2100)


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["kind", "group", "title_ja", "title_en", "description_ja", "description_en", "starts_at",
                  "ends_at", "format", "venue", "venue_en", "online_url", "capacity", "registration_deadline",
                  "visibility", "open_to_public"]
        widgets = {
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "registration_deadline": DATETIME,
            "description_ja": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
            "format": forms.RadioSelect,
            "visibility": forms.RadioSelect,
        }
        help_texts = {
            "starts_at": _("Japan time (JST)"), "ends_at": _("Japan time (JST)"),
            "open_to_public": _("Visitors without an account may register (name, e-mail address, affiliation). "
                                "Only for a meeting everyone can see. Closing it to visitors cancels their "
                                "registrations; each visitor holding a place is told by e-mail."),
        }

    def __init__(self, *args, groups=(), kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at", "registration_deadline"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        self.fields["group"].queryset = WorkingGroup.objects.filter(pk__in=[g.pk for g in groups])
        self.fields["group"].required = False
        self.fields["kind"].choices = [c for c in Meeting.Kind.choices if c[0] in kinds]
        if len(kinds) == 1:
            self.fields["kind"].widget = forms.HiddenInput()
        if len(groups) == 1 and not self.instance.pk:
            self.fields["group"].initial = groups[0].pk
        # A meeting holds at least one person: say so at once, not "at least 0" first.
        capacity = self.fields["capacity"]
        capacity.min_value = 1
        capacity.validators = [v for v in capacity.validators if not isinstance(v, MinValueValidator)]
        capacity.validators.append(MinValueValidator(1))
        capacity.widget.attrs["min"] = "1"

    def _clean_moment(self, name):
        value = self.cleaned_data.get(name)
        if value and not YEARS[0] <= value.year <= YEARS[1]:
            raise ValidationError(_("Give a date between the years %(first)s and %(last)s.")
                                  % {"first": YEARS[0], "last": YEARS[1]})
        return value

    def clean_starts_at(self):
        return self._clean_moment("starts_at")

    def clean_ends_at(self):
        return self._clean_moment("ends_at")

    def clean_registration_deadline(self):
        return self._clean_moment("registration_deadline")

    def clean(self):
        cleaned = super().clean()
        kind, group = cleaned.get("kind"), cleaned.get("group")
        if kind == Meeting.Kind.GROUP and group is None and "group" not in self.errors:
            self.add_error("group", _("Choose the working group."))
        if kind == Meeting.Kind.GENERAL:
            cleaned["group"] = WorkingGroup.objects.filter(tier=WorkingGroup.Tier.GENERAL).first()
            self.instance.group = cleaned["group"]
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        elif starts and ends and ends - starts > MAX_LENGTH:
            self.add_error("ends_at", _("A meeting lasts at most %(days)d days.") % {"days": MAX_LENGTH.days})
        deadline = cleaned.get("registration_deadline")
        if deadline and starts and deadline > starts:
            self.add_error("registration_deadline", _("Registration must close before the meeting starts."))
        fmt = cleaned.get("format")
        if fmt in (Meeting.Format.IN_PERSON, Meeting.Format.HYBRID) and not (cleaned.get("venue")
                                                                            or cleaned.get("venue_en")):
            self.add_error("venue", _("Give the venue of a meeting held in person."))
        if cleaned.get("visibility") == Meeting.Visibility.GROUP and not (group and not group.is_general_meeting):
            self.add_error("visibility", _("Only a working group's meeting can be for its members only."))
        if cleaned.get("open_to_public") and cleaned.get("visibility") not in (None, Meeting.Visibility.PUBLIC):
            self.add_error("open_to_public", _("Only a public meeting can be open to visitors' registration."))
        return cleaned


AgendaFormSet = forms.inlineformset_factory(
    Meeting,
    AgendaItem,
    fields=["time", "item_ja", "item_en", "speaker", "speaker_en"],
    extra=3,
    can_delete=True,
    widgets={"time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")},
)


class RegistrationForm(forms.Form):
    mode = forms.ChoiceField(label=_("How will you attend?"), choices=Registration.Mode.choices,
                             widget=forms.RadioSelect)

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        modes = {Registration.Mode.IN_PERSON: meeting.has_room, Registration.Mode.ONLINE: meeting.has_online}
        self.fields["mode"].choices = [c for c in Registration.Mode.choices if modes[c[0]]]
        if len(self.fields["mode"].choices) == 1 and not self.initial.get("mode"):
            # The only way to attend is chosen already (the view's initial may say None for it).
            self.initial["mode"] = self.fields["mode"].choices[0][0]


class VisitorRegistrationForm(HoneypotMixin, forms.Form):
    """A visitor's registration for a meeting open to the public (no account)."""

    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             help_text=_("We send a link to this address to confirm your registration."))
    affiliation = forms.CharField(label=_("Affiliation"), max_length=200, required=False,
                                  help_text=_("University, company, municipality or other organisation."))
    mode = forms.ChoiceField(label=_("How will you attend?"), choices=Registration.Mode.choices,
                             widget=forms.RadioSelect)
    language = forms.ChoiceField(label=_("Language of the e-mails"), choices=[("ja", "日本語"), ("en", "English")],
                                 widget=forms.RadioSelect)

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        modes = {Registration.Mode.IN_PERSON: meeting.has_room, Registration.Mode.ONLINE: meeting.has_online}
        self.fields["mode"].choices = [c for c in Registration.Mode.choices if modes[c[0]]]
        if len(self.fields["mode"].choices) == 1 and not self.initial.get("mode"):
            # The only way to attend is chosen already (the view's initial may say None for it).
            self.initial["mode"] = self.fields["mode"].choices[0][0]
        self.add_honeypot()
        # what the privacy note under the form says (meetings.services.visitors_erase keeps to it)
        self.retention_days = settings.VISITOR_DATA_DAYS

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Give your name."))
        return name


class MinutesForm(forms.Form):
    """The minutes in both languages side by side; a page shows the visitor's and falls back to the
    other with a note."""

    minutes = forms.CharField(
        label=_("Minutes (Japanese)"), required=False, widget=MarkdownTextarea(attrs={"rows": 16}),
        help_text=_(
            "Markdown. A draft is seen only by those who run the meeting; publishing shows the minutes to "
            "everyone who can see it. Every version is kept."
        ),
    )
    minutes_en = forms.CharField(
        label=_("Minutes (English)"), required=False, widget=MarkdownTextarea(attrs={"rows": 16}),
        help_text=_("Markdown. Shown on English pages; without it they show the Japanese with a note."),
    )
    @property
    def publish(self) -> bool:
        """Which button was pressed (``action``): "publish", or anything else (pressing Enter, an old
        form, a value no button sends) saves a draft. Not a field: a value it would refuse (a NUL) has
        no place on the page to say so."""
        return self.data.get("action") == "publish"

    @staticmethod
    def _bounded(text):
        if len(text) > 100_000:
            raise ValidationError(_("The minutes are too long."))
        return text

    def clean_minutes(self):
        return self._bounded(self.cleaned_data["minutes"])

    def clean_minutes_en(self):
        return self._bounded(self.cleaned_data["minutes_en"])
