"""What this app adds to pages of the lower layers (members/extensions.py registries)."""

from members import extensions
from members.rules import is_secretariat
from working_groups.rules import active_group_ids

from . import selectors


def _group_messages(request, group):
    """The messages sent to the group, on its page, for its members, coordinators and the secretariat."""
    user = request.user
    if not user.is_authenticated or not (is_secretariat(user) or group.pk in active_group_ids(user)):
        return None
    return {
        "group": group,
        "group_messages": selectors.group_messages(group),
        "can_write": user.has_perm("governance.write_to", ("group", group)),
    }


def register():
    extensions.register_section(
        "group_detail",
        extensions.Section("messages", "governance/includes/_group_messages.html", _group_messages, 40),
    )
