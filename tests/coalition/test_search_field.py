"""``{% search_field %}`` (members/templatetags/portal.py): every list's search box, built in Python
for the plain case, is exactly what Django's field templates render, and any other case is theirs."""

import pytest
from django import forms
from django.http import QueryDict
from django.utils import translation

from coalition.search import SearchForm
from meetings.dissemination.filters import NewsFilter
from members.filters import InstitutionFilter
from members.templatetags.portal import search_field
from working_groups.cooperation.filters import ExpertiseFilter, NeedFilter, PartnerFilter
from working_groups.cooperation.forms import PartnerSearchForm
from working_groups.filters import InitiativeFilter

pytestmark = pytest.mark.django_db

VALUES = ["", "太陽光", '<b>"x\'&amp;', "ｚｅｂ　２", "a" * 150]


def forms_with(value):
    data = QueryDict(mutable=True)
    if value:
        data["q"] = value
    for filterset in (InitiativeFilter, NeedFilter, PartnerFilter, ExpertiseFilter, InstitutionFilter, NewsFilter):
        yield filterset(data).form
    yield SearchForm(data)
    yield PartnerSearchForm(data)


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("value", VALUES)
def test_the_search_box_is_what_djangos_templates_render(language, value):
    with translation.override(language):
        for form in forms_with(value):
            form.is_valid()  # a value too long is an error: the templates render it, with the message
            field = form["q"]
            assert str(search_field(field)) == str(field.as_field_group()), type(form)


def test_a_field_the_fast_path_does_not_know_goes_through_the_templates():
    class Required(forms.Form):
        q = forms.CharField(label="Word", help_text="Any word", widget=forms.TextInput(attrs={"placeholder": "x"}))

    form = Required({"q": ""})
    form.is_valid()
    rendered = str(search_field(form["q"]))
    assert rendered == str(form["q"].as_field_group())
    assert 'aria-describedby="id_q_helptext' in rendered and "field-error" in rendered
