"""Form widgets for writing: a Markdown textarea with a toolbar and a preview, and a searchable
picker over a (multiple) select.

Both are progressive enhancement. Without JavaScript the page shows the plain textarea and the
plain select, and the form posts exactly what it would post with it: the toolbar, the preview tab
and the combobox are rendered ``hidden`` and static/js/writing.js reveals and drives them.
"""

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.urls import reverse_lazy

# What the preview endpoint renders at most (characters); longer text answers 413. The longest
# Markdown field (minutes) stays well under it; a preview is for reading, not for bulk conversion.
PREVIEW_MAX_CHARS = 100_000


class MarkdownTextarea(forms.Textarea):
    """A textarea for Markdown. ``preview=False`` where the writer may be a visitor (the public need
    form): the preview endpoint is for signed-in people only, so there is only the toolbar."""

    template_name = "widgets/markdown.html"

    def __init__(self, attrs=None, preview=True):
        super().__init__(attrs)
        self.preview = preview

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["preview_url"] = str(reverse_lazy("members:markdown-preview")) if self.preview else ""
        return context


# A picker that searches an endpoint lists its choices in the page only while they are this few (the
# coalition's ~200 institutions: the select works without JavaScript too). Past it (800, 15,000) the
# page lists only the chosen ones: 15,000 options were a 1 MB page that took a second to render, and a
# select nobody can use without the search. The combobox adds what the endpoint finds; without
# JavaScript the widget says that the list needs it (widgets/picker.html).
INLINE_CHOICES = 300


class _SearchedChoices:
    """For a picker with a ``source``: the choices of a model field, bounded (INLINE_CHOICES)."""

    partial = False

    def optgroups(self, name, value, attrs=None):
        choices = self.choices
        if not (self.source and isinstance(choices, ModelChoiceIterator)):
            return super().optgroups(name, value, attrs)
        field = choices.field
        rows = list(choices.queryset[: INLINE_CHOICES + 1])
        self.partial = len(rows) > INLINE_CHOICES
        if self.partial:
            key = field.to_field_name or "pk"
            keys = [v for v in value if v]
            if key == "pk":  # a posted value that is no id is left out; the field says it is invalid
                keys = [v for v in keys if v.isascii() and v.isdigit()]
            try:
                rows = list(choices.queryset.filter(**{f"{key}__in": keys}))
            except (ValueError, TypeError, ValidationError):
                rows = []
        empty = [("", field.empty_label)] if field.empty_label is not None else []
        self.choices = empty + [choices.choice(row) for row in rows]
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = choices

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["partial"] = self.partial
        return context


class PickerSelect(_SearchedChoices, forms.Select):
    """A select of one entry (a person) that writing.js turns into the same combobox as
    PickerSelectMultiple: choosing replaces the chosen entry. ``source``: a URL name of a picker
    endpoint, ``params``: its fixed query (e.g. ``{"institution": 3}``); None: the select's own
    options are searched in the page. Without JavaScript it is the plain select."""

    template_name = "widgets/picker.html"

    def __init__(self, source: str | None = None, params: dict | None = None, attrs=None, choices=()):
        super().__init__(attrs, choices)
        self.source, self.params = source, params or {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        source = str(reverse_lazy(self.source)) if self.source else ""
        context["widget"]["source"] = f"{source}?{urlencode(self.params)}" if source and self.params else source
        return context


class PickerSelectMultiple(_SearchedChoices, forms.SelectMultiple):
    """A multiple select that writing.js turns into a WAI-ARIA combobox: type part of a name, choose
    from what ``source`` (a URL name of a picker endpoint) answers; chosen entries show as removable
    chips. The select stays in the form (hidden) and carries the value, so the form code is unchanged."""

    template_name = "widgets/picker.html"

    def __init__(self, source: str | None = None, attrs=None, choices=()):
        """``source=None``: a short fixed list (the prefectures) searched in the page, among the
        select's own options; no endpoint."""
        super().__init__(attrs, choices)
        self.source = source

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["source"] = str(reverse_lazy(self.source)) if self.source else ""
        return context
