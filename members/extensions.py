"""How upper apps add to pages of this layer without being imported by it (docs/architecture.md).

An upper app registers, in its ``AppConfig.ready()``:

- a *section*: a template fragment and a function building its context, shown in a named slot of a
  page of a lower app (``institution_profile``, ``account``, ``institution_people`` here;
  ``group_detail``, ``group_row`` and ``initiative_detail`` on the working groups' pages);
- a *directory filter*: an extra django-filter filter on the member directory (``wg``);
- an *application hook*: called when a membership application is approved, with the new
  institution (the working groups named in it become participation requests);
- *application choices*: the working groups an applicant may name;
- a *target-year keeper*: an app that holds the carbon-neutrality target year too (progress: the
  commitment, its source of truth) checks and follows a change made here (profile form, import);
- an *anonymise hook*: called when a person is anonymised (members.services.people.user_anonymise),
  so that the app withdraws them from what it holds and removes the personal data it keeps.

Sections build their context with a fixed number of queries, so a page's query count does not grow
with the data.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Section:
    key: str
    template: str
    context: Callable  # (request, **page objects) -> dict, or None to hide the section
    order: int = 100


_sections: dict[str, dict[str, Section]] = {}
_directory_filters: dict[str, Callable] = {}
_directory_facets: dict[str, Callable] = {}
_application_hooks: list[Callable] = []
_application_choices: list[Callable] = []


def register_section(slot: str, section: Section) -> None:
    _sections.setdefault(slot, {})[section.key] = section


def render_sections(slot: str, request, **objects) -> list[dict]:
    """[{"template": ..., "context": {...}}] for the slot, in order; a section may hide itself."""
    out = []
    for section in sorted(_sections.get(slot, {}).values(), key=lambda s: (s.order, s.key)):
        context = section.context(request, **objects)
        if context is not None:
            out.append({"key": section.key, "template": section.template, "context": context})
    return out


def register_directory_filter(name: str, factory: Callable, counts: Callable | None = None) -> None:
    """``factory()`` returns a django-filter Filter; it is added to the directory's FilterSet.
    ``counts(queryset)`` returns {value: number of institutions} for the facet (one query)."""
    _directory_filters[name] = factory
    if counts is not None:
        _directory_facets[name] = counts


def directory_filters() -> dict[str, Callable]:
    return dict(_directory_filters)


def directory_facets() -> dict[str, Callable]:
    return dict(_directory_facets)


def register_application_hook(hook: Callable) -> None:
    """``hook(application=..., institution=..., by=...)`` runs inside the approval's transaction."""
    _application_hooks.append(hook)


def application_hooks() -> list[Callable]:
    return list(_application_hooks)


_anonymise_hooks: list[Callable] = []


def register_anonymise_hook(hook: Callable) -> None:
    """``hook(user=..., by=...)`` runs inside the anonymisation's transaction, after the person's own
    data is gone (``user.email`` is already the placeholder)."""
    _anonymise_hooks.append(hook)


def anonymise_hooks() -> list[Callable]:
    return list(_anonymise_hooks)


def register_application_choices(provider: Callable[[], list[tuple[str, str | Promise]]]) -> None:
    _application_choices.append(provider)


def application_choices() -> list[tuple[str, str | Promise]]:
    return [choice for provider in _application_choices for choice in provider()]


@dataclass(frozen=True)
class TargetYearKeeper:
    """An upper app that keeps an institution's target year as well: ``check(institution,
    target_year)`` returns a message refusing the change (or None) before anything is saved;
    ``follow(institution, target_year, by)`` runs in the transaction that saves it."""

    check: Callable
    follow: Callable


_target_year_keepers: list[TargetYearKeeper] = []


def register_target_year_keeper(keeper: TargetYearKeeper) -> None:
    _target_year_keepers.append(keeper)


def target_year_keepers() -> list[TargetYearKeeper]:
    return list(_target_year_keepers)
