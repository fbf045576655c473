"""Demo data of single sign-on, used by ``manage.py seed_demo``: an identity provider for Shinshu
University's demo addresses (``@shinshu.example``), so "sign in with your university" finds one.

Everything about it is invented: the IdP's addresses are under ``.example`` (a reserved name that
never resolves), and its metadata is pasted here, so seeding fetches nothing. Its certificate was
made for this demo and its private key thrown away: nobody can sign an answer as this provider, so
the demo can show the way to the university's sign-in page but no one can come back through it.
Idempotent: keyed by slug and domain.
"""

from members.models import Institution

from .models import IdentityProvider, IdentityProviderDomain

SLUG = "shinshu-demo"
INSTITUTION = "shinshu"
DOMAIN = "shinshu.example"
ENTITY_ID = "https://idp.shinshu.example/idp/shibboleth"
SSO_URL = "https://idp.shinshu.example/idp/profile/SAML2/Redirect/SSO"
CERTIFICATE = (
    "MIIDHTCCAgWgAwIBAgIUEXb/oGr2V7PmDui9M/QMgKUHOxEwDQYJKoZIhvcNAQELBQAwHjEcMBoGA1UEAwwTaWRwLnNoaW5z"
    "aHUuZXhhbXBsZTAeFw0yNjEyMDYxMjQ2MzJaFw0zNjEyMDMxMjQ2MzJaMB4xHDAaBgNVBAMME2lkcC5zaGluc2h1LmV4YW1w"
    "bGUwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCnjU7EcCOLmMJ/O+yrara0vj9XRte08axlq9T4AlPgtoiqN5fB"
    "jMdGQrFLN4pnzaySUsbZZAvJXyu6lgrxywOrb7xT/sVDisJ7lYxEgUndqEFMvMSw+2ddajAXv1mX75LBgtAxgffVewFMRZr/"
    "fZ426QQXD1cIq4dh7jzNUBoGRPbMtN8CcDuc4spg/Zu2YWqx56KucU5TwkTmAfzEsPIVdxQITTmSQFNF5gAzhj5qir6PqFc4"
    "izsrfT7WTyKqzginGo28VVUYVCzk5yONL4D/vOEE2piiSvQybiA1AAehHnN/2HML3+PsHFbQAN5nY73/JHkOTuyjDYHZTVJZ"
    "UX0XAgMBAAGjUzBRMB0GA1UdDgQWBBSjVCE/E5O/NFNfNPzucSZwNG0QETAfBgNVHSMEGDAWgBSjVCE/E5O/NFNfNPzucSZw"
    "NG0QETAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQCZ3y01Y3RE6ThrZoXgwJmov2upHWaD3MeOZ56J/ERQ"
    "EiWlfE0cl622zlNmjJVL5e09IgY3myo1YZtS5EoSdu3sQh9veaByryBc/hmFFPwgpVZm64LTYi74TUOa2709AP7Lh82YlDZL"
    "gzg9kNAXmuJkSwi7ObTtkMGhlahxCfZZ1I4UdByHimA3R1WiA60V/Bd5Ok6PpszrDjLq3e1kNP0g7vJUL6Fm6NUK2tHBRfbL"
    "LempH9XVR1Kk+EjrTsiWLqaNDZnjduNYYc4wBlm2KOEXZJbZc6i/ahUcRMy2rUiQsS/46+T/rQLIH+/5sbjHhDh7W8gYKWef"
    "NS6nnKQVabfQ"
)
METADATA = f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"
    entityID="{ENTITY_ID}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{CERTIFICATE}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{SSO_URL}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""


def seed() -> int:
    """The demo provider and its domain (after members.demo.seed()); returns how many providers
    the demo has (0 when the demo institution is missing)."""
    institution = Institution.objects.filter(slug=INSTITUTION).first()
    if institution is None:
        return 0
    provider, created = IdentityProvider.objects.get_or_create(
        slug=SLUG, defaults={"institution": institution, "entity_id": ENTITY_ID, "metadata_xml": METADATA})
    if created:
        provider.full_clean()  # the pasted metadata parses, as the admin checks it
    IdentityProviderDomain.objects.get_or_create(domain=DOMAIN, defaults={"provider": provider})
    return IdentityProvider.objects.filter(slug=SLUG).count()
