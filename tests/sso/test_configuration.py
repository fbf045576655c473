"""The secretariat configures identity providers; the portal publishes its SP metadata."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from lxml import etree

from members.sso.models import IdentityProvider
from tests.factories import UserFactory, secretariat_user
from tests.sso.idp import TestIdP

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"


def test_sp_metadata_is_published_at_a_stable_address(client, provider):
    response = client.get("/accounts/saml/utokyo/metadata/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    root = etree.fromstring(response.content)
    assert root.get("entityID") == "http://portal.example/accounts/saml/utokyo/metadata/"
    acs = root.find(f"{MD}SPSSODescriptor/{MD}AssertionConsumerService")
    assert acs.get("Location") == "http://portal.example/accounts/saml/utokyo/acs/"
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


def test_sp_metadata_of_an_unknown_provider_is_404(client, provider):
    assert client.get("/accounts/saml/nobody/metadata/").status_code == 404


def test_provider_needs_exactly_one_kind_of_metadata(university, idp):
    row = IdentityProvider(institution=university, slug="x", entity_id=idp.entity_id)
    with pytest.raises(ValidationError) as neither:
        row.full_clean()
    assert neither.value.messages == ["Give the metadata URL or paste the metadata: one of the two."]
    row.metadata_url, row.metadata_xml = "https://fed.example/metadata.xml", idp.metadata()
    with pytest.raises(ValidationError) as both:
        row.full_clean()
    assert both.value.messages == ["Give the metadata URL or paste the metadata: one of the two."]


def test_provider_metadata_must_describe_its_entity(university, idp):
    row = IdentityProvider(institution=university, slug="x", entity_id="https://other.example/idp",
                           metadata_xml=idp.metadata())
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert "The metadata has no identity provider https://other.example/idp" in error.value.messages[0]
    row.metadata_xml = "<not metadata"
    with pytest.raises(ValidationError) as broken:
        row.full_clean()
    assert broken.value.messages[0].startswith("The metadata could not be read")


def test_secretariat_adds_a_provider_in_the_admin(client, university):
    client.force_login(secretariat_user())
    idp = TestIdP("idp.kyoto.example")
    response = client.post("/en/admin/sso/identityprovider/add/", {
        "institution": university.pk, "slug": "kyoto", "enabled": "on", "entity_id": idp.entity_id,
        "metadata_url": "", "metadata_xml": idp.metadata(),
        "attr_uid": "urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "attr_mail": "urn:oid:0.9.2342.19200300.100.1.3",
        "attr_display_name": "urn:oid:2.16.840.1.113730.3.1.241",
        "attr_ja_display_name": "urn:oid:1.3.6.1.4.1.32264.1.1.3", "attr_organization": "urn:oid:2.5.4.10",
        "domains-TOTAL_FORMS": "1", "domains-INITIAL_FORMS": "0", "domains-MIN_NUM_FORMS": "0",
        "domains-MAX_NUM_FORMS": "1000", "domains-0-domain": "kyoto.example",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    row = IdentityProvider.objects.get(slug="kyoto")
    assert [d.domain for d in row.domains.all()] == ["kyoto.example"]


def test_only_the_secretariat_opens_the_providers_admin(client, provider):
    client.force_login(UserFactory())
    assert client.get("/en/admin/sso/identityprovider/").status_code == 404
    client.force_login(secretariat_user())
    page = client.get("/en/admin/sso/identityprovider/")
    assert page.status_code == 200
    assert "utokyo" in page.content.decode()


@pytest.mark.parametrize(("method", "path"), [
    ("post", "/accounts/saml/utokyo/acs/"),
    ("get", "/accounts/saml/utokyo/login/"),
    ("get", "/accounts/saml/utokyo/sls/"),
    ("post", "/en/accounts/university/"),
])
def test_saml_request_without_host_header_is_a_400_that_says_why(provider, method, path):
    from django.test import Client

    client = Client()  # Django's test client sends no Host header, as an HTTP/1.0 probe
    response = getattr(client, method)(path, {"SAMLResponse": "x", "email": "hanako@u-tokyo.example"})
    assert response.status_code == 400
    assert "Host" in response.content.decode()
    assert Client().get("/en/accounts/university/").status_code == 200  # the page itself does not need one


def test_provider_metadata_url_must_be_https(university, idp):
    row = IdentityProvider(institution=university, slug="x", entity_id=idp.entity_id,
                           metadata_url="http://fed.example/metadata.xml")
    with translation.override("en"), pytest.raises(ValidationError) as plain:
        row.full_clean()
    assert plain.value.message_dict == {"metadata_url": [
        "Give the metadata URL with https://: the keys it names decide whose sign-ins are trusted."]}
    row.metadata_url = "HTTPS://fed.example/metadata.xml"
    row.full_clean()  # the scheme in any case
