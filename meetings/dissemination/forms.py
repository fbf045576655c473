"""Forms of the dissemination app: one news form with both languages side by side, the
newsletter's subscription and its issues."""

from django import forms
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from members.forms import HoneypotMixin
from members.widgets import MarkdownTextarea
from working_groups.models import WorkingGroup

from .models import NewsItem, NewsletterIssue


class NewsItemForm(forms.ModelForm):
    """Both languages of one item in one form; the services check that one of them is complete."""

    class Meta:
        model = NewsItem
        fields = ["kind", "language", "group", "title_ja", "summary_ja", "body_ja", "title_en", "summary_en",
                  "body_en", "adopted_by", "adopted_on", "meeting"]
        widgets = {
            "summary_ja": forms.Textarea(attrs={"rows": 2}),
            "summary_en": forms.Textarea(attrs={"rows": 2}),
            "body_ja": MarkdownTextarea(attrs={"rows": 12, "lang": "ja"}),
            "body_en": MarkdownTextarea(attrs={"rows": 12, "lang": "en"}),
            "title_ja": forms.TextInput(attrs={"lang": "ja"}),
            "title_en": forms.TextInput(attrs={"lang": "en"}),
            "adopted_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, groups=None, **kwargs):
        """``groups``: the groups the writer may write for (None: any, the secretariat's form)."""
        super().__init__(*args, **kwargs)
        all_groups = WorkingGroup.objects.order_by("order", "slug")
        if groups is None:
            self.fields["group"].queryset = all_groups.themes()
            self.fields["adopted_by"].queryset = all_groups
        else:
            ids = [g.pk for g in groups]
            self.fields["group"].queryset = all_groups.filter(pk__in=ids)
            self.fields["group"].required = True
            self.fields["group"].empty_label = None
            self.fields["adopted_by"].queryset = all_groups.filter(pk__in=ids)
        self.fields["meeting"].queryset = Meeting.objects.exclude(status=Meeting.Status.CANCELLED).order_by(
            "-starts_at")
        if groups is not None:
            self.fields["meeting"].queryset = self.fields["meeting"].queryset.filter(group__in=ids)

    def clean(self):
        data = super().clean()
        if not (data.get("title_ja") or data.get("title_en")) and "title_ja" not in self.errors:
            self.add_error("title_ja", _("Give a title in at least one language."))
        if data.get("kind") != NewsItem.Kind.STATEMENT:
            # only statements are adopted: what the form kept of an earlier choice is dropped
            data["adopted_by"], data["adopted_on"] = None, None
        return data


class SubscribeForm(HoneypotMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    language = forms.ChoiceField(label=_("Language of the newsletter"),
                                 choices=[("ja", "日本語"), ("en", "English")], widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_honeypot()


class UnsubscribeForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)


class IssueForm(forms.ModelForm):
    class Meta:
        model = NewsletterIssue
        fields = ["subject_ja", "body_ja", "subject_en", "body_en"]
        widgets = {
            "body_ja": MarkdownTextarea(attrs={"rows": 14, "lang": "ja"}),
            "body_en": MarkdownTextarea(attrs={"rows": 14, "lang": "en"}),
            "subject_ja": forms.TextInput(attrs={"lang": "ja"}),
            "subject_en": forms.TextInput(attrs={"lang": "en"}),
        }
