"""The message of an affiliation request is bounded (2,000 characters) whoever saves it: 5,000
characters became a wall on the contact's page and in the e-mail."""

import pytest
from django.core.exceptions import ValidationError

from members.models import Affiliation
from members.services.affiliations import affiliation_request
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_affiliation_request_with_a_message_over_2000_characters_is_refused_and_saves_nothing():
    with pytest.raises(ValidationError) as refused:
        affiliation_request(user=UserFactory(), institution=InstitutionFactory(), message="あ" * 5000)

    assert list(refused.value.message_dict) == ["message"]
    assert Affiliation.objects.count() == 0


def test_affiliation_request_with_a_message_of_2000_characters_is_saved():
    affiliation = affiliation_request(user=UserFactory(), institution=InstitutionFactory(), message="あ" * 2000)
    assert len(Affiliation.objects.get(pk=affiliation.pk).message) == 2000
