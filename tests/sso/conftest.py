import pytest

from members.sso.models import IdentityProvider, IdentityProviderDomain
from tests.factories import InstitutionFactory
from tests.sso.idp import AuthnRequest, TestIdP


@pytest.fixture(scope="session")
def idp():
    return TestIdP()


HOST = "portal.example"


@pytest.fixture(autouse=True)
def _portal_host(settings):
    """The portal on a dotted host name: python3-saml refuses single-label ones such as "testserver"."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    settings.SITE_URL = f"http://{HOST}"


@pytest.fixture
def client(client):
    """Host sent as browsers do (allauth's SAML code reads it; Django's test client leaves it out)."""
    client.defaults["HTTP_HOST"] = HOST
    return client


@pytest.fixture
def university(db):
    return InstitutionFactory(name_ja="東京テスト大学", name_en="Tokyo Test University", slug="tokyo-test")


@pytest.fixture
def provider(university, idp):
    row = IdentityProvider.objects.create(
        institution=university, slug="utokyo", entity_id=idp.entity_id, metadata_xml=idp.metadata(),
    )
    IdentityProviderDomain.objects.create(provider=row, domain="u-tokyo.example")
    return row


def start(client, email="hanako@u-tokyo.example", language="en", **extra) -> AuthnRequest:
    """Type the address on "sign in with your university"; the portal sends the browser to the IdP."""
    response = client.post(f"/{language}/accounts/university/", {"email": email, **extra})
    assert response.status_code == 302, response.content.decode()[:2000]
    return AuthnRequest(response["Location"])


def finish(client, saml_response: str, acs_url: str = "/accounts/saml/utokyo/acs/"):
    """Post the IdP's answer to the assertion consumer, then follow the portal's redirects."""
    posted = client.post(acs_url, {"SAMLResponse": saml_response})
    assert posted.status_code == 302
    return client.get(posted["Location"], follow=True)


@pytest.fixture
def client_factory():
    from django.test import Client

    def make():
        return Client(HTTP_HOST=HOST)

    return make
