"""What this app adds to pages of the layers below (members/extensions.py): adoptions and questions
on an initiative's page, and on an institution's profile what it adopted, what others adopted from
it and a link to its progress."""

import django_filters
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from members import extensions
from members.rules import is_secretariat

from ..filters import register_filter, register_sort
from ..rules import is_author, is_contact_of_initiative
from . import selectors, services
from .forms import QuestionForm
from .models import Adoption


def _initiative_section(request, initiative):
    user = request.user
    if initiative.status == initiative.Status.DRAFT:
        return None
    return {
        "initiative": initiative,
        "adoptions": selectors.adoptions_for(initiative),
        "questions": selectors.questions_for(initiative, user=user),
        "can_adopt": user.has_perm("progress.record_adoption", initiative),
        "can_ask": user.has_perm("progress.ask_question", initiative),
        "can_answer": is_author(user, initiative) or is_contact_of_initiative(user, initiative) or is_secretariat(user),
        "question_form": QuestionForm(auto_id="id_question_%s"),
    }


def _profile_section(request, institution):
    return {"institution": institution, **selectors.adoptions_of_institution(institution, user=request.user)}


def _most_adopted(queryset):
    """Most adopted first, then the newest: the count kept on the initiative (an index walk)."""
    return queryset.order_by("-adoption_count", "-published_at", "-id")


def _adopted():
    return Exists(Adoption.objects.filter(initiative=OuterRef("pk")))


def _filter_adopted(queryset, name, value):
    return queryset.filter(_adopted()) if value == "yes" else queryset.filter(~_adopted())


def _adopted_counts(queryset) -> dict[str, int]:
    """How many of ``queryset`` other institutions adopted, and how many not yet (one query)."""
    return queryset.aggregate(yes=Count("pk", distinct=True, filter=Q(_adopted())),
                              no=Count("pk", distinct=True, filter=~Q(_adopted())))


def register():
    # the commitment is the source of truth of the target year; the institution's copy follows it
    extensions.register_target_year_keeper(extensions.TargetYearKeeper(
        check=services.target_year_check, follow=services.target_year_follow))
    register_sort("adopted", _("Most adopted"), _most_adopted)
    # ?adopted=yes|no on /initiatives/, with its counts beside the other facets
    register_filter("adopted", django_filters.ChoiceFilter(
        label=_("Adopted by others"), method=_filter_adopted,
        choices=[("yes", _("Adopted by other institutions")), ("no", _("Not adopted yet"))]), _adopted_counts)
    extensions.register_section(
        "initiative_detail",
        extensions.Section("progress", "progress/includes/_initiative_adoptions.html", _initiative_section, 10))
    extensions.register_section(
        "institution_profile",
        extensions.Section("progress", "progress/includes/_profile_progress.html", _profile_section, 30))
