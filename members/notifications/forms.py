from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Delivery


class NotificationSettingsForm(forms.Form):
    """One choice per kind the person may choose (``registry.kinds_for``): immediately, in the
    weekly digest, or never. A kind that is not offered to them is not a field, so a value posted
    for it changes nothing; a value that is not a choice is refused and nothing is saved."""

    def __init__(self, *args, current: dict[str, str], kinds: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        for kind in kinds:
            choices = [c for c in Delivery.choices if kind.digestible or c[0] != Delivery.DIGEST]
            message = _("Choose how you want “%(kind)s”: %(choices)s.") % {
                "kind": kind.label, "choices": " / ".join(str(label) for _value, label in choices)}
            self.fields[kind.key] = forms.ChoiceField(
                label=kind.label,
                help_text=kind.description,
                choices=choices,
                initial=current.get(kind.key, kind.default),
                widget=forms.RadioSelect,
                error_messages={"required": message, "invalid_choice": message},
            )

    def rows(self) -> list[dict]:
        """The table's rows: per kind its field and a cell per delivery (None where the kind cannot
        go to the digest), each with its radio button."""
        out = []
        for kind in self.kinds:
            field = self[kind.key]
            radios = {radio.data["value"]: radio for radio in field}
            out.append({"kind": kind, "field": field,
                        "cells": [radios.get(value) for value, _label in Delivery.choices]})
        return out

    def changed_choices(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key in self.changed_data}
