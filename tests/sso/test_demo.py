"""The demo's identity provider (members/sso/demo.py): "sign in with your university" finds it for
a demo address and sends the browser to its (invented) sign-in page, without fetching anything."""

import pytest

import members.demo
import members.sso.demo
from members.sso.models import IdentityProvider, IdentityProviderDomain
from tests.sso.idp import AuthnRequest

pytestmark = pytest.mark.django_db


def test_demo_provider_is_found_for_a_demo_address_and_seeding_twice_changes_nothing(client):
    members.demo.seed()
    assert members.sso.demo.seed() == 1
    assert members.sso.demo.seed() == 1
    assert list(IdentityProvider.objects.values_list("slug", "institution__slug", "enabled")) == [
        ("shinshu-demo", "shinshu", True)]
    assert list(IdentityProviderDomain.objects.values_list("domain", flat=True)) == ["shinshu.example"]
    response = client.post("/ja/accounts/university/", {"email": "kobayashi@shinshu.example"})
    assert response.status_code == 302
    assert response["Location"].startswith(members.sso.demo.SSO_URL + "?SAMLRequest=")
    request = AuthnRequest(response["Location"])
    assert request.acs_url.endswith("/accounts/saml/shinshu-demo/acs/")


def test_demo_provider_waits_for_its_institution():
    assert members.sso.demo.seed() == 0
    assert not IdentityProvider.objects.exists()
