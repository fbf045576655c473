"""What this app adds to pages of the layers below (members/extensions.py): adoptions and questions
on an initiative's page, and on an institution's profile what it adopted, what others adopted from
it and a link to its progress."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from members import extensions
from members.rules import is_secretariat

from ..filters import register_sort
from ..rules import is_author, is_contact_of_initiative
from . import selectors
from .forms import QuestionForm


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
    return queryset.annotate(n_adoptions=Count("adoptions", distinct=True)).order_by(
        "-n_adoptions", "-published_at", "-id")


def register():
    register_sort("adopted", _("Most adopted"), _most_adopted)
    extensions.register_section(
        "initiative_detail",
        extensions.Section("progress", "progress/includes/_initiative_adoptions.html", _initiative_section, 10))
    extensions.register_section(
        "institution_profile",
        extensions.Section("progress", "progress/includes/_profile_progress.html", _profile_section, 30))
