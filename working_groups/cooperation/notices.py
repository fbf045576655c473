"""The notification kinds of the cooperation app (registered in its AppConfig.ready)."""

KINDS = []


def register_all():
    from members.notifications.registry import register  # noqa: PLC0415 -- placeholder
    for kind in KINDS:
        register(kind)
