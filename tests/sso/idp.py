"""A SAML 2.0 identity provider inside the test process.

It holds an RSA key pair made for the test (cryptography), publishes its metadata, reads the
portal's AuthnRequest from the redirect and answers with a Response whose assertion python3-saml
signs (``OneLogin_Saml2_Utils.add_sign``, XML-DSig with xmlsec). Nothing of the portal's parser
is replaced: the portal checks these responses as it would a university's.
"""

import base64
import datetime
import uuid
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from members.sso.models import DISPLAY_NAME, EPPN, JA_DISPLAY_NAME, MAIL, ORGANIZATION_NAME, REFEDS_MFA

PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
MFA_CONTEXT = REFEDS_MFA


def key_pair(common_name: str) -> tuple[str, str]:
    """(private key PEM, self-signed certificate PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def _instant(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AuthnRequest:
    def __init__(self, redirect_url: str):
        query = parse_qs(urlsplit(redirect_url).query)
        xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(query["SAMLRequest"][0])
        root = etree.fromstring(xml)
        self.id = root.get("ID")
        self.acs_url = root.get("AssertionConsumerServiceURL")
        self.issuer = root.findtext("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer")
        self.relay_state = query.get("RelayState", [""])[0]


class TestIdP:
    __test__ = False  # a helper, not a test class

    def __init__(self, host: str = "idp.u-tokyo.example", sso_url: str = ""):
        self.entity_id = f"https://{host}/idp/shibboleth"
        self.sso_url = sso_url or f"https://{host}/idp/profile/SAML2/Redirect/SSO"
        self.key, self.cert = key_pair(host)

    def metadata(self) -> str:
        cert = "".join(line for line in self.cert.splitlines() if "CERTIFICATE" not in line)
        return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"
    entityID={quoteattr(self.entity_id)}>
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location={quoteattr(self.sso_url)}/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""

    def response(
        self, request: AuthnRequest | None, *, eppn: str, mail: str = "", display_name: str = "",
        ja_display_name: str = "", organization: str = "", authn_context: str = PASSWORD_CONTEXT,
        audience: str | None = None, lifetime: datetime.timedelta = datetime.timedelta(minutes=5),
        issued: datetime.datetime | None = None, sign: str = "assertion", signing_key: tuple[str, str] | None = None,
        acs_url: str = "", in_response_to: str | None = None, extra_attributes: dict | None = None,
    ) -> str:
        """A base64 SAMLResponse. ``sign``: "assertion" (as Shibboleth does), "response", "both"
        or "none"; ``signing_key`` another (key, cert) pair to sign with the wrong key."""
        issued = issued or datetime.datetime.now(datetime.UTC)
        until = issued + lifetime
        acs = acs_url or request.acs_url
        audience = audience if audience is not None else request.issuer
        reply_to = in_response_to if in_response_to is not None else (request.id if request else "")
        irt = f" InResponseTo={quoteattr(reply_to)}" if reply_to else ""
        values = {EPPN: eppn, MAIL: mail, DISPLAY_NAME: display_name, JA_DISPLAY_NAME: ja_display_name,
                  ORGANIZATION_NAME: organization, **(extra_attributes or {})}
        attributes = "".join(
            f'<saml:Attribute Name={quoteattr(name)} NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">'
            f'<saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">{escape(value)}'
            f"</saml:AttributeValue></saml:Attribute>"
            for name, value in values.items() if value
        )
        assertion_id = "_" + uuid.uuid4().hex
        saml = "urn:oasis:names:tc:SAML:2.0"
        assertion = (
            f'<saml:Assertion xmlns:saml="{saml}:assertion" ID="{assertion_id}" Version="2.0" '
            f'IssueInstant="{_instant(issued)}"><saml:Issuer>{escape(self.entity_id)}</saml:Issuer>'
            f'<saml:Subject><saml:NameID Format="{saml}:nameid-format:transient">_{uuid.uuid4().hex}</saml:NameID>'
            f'<saml:SubjectConfirmation Method="{saml}:cm:bearer"><saml:SubjectConfirmationData '
            f'NotOnOrAfter="{_instant(until)}" Recipient={quoteattr(acs)}{irt}/></saml:SubjectConfirmation>'
            f'</saml:Subject><saml:Conditions NotBefore="{_instant(issued - datetime.timedelta(seconds=30))}" '
            f'NotOnOrAfter="{_instant(until)}"><saml:AudienceRestriction><saml:Audience>{escape(audience)}'
            f'</saml:Audience></saml:AudienceRestriction></saml:Conditions>'
            f'<saml:AuthnStatement AuthnInstant="{_instant(issued)}" SessionIndex="_{uuid.uuid4().hex}">'
            f'<saml:AuthnContext><saml:AuthnContextClassRef>{escape(authn_context)}</saml:AuthnContextClassRef>'
            f'</saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attributes}'
            f'</saml:AttributeStatement></saml:Assertion>'
        )
        key, cert = signing_key or (self.key, self.cert)
        if sign in ("assertion", "both"):
            assertion = self._sign(assertion, key, cert)
        response = (
            f'<samlp:Response xmlns:samlp="{saml}:protocol" xmlns:saml="{saml}:assertion" '
            f'ID="_{uuid.uuid4().hex}" Version="2.0" IssueInstant="{_instant(issued)}" '
            f'Destination={quoteattr(acs)}{irt}><saml:Issuer>{escape(self.entity_id)}</saml:Issuer>'
            f'<samlp:Status><samlp:StatusCode Value="{saml}:status:Success"/></samlp:Status>'
            f'{assertion}</samlp:Response>'
        )
        if sign in ("response", "both"):
            response = self._sign(response, key, cert)
        return base64.b64encode(response.encode()).decode()

    @staticmethod
    def _sign(xml: str, key: str, cert: str) -> str:
        signed = OneLogin_Saml2_Utils.add_sign(xml, key, cert, sign_algorithm=C.RSA_SHA256, digest_algorithm=C.SHA256)
        text = signed.decode() if isinstance(signed, bytes) else signed
        return text.split("?>", 1)[1].strip() if text.startswith("<?xml") else text
