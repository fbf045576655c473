"""Who may do what with progress figures, adoptions and questions (checked on the object).

Roles (docs/architecture.md): visitor, user, staff of an institution, its contacts, WG
coordinator, secretariat. Members-only figures follow members-only initiatives: staff of active
members and the secretariat see them.
"""

import rules

from members.rules import contact_institution_ids, institution_ids, is_contact_of, is_secretariat, is_staff_member

from ..models import Initiative
from ..rules import can_read_initiative, is_author, is_contact_of_initiative, sees_members_only


@rules.predicate
def figures_are_public(user, institution) -> bool:
    commitment = getattr(institution, "commitment", None) if institution is not None else None
    return commitment is not None and commitment.is_public


@rules.predicate
def is_contact_of_report(user, report) -> bool:
    return report is not None and report.institution_id in contact_institution_ids(user)


@rules.predicate
def may_adopt(user, initiative) -> bool:
    """Staff of an institution other than the initiative's own, on a published initiative."""
    return (initiative is not None and initiative.status == Initiative.Status.PUBLISHED
            and bool(institution_ids(user) - {initiative.institution_id}))


@rules.predicate
def is_published(user, initiative) -> bool:
    return initiative is not None and initiative.status == Initiative.Status.PUBLISHED


@rules.predicate
def answers_for_question(user, question) -> bool:
    """The initiative's author (while staff of its institution) or a contact of that institution."""
    if question is None:
        return False
    initiative = question.initiative
    return is_author(user, initiative) or is_contact_of_initiative(user, initiative)


rules.add_perm("progress.view_figures", figures_are_public | sees_members_only | is_contact_of)
rules.add_perm("progress.manage_reports", is_contact_of | is_secretariat)
rules.add_perm("progress.edit_report", is_contact_of_report | is_secretariat)
rules.add_perm("progress.review_report", is_secretariat)
rules.add_perm("progress.record_adoption", is_staff_member & may_adopt & can_read_initiative)
rules.add_perm("progress.ask_question", is_staff_member & is_published & can_read_initiative)
rules.add_perm("progress.answer_question", answers_for_question | is_secretariat)
