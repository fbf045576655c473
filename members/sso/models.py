"""Identity providers (IdPs) the secretariat configures per institution.

Decision: a model of our own rather than allauth ``SocialApp`` rows with a JSON ``settings``
field. The secretariat edits plain, validated fields (entity ID, metadata, one attribute name per
field, e-mail domains as rows with a unique constraint) in the admin, and the adapter
(``members.sso.adapter.SocialAccountAdapter.list_apps``) turns each enabled row into the unsaved
``SocialApp`` allauth's SAML provider expects. Each provider gets its own ``provider_id``
(``saml-<slug>``), so a user ID (eduPersonPrincipalName) asserted by one university can never
sign in an account linked through another.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from ..fields import URLField
from ..models import EmailDomain, Institution

# Attribute names (SAML 2.0 "urn:oid" form, as GakuNin and eduGAIN IdPs send them).
EPPN = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
DISPLAY_NAME = "urn:oid:2.16.840.1.113730.3.1.241"
JA_DISPLAY_NAME = "urn:oid:1.3.6.1.4.1.32264.1.1.3"  # GakuNin's jaDisplayName
ORGANIZATION_NAME = "urn:oid:2.5.4.10"  # o

# The REFEDS MFA profile: the IdP asserts that the person used a second factor.
REFEDS_MFA = "https://refeds.org/profile/mfa"


def parse_metadata(xml: str, entity_id: str) -> dict:
    """The IdP's sign-in URL and signing certificate from its metadata (python3-saml's parser).
    Raises ValidationError when the document is not metadata of that entity."""
    try:
        idp = OneLogin_Saml2_IdPMetadataParser.parse(xml, entity_id=entity_id).get("idp") or {}
    except Exception as exc:  # lxml's and the parser's errors alike: the document is unusable
        raise ValidationError(_("The metadata could not be read: %(error)s"), params={"error": exc}) from exc
    certs = idp.get("x509certMulti", {}).get("signing") or ([idp["x509cert"]] if idp.get("x509cert") else [])
    sso_url = idp.get("singleSignOnService", {}).get("url")
    if idp.get("entityId") != entity_id or not sso_url or not certs:
        raise ValidationError(_("The metadata has no identity provider %(entity)s with a sign-in URL and a signing "
                                "certificate."), params={"entity": entity_id})
    return {"entity_id": entity_id, "sso_url": sso_url, "x509cert": certs[0]}


ONE_METADATA = _("Give the metadata URL or paste the metadata: one of the two.")


class IdentityProviderQuerySet(models.QuerySet):
    def enabled(self):
        return self.filter(enabled=True, institution__status=Institution.Status.ACTIVE)


class IdentityProvider(models.Model):
    """A university's SAML identity provider. Its people sign in through it; the address they type
    on "sign in with your university" finds it by one of its e-mail domains."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="identity_providers")
    slug = models.SlugField(
        _("address name"), max_length=60, unique=True,
        help_text=_("Part of the portal's SAML addresses (/accounts/saml/<name>/...); do not change it once "
                    "the provider knows them."),
    )
    entity_id = models.CharField(_("entity ID"), max_length=500, unique=True)
    metadata_url = URLField(
        _("metadata URL"), max_length=500, blank=True,
        help_text=_("Where the provider (or its federation) publishes its metadata; read and cached for four "
                    "hours. Leave empty to paste the metadata below."),
    )
    metadata_xml = models.TextField(_("metadata (XML)"), blank=True)
    attr_uid = models.CharField(_("attribute: eduPersonPrincipalName"), max_length=200, default=EPPN,
                                help_text=_("The person's lasting ID; without it the NameID is used."))
    attr_mail = models.CharField(_("attribute: mail"), max_length=200, default=MAIL)
    attr_display_name = models.CharField(_("attribute: displayName"), max_length=200, default=DISPLAY_NAME)
    attr_ja_display_name = models.CharField(_("attribute: jaDisplayName"), max_length=200, default=JA_DISPLAY_NAME)
    attr_organization = models.CharField(_("attribute: organizationName"), max_length=200, default=ORGANIZATION_NAME)
    enabled = models.BooleanField(_("enabled"), default=True)
    trust_mfa = models.BooleanField(
        _("trust its second factor"), default=False, db_default=False,
        help_text=_("Let this provider's REFEDS MFA assertion stand for the portal's own second factor "
                    "(the secretariat's code). Only for a provider whose MFA you have checked: its "
                    "administrators then control both factors of the accounts in its domains."))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IdentityProviderQuerySet.as_manager()

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(metadata_url="") | ~models.Q(metadata_xml=""), name="idp_has_metadata",
                violation_error_message=ONE_METADATA,
            ),
        ]

    def __str__(self):
        return f"{self.institution} ({self.entity_id})"

    @property
    def provider_id(self) -> str:
        return f"saml-{self.slug}"

    def clean(self):
        super().clean()
        if self.metadata_url and self.metadata_xml.strip():  # neither: the constraint says so
            raise ValidationError(ONE_METADATA)
        # The metadata names the keys whose signatures the portal trusts, and python3-saml does not
        # check a metadata document's own signature: only HTTPS says it came from the IdP unchanged.
        if self.metadata_url and not self.metadata_url.lower().startswith("https://"):
            raise ValidationError({"metadata_url": _(
                "Give the metadata URL with https://: the keys it names decide whose sign-ins are trusted.")})
        if self.metadata_xml.strip() and self.entity_id:
            parse_metadata(self.metadata_xml, self.entity_id)

    def idp_settings(self) -> dict:
        """allauth's ``idp`` block: the metadata URL (allauth reads and caches it) or what the
        pasted metadata says."""
        if self.metadata_url:
            return {"entity_id": self.entity_id, "metadata_url": self.metadata_url}
        return parse_metadata(self.metadata_xml, self.entity_id)


class IdentityProviderDomain(models.Model):
    """An e-mail domain whose people sign in at this provider. Its subdomains go there too
    (a@lab.example.ac.jp finds example.ac.jp); the provider's assertion of an address in one of
    them counts as verified."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(
        _("e-mail domain"), max_length=190, unique=True, validators=EmailDomain._meta.get_field("domain").validators,
    )

    class Meta:
        verbose_name = _("e-mail domain")
        verbose_name_plural = _("e-mail domains")
        ordering = ["domain"]

    def __str__(self):
        return self.domain
