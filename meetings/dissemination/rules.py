"""Who may write news and statements, and who runs the newsletter (checked on the object).

The secretariat writes for the coalition; a working group's coordinators write for their group
(items whose ``group`` is theirs). Drafts are seen only by those who may edit them.
"""

import rules

from members.rules import is_secretariat
from working_groups.rules import coordinated_group_ids

from .models import NewsItem


@rules.predicate
def is_coordinator(user) -> bool:
    """Coordinator of at least one group (may write news for it)."""
    return bool(coordinated_group_ids(user))


@rules.predicate
def coordinates_item_group(user, item) -> bool:
    return item is not None and item.group_id is not None and item.group_id in coordinated_group_ids(user)


@rules.predicate
def is_published(user, item) -> bool:
    return item is not None and item.status == NewsItem.Status.PUBLISHED


can_edit_news = is_secretariat | coordinates_item_group

rules.add_perm("dissemination.create_news", is_secretariat | is_coordinator)
rules.add_perm("dissemination.edit_news", can_edit_news)
rules.add_perm("dissemination.view_news", is_published | can_edit_news)
rules.add_perm("dissemination.manage_newsletter", is_secretariat)
rules.add_perm("dissemination.see_translation_status", is_secretariat)
rules.add_perm("dissemination.request_translation", is_secretariat)
