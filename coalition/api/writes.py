"""Initiative drafts written through the API: the JSON body is turned into what the HTML form
posts and validated by the same form (working_groups.forms.InitiativeForm), then saved by the same
services (initiative_create / initiative_update: the same revision history), after the same
permission checks. Only drafts: publishing stays a decision made on the site."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers

from members.models import Institution
from members.rules import current_affiliations
from working_groups import services
from working_groups.forms import InitiativeForm
from working_groups.models import Initiative, WorkingGroup
from working_groups.views.initiatives import initiative_data

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")
# JSON field -> what it is: "text", "slugs" (of groups or institutions), or "links"
WRITABLE = {
    "language": "text", "title": "text", "summary": "text", "body": "text", "title_translated": "text",
    "summary_translated": "text", "body_translated": "text", "partners": "text", "prefecture": "text",
    "started_on": "text", "ended_on": "text", "outcomes": "text", "co2_reduction": "text", "capacity_kw": "text",
    "visibility": "text", "themes": "group slugs", "partner_institutions": "institution slugs", "links": "links",
}


class LinkInSerializer(serializers.Serializer):
    label = serializers.CharField(required=False, allow_blank=True)
    url = serializers.URLField()


class InitiativeWriteSerializer(serializers.Serializer):
    """The body of POST and PATCH (documentation for the schema; the form validates)."""

    institution = serializers.SlugField(required=False, help_text=gettext_lazy(
        "POST: the slug of one of your institutions (needed only if you belong to several)."))
    language = serializers.ChoiceField(choices=["ja", "en"], required=False)
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=1000)
    body = serializers.CharField(help_text="Markdown")
    title_translated = serializers.CharField(required=False, allow_blank=True)
    summary_translated = serializers.CharField(required=False, allow_blank=True)
    body_translated = serializers.CharField(required=False, allow_blank=True)
    themes = serializers.ListField(child=serializers.SlugField(), help_text="Slugs of working groups.")
    partners = serializers.CharField(required=False, allow_blank=True)
    partner_institutions = serializers.ListField(child=serializers.SlugField(), required=False)
    prefecture = serializers.CharField(required=False, allow_blank=True, help_text="JIS code 01–47")
    started_on = serializers.DateField()
    ended_on = serializers.DateField(required=False, allow_null=True)
    outcomes = serializers.CharField(required=False, allow_blank=True)
    co2_reduction = serializers.DecimalField(max_digits=12, decimal_places=1, required=False, allow_null=True)
    capacity_kw = serializers.DecimalField(max_digits=12, decimal_places=1, required=False, allow_null=True)
    visibility = serializers.ChoiceField(choices=["public", "members"], required=False)
    links = LinkInSerializer(many=True, required=False)


def _form_values(initiative: Initiative) -> dict:
    """What the edit form would post for ``initiative`` as it is (the base a PATCH changes)."""
    values = {name: getattr(initiative, name) for name, kind in WRITABLE.items() if kind == "text"}
    values = {k: ("" if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in values.items()}
    values["themes"] = [str(pk) for pk in initiative.themes.values_list("pk", flat=True)]
    values["partner_institutions"] = [str(pk) for pk in initiative.partner_institutions.values_list("pk", flat=True)]
    values["links_text"] = "\n".join(f"{link['label']} {link['url']}" for link in initiative.links)
    return values


def _ids(model, slugs, field: str, errors: dict) -> list[str]:
    if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
        errors[field] = [_("Give a list of slugs.")]
        return []
    # only what could be a slug is looked up (a NUL, say, cannot be sent to PostgreSQL)
    found = dict(model.objects.filter(slug__in=[s for s in slugs if SLUG.fullmatch(s)][:100])
                 .values_list("slug", "pk"))
    # an unknown slug goes to the form as it is, which refuses it as a choice it does not offer
    return [str(found.get(slug, slug)) for slug in slugs]


def _as_form_data(body, base: dict) -> dict:
    if not isinstance(body, dict):
        raise exceptions.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    errors, data = {}, dict(base)
    for key, value in body.items():
        kind = WRITABLE.get(key)
        if key == "institution":
            continue
        if kind is None:
            errors[key] = [_("There is no such field, or it cannot be written through the API.")]
        elif kind == "group slugs":
            data[key] = _ids(WorkingGroup, value, key, errors)
        elif kind == "institution slugs":
            data[key] = _ids(Institution, value, key, errors)
        elif kind == "links":
            if not isinstance(value, list) or not all(isinstance(v, dict) and isinstance(v.get("url"), str)
                                                      for v in value):
                errors[key] = [_("Give a list of objects with a label and a url.")]
            else:
                data["links_text"] = "\n".join(f"{v.get('label') or ''} {v['url']}".strip() for v in value)
        elif value is None:
            data[key] = ""
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            data[key] = str(value)
        else:
            errors[key] = [_("Give a text or a number.")]
    if errors:
        raise exceptions.ValidationError(errors)
    return data


def _refusal(form) -> exceptions.ValidationError:
    errors = {}
    for field, messages in form.errors.items():
        name = {"links_text": "links", "__all__": "non_field_errors"}.get(field, field)
        errors.setdefault(name, []).extend(messages)
    return exceptions.ValidationError(errors)


def _from_service(exc: ValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError({k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()})
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def draft_create(*, user, body) -> Initiative:
    """A new draft for one of ``user``'s institutions (the form offers only those)."""
    if not user.has_perm("working_groups.create_initiative"):
        raise exceptions.PermissionDenied(_("Only staff of a member institution can write initiatives."))
    institutions = [a.institution for a in current_affiliations(user)]
    base = {"language": "ja", "visibility": "public"}
    data = _as_form_data(body, base)
    chosen = body.get("institution")
    if chosen is None and len(institutions) == 1:
        chosen = institutions[0].slug
    pk = next((str(i.pk) for i in institutions if i.slug == chosen), "")
    if not pk:
        slugs = ", ".join(i.slug for i in institutions)
        raise exceptions.ValidationError(
            {"institution": [_("Give the slug of one of your institutions: %(slugs)s.") % {"slugs": slugs}]})
    form = InitiativeForm({**data, "institution": pk}, institutions=institutions)
    if not form.is_valid():
        raise _refusal(form)
    try:
        return services.initiative_create(
            by=user, institution=form.cleaned_data["institution"], data=initiative_data(form),
            themes=form.cleaned_data["themes"], partner_institutions=form.cleaned_data["partner_institutions"])
    except ValidationError as exc:
        raise _from_service(exc) from None


def draft_update(*, user, initiative: Initiative, body) -> Initiative:
    """Change the fields of ``body`` in a draft ``user`` may edit; the others keep their values."""
    if not user.has_perm("working_groups.edit_initiative", initiative):
        raise exceptions.PermissionDenied(_("You may not edit this initiative."))
    if initiative.status != Initiative.Status.DRAFT:
        raise exceptions.PermissionDenied(
            _("Only drafts can be changed through the API: edit a published initiative on the site."))
    if isinstance(body, dict) and "institution" in body:
        raise exceptions.ValidationError({"institution": [_("The institution of an initiative does not change.")]})
    form = InitiativeForm(_as_form_data(body, _form_values(initiative)), instance=initiative)
    if not form.is_valid():
        raise _refusal(form)
    try:
        return services.initiative_update(
            initiative=initiative, by=user, data=initiative_data(form), themes=form.cleaned_data["themes"],
            partner_institutions=form.cleaned_data["partner_institutions"])
    except ValidationError as exc:
        raise _from_service(exc) from None
