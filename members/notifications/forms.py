from django import forms

from . import registry
from .models import Delivery


class NotificationSettingsForm(forms.Form):
    """One choice per kind a person may choose: immediately, in the weekly digest, or never."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in registry.choosable_kinds():
            choices = [c for c in Delivery.choices if kind.digestible or c[0] != Delivery.DIGEST]
            self.fields[kind.key] = forms.ChoiceField(
                label=kind.label,
                help_text=kind.description,
                choices=choices,
                initial=current.get(kind.key, kind.default),
                widget=forms.RadioSelect,
            )

    def changed_choices(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key in self.changed_data}
